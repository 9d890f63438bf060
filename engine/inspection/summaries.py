"""Summaries of tensors: a few sums per tensor on the device, finished on the host.

The device side (`summarise`, `heat_map`, `dead_units`, ...) takes backend arrays and
returns small ones, through engine.ops only, so it runs inside any backend's compiled step.
It makes as few passes over each tensor as it can: a big tensor goes through one
`summary_statistics` op (its mean, squared deviations, sum of |x|, min and max), small ones
are reduced together as rows around a pivot; no boolean masks over big tensors and no
division. Histograms and the zero and non-finite counts come from a small even sample.
`statistics` turns those sums into the STATISTICS on the host, in float64.
"""

from __future__ import annotations

import math

import numpy as np

from engine import ops

STATISTICS = ("mean", "std", "min", "max", "mean_abs", "l2", "zero_fraction", "nonfinite_fraction")
# Columns of `summarise`'s raw: per tensor, its size, its pivot (a big tensor's mean, a small
# one's first value), the sum and the sum of squares of (x - pivot), the sum of |x|, min, max;
# then, over its even sample (the whole tensor when it is small), how many values the sample
# holds, how many are finite and how many are zero.
RAW = (
    "size",
    "pivot",
    "shifted_sum",
    "shifted_squares",
    "abs_sum",
    "min",
    "max",
    "sampled",
    "sampled_finite",
    "sampled_zeros",
)
_COLUMN = {name: i for i, name in enumerate(RAW)}
# A tanh output beyond ±0.99 (a sigmoid output within 0.005 of 0 or 1) counts as saturated.
SATURATION_LEVEL = 0.99
# Tensors smaller than this are summarised together, as rows of CHUNK values in one array.
SMALL = 1 << 16
CHUNK = 1024


# --------------------------------------------------------------------------- on the device
def summarise(tensors, bins: int, sample: int):
    """(raw, histograms) of every tensor, in order: (tensors, len(RAW)) and (tensors, bins)
    float32 arrays. Histograms have equal bins from each tensor's min to its max (the last bin
    includes the max) and count the finite values of an even sample of at most `sample`
    values (every value of smaller tensors). `statistics(raw)` finishes the STATISTICS.

    Eager backends pay for every op, so the op count does not grow with the number of small
    tensors: each tensor of SMALL values or more is reduced on its own by the
    `summary_statistics` op (fused on PyTorch and NumPy), all smaller ones together in
    one chunked stack, and every sample is binned in one batch."""
    sizes = [math.prod(ops.shape(t)) for t in tensors]
    big = [i for i, size in enumerate(sizes) if size >= SMALL]
    small = [i for i, size in enumerate(sizes) if size < SMALL]
    strides = [
        sampling_stride(size, [ops.shape(t)[-1] if ops.shape(t) else 1], sample)
        for t, size in zip(tensors, sizes)
    ]
    length = max(math.ceil(size / stride) for size, stride in zip(sizes, strides))
    raws, samples, reduced = [], [], []
    for i in big:
        flat = ops.reshape(float32(tensors[i]), (1, -1))
        reduced.append(ops.summary_statistics(flat))
        taken = ops.getitem(flat, (slice(None), slice(None, None, strides[i])))
        missing = length - ops.shape(taken)[1]
        if missing:  # NaN, which no count or bin includes
            taken = ops.concatenate(
                [taken, ops.convert(np.full((1, missing), np.nan, np.float32))], 1
            )
        samples.append(taken)
    if big:
        raws.append(_raw_from_statistics(ops.stack(reduced), [sizes[i] for i in big]))
    if small:
        chunks = _Chunks([tensors[i] for i in small])
        raws.append(chunks.raw_statistics())
        samples.append(chunks.samples([strides[i] for i in small], length))
    order = big + small
    raw = _in_order(raws, order)
    sampled = _in_order(samples, order)
    low = ops.getitem(raw, (slice(None), _COLUMN["min"]))
    high = ops.getitem(raw, (slice(None), _COLUMN["max"]))
    counts = ops.stack(
        [
            ops.convert(np.asarray([math.ceil(n / k) for n, k in zip(sizes, strides)], np.float32)),
            _count(ops.isfinite(sampled)),
            _count(ops.equal(sampled, 0.0)),
        ],
        axis=1,
    )
    return ops.concatenate([raw, counts], axis=1), _histograms(sampled, low, high, bins)


def _raw_from_statistics(rows, sizes):
    """RAW's first seven columns from `rows` of the `summary_statistics` op (mean, squared
    deviations, sum of |x|, min, max): the mean is the pivot, so the deviations from it sum to 0."""
    column = np.asarray(sizes, np.float32)[:, None]
    return ops.concatenate(
        [
            ops.convert(column),
            ops.getitem(rows, (slice(None), slice(0, 1))),
            ops.convert(np.zeros_like(column)),
            ops.getitem(rows, (slice(None), slice(1, 5))),
        ],
        axis=1,
    )


def _raw_statistics(stacked, sizes, pivot, inside):
    """The first seven RAW columns for each row of `stacked` (rows, values), whose row i
    holds `sizes[i]` values, around `pivot` (rows, 1): padding that repeats the pivot (or
    another value of the row) changes neither min, max nor the sums around the pivot, and
    `inside` (bool, like `stacked`) leaves it out of the others."""
    rows = ops.shape(stacked)[0]
    shifted = ops.subtract(stacked, pivot)
    shifted_sum = ops.sum(shifted, axis=1)
    abs_sum = ops.sum(ops.where(inside, ops.abs(stacked), 0.0), axis=1)
    columns = [
        ops.convert(np.asarray(sizes, np.float32)),
        ops.reshape(pivot, (rows,)),
        shifted_sum,
        ops.sum(ops.square(shifted), axis=1),
        abs_sum,
        ops.min(stacked, axis=1),
        ops.max(stacked, axis=1),
    ]
    return ops.stack(columns, axis=1)


class _Chunks:
    """Small tensors as rows of CHUNK values in one array, each tensor's last row padded with
    its first value: reduced row by row in a few ops, then per tensor over its rows."""

    def __init__(self, tensors):
        sizes = [math.prod(ops.shape(t)) for t in tensors]
        pieces = [math.ceil(size / CHUNK) for size in sizes]
        self.sizes = sizes
        self.first_row = np.cumsum([0, *pieces[:-1]]).astype(np.int32)
        rows = []
        for t, size, count in zip(tensors, sizes, pieces):
            flat = ops.reshape(float32(t), (1, -1))
            if count * CHUNK > size:
                fill = ops.getitem(flat, (slice(None), slice(0, 1)))
                fill = ops.broadcast_to(fill, (1, count * CHUNK - size))
                flat = ops.concatenate([flat, fill], axis=1)
            rows.append(ops.reshape(flat, (count, CHUNK)))
        self.values = rows[0] if len(rows) == 1 else ops.concatenate(rows)
        self.owner = np.repeat(np.arange(len(tensors)), pieces).astype(np.int32)
        self.owns = self.owner[None, :] == np.arange(len(tensors))[:, None]  # (tensors, rows)
        self.filled = np.concatenate(
            [np.minimum(size - CHUNK * np.arange(n), CHUNK) for size, n in zip(sizes, pieces)]
        )

    def raw_statistics(self):
        """RAW's first seven columns per tensor: per row around its tensor's first value, then
        reduced over each tensor's rows."""
        firsts = ops.take(ops.getitem(self.values, (slice(None), 0)), ops.convert(self.first_row))
        pivot = ops.expand_dims(ops.take(firsts, ops.convert(self.owner)), 1)
        inside = np.arange(CHUNK)[None, :] < self.filled[:, None]
        per_row = _raw_statistics(self.values, self.filled, pivot, ops.convert(inside))
        # summed with `where`, not a matmul by 0/1 weights: 0 * NaN would spread a NaN
        sums = ops.expand_dims(ops.getitem(per_row, (slice(None), slice(2, 5))), 0)
        owns = ops.convert(self.owns)
        total = ops.sum(ops.where(ops.expand_dims(owns, 2), sums, 0.0), axis=1)  # (tensors, 3)

        def per_tensor(reduce, column, empty):
            values = ops.expand_dims(ops.getitem(per_row, (slice(None), column)), 0)
            return ops.expand_dims(reduce(ops.where(owns, values, empty), axis=1), 1)

        return ops.concatenate(
            [
                ops.convert(np.asarray(self.sizes, np.float32)[:, None]),
                ops.expand_dims(firsts, 1),
                total,
                per_tensor(ops.min, _COLUMN["min"], math.inf),
                per_tensor(ops.max, _COLUMN["max"], -math.inf),
            ],
            axis=1,
        )

    def samples(self, strides, length):
        """(tensors, length): every stride-th value of each tensor, then NaN."""
        index = np.zeros((len(self.sizes), length), np.int32)
        taken = np.zeros((len(self.sizes), length), bool)
        for j, (size, stride) in enumerate(zip(self.sizes, strides)):
            positions = np.arange(0, size, stride)
            index[j, : len(positions)] = self.first_row[j] * CHUNK + positions
            taken[j, : len(positions)] = True
        flat = ops.reshape(self.values, (-1,))
        sampled = ops.take(flat, ops.convert(index.reshape(-1)))
        sampled = ops.reshape(sampled, index.shape)
        return ops.where(ops.convert(taken), sampled, math.nan)


def square_sums(tensors):
    """The sum of squares of every tensor, as one float32 vector (norms are their roots)."""
    sums = []
    for t in tensors:
        sums.append(ops.sum(ops.square(ops.reshape(float32(t), (-1,)))))
    return ops.stack(sums)


def _in_order(parts, order):
    """Rows of the concatenated `parts` (computed in `order`) back in the original order."""
    joined = parts[0] if len(parts) == 1 else ops.concatenate(parts)
    if order == sorted(order):
        return joined
    return ops.take(joined, ops.convert(np.argsort(order).astype(np.int32)), axis=0)


def _count(condition):
    return ops.sum(ops.cast(condition, "float32"), axis=1)


def _histograms(sampled, low, high, bins: int):
    """Per row, counts of its finite values in `bins` equal bins from its low to its high.

    Bin k is split into (k // b, k % b) with b about sqrt(bins): one 0/1 array per part, one
    of a few columns and one of a few rows, and a batched matmul of the two counts every
    pair. That touches (about 2 sqrt(bins)) values per sampled value instead of `bins`, and
    no boolean array (slow on some backends). Counts are sums of ones: exact."""
    low, high = ops.expand_dims(low, 1), ops.expand_dims(high, 1)
    width = ops.divide(ops.subtract(high, low), float(bins))
    level = ops.equal(width, 0.0)  # a row of equal values: divided by 1, not by 0 (no 0/0)
    position = ops.floor(ops.divide(ops.subtract(sampled, low), ops.where(level, 1.0, width)))
    # The max falls in the last bin, as does every value of a row of equal values.
    # Non-finite values, the padding, and all values of a row holding a non-finite value (its
    # width is not finite) fall in none (-1).
    position = ops.where(ops.isfinite(position), ops.minimum(position, bins - 1.0), -1.0)
    position = ops.where(level, bins - 1.0, position)
    position = ops.where(ops.isfinite(sampled), position, -1.0)
    columns = math.ceil(math.sqrt(bins))
    rows = math.ceil(bins / columns)
    high_part = ops.floor(ops.divide(position, float(columns)))  # -1 for none: no row
    low_part = ops.subtract(position, ops.multiply(high_part, float(columns)))
    pairs = ops.matmul(_indicator(high_part, rows, 1), _indicator(low_part, columns, 2))
    flat = ops.reshape(pairs, (ops.shape(sampled)[0], rows * columns))
    return ops.getitem(flat, (slice(None), slice(0, bins)))


def _indicator(values, count: int, axis: int):
    """1.0 where an integer-valued `values` (rows, n) equals k, for k < count, along a new
    `axis` (1: (rows, count, n); 2: (rows, n, count)); 0.0 elsewhere."""
    ks = np.arange(count, dtype=np.float32).reshape((1, count, 1) if axis == 1 else (1, 1, count))
    distance = ops.abs(ops.subtract(ops.expand_dims(values, axis), ops.convert(ks)))
    return ops.relu(ops.subtract(1.0, distance))


def sampling_stride(length: int, channels, sample: int) -> int:
    """A step through `length` values giving at most `sample`; it shares no factor with any
    of the `channels` (last-axis sizes), so a strided sample still visits every channel."""
    stride = max(math.ceil(length / sample), 1)
    while stride > 1 and any(math.gcd(stride, c) > 1 for c in channels):
        stride += 1
    return stride


def heat_map(x, size: int):
    """A small 2-D view of `x` for a heat map, at most `size` cells a side (every n-th cell):
    (samples, features) for rank 2, the first sample for rank 3 (steps, features), and the
    first sample averaged over channels for images (height, width)."""
    rank = len(ops.shape(x))
    if rank <= 1:
        view = ops.reshape(x, (1, -1))
    elif rank == 2:
        view = x
    else:
        view = ops.getitem(x, 0)
        if rank > 3:
            view = ops.mean(float32(view), axis=tuple(range(2, rank - 1)))
    return float32(_every_nth(view, size))


def weight_heat_map(w, size: int):
    """A weight's 2-D view for a heat map, at most `size` cells a side (every n-th cell):
    (everything before the last axis, the last axis), so a Dense kernel is (inputs, units)
    and a convolution kernel (window positions x input channels, filters); a vector is one
    row."""
    shape = ops.shape(w)
    columns = shape[-1] if shape else 1
    return float32(_every_nth(ops.reshape(w, (-1, columns)), size))


def float32(x):
    """`x` as float32, without a copy when it already is (a cast copies on some backends)."""
    return x if ops.dtype(x) == "float32" else ops.cast(x, "float32")


def _every_nth(view, size: int):
    rows, columns = ops.shape(view)
    return ops.getitem(
        view,
        (
            slice(None, None, max(math.ceil(rows / size), 1)),
            slice(None, None, max(math.ceil(columns / size), 1)),
        ),
    )


def dead_units(x):
    """For each unit (last axis) of a ReLU output (never negative), whether it output exactly
    0 for every sample (bool): its sum is 0. (A sum over the batch is much faster than a max
    on some backends.)"""
    units = ops.shape(x)[-1]
    return ops.equal(ops.sum(ops.reshape(x, (-1, units)), axis=0), 0.0)


def saturated_fraction(x, activation: str):
    """The share of tanh or sigmoid outputs at their limits (see SATURATION_LEVEL)."""
    centred = ops.subtract(ops.multiply(x, 2.0), 1.0) if activation == "sigmoid" else x
    return ops.mean(ops.cast(ops.greater(ops.abs(centred), SATURATION_LEVEL), "float32"))


# ----------------------------------------------------------------------------- on the host
def statistics(raw: np.ndarray) -> np.ndarray:
    """The STATISTICS (tensors, len(STATISTICS)), in float64, from `summarise`'s raw rows.

    Moments and extremes (mean, std, min, max, mean_abs, l2) are exact. The two fractions are
    counted on the tensor's even sample: exactly in tensors of up to `sample` values (the
    sample is the whole tensor), estimated in bigger ones. Whether a tensor holds NaN or Inf
    is exact all the same (its min or max is not finite, or NaN reached its sums): such a
    tensor has NaN or Inf statistics and a nonfinite_fraction of at least one value's share.
    """
    raw = np.asarray(raw, np.float64)
    column = {name: raw[:, i] for i, name in enumerate(RAW)}
    size, pivot = column["size"], column["pivot"]
    shifted, squares = column["shifted_sum"], column["shifted_squares"]
    low, high = column["min"], column["max"]
    sampled = np.maximum(column["sampled"], 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        shift = shifted / size
        mean = pivot + shift
        variance = np.maximum(squares / size - shift * shift, 0.0)
        l2 = np.sqrt(np.maximum(squares + 2 * pivot * shifted + size * pivot * pivot, 0.0))
        broken = ~np.isfinite(low) | ~np.isfinite(high) | np.isnan(shifted) | np.isnan(squares)
        nonfinite = np.where(
            broken,
            np.maximum((column["sampled"] - column["sampled_finite"]) / sampled, 1.0 / size),
            0.0,
        )
    zeros = column["sampled_zeros"] / sampled
    return np.stack(
        [mean, np.sqrt(variance), low, high, column["abs_sum"] / size, l2, zeros, nonfinite],
        axis=1,
    )
