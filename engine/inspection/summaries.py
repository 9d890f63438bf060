"""Summaries of tensors: a few sums per tensor on the device, finished on the host.

The device side (`summarise`, `heat_map`, `dead_units`, ...) takes backend arrays and
returns small ones, through engine.ops only, so it runs inside any backend's compiled step.
It makes as few passes over each tensor as it can: tensors go through one
`summary_statistics` op (each one's mean, squared deviations, sum of |x|, min and max), or, when
there are many small ones, they are reduced together as rows around a pivot; no boolean
masks over big tensors and no division. Histograms and the zero and non-finite counts come
from a small even sample.
`statistics` turns those sums into the STATISTICS on the host, in float64.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from engine import ops

STATISTICS = ("mean", "std", "min", "max", "mean_abs", "l2", "zero_fraction", "nonfinite_fraction")
# Columns of `summarise`'s raw: per tensor, its size, the sum of (x - pivot), the pivot (its
# mean, around which that sum is 0, or its first value when it is reduced in chunks), the sum
# of squares of (x - pivot), the sum of |x|, min, max (pivot to max in summary_statistics's
# order); then, over its even sample (the whole tensor when it is small), how many values the
# sample holds, how many are finite and how many are zero.
RAW = (
    "size",
    "shifted_sum",
    "pivot",
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
# Tensors smaller than this are summarised together, as rows of CHUNK values in one array,
# when there are at least CHUNKED_FROM of them (fewer cost fewer ops one by one).
SMALL = 1 << 16
CHUNK = 1024
CHUNKED_FROM = 12


# --------------------------------------------------------------------------- on the device
def summarise(tensors, bins: int, sample: int):
    """(raw, histograms) of every tensor, in order: (tensors, len(RAW)) and (tensors, bins)
    float32 arrays. Histograms have equal bins from each tensor's min to its max (the last bin
    includes the max) and count the finite values of an even sample of at most `sample`
    values (every value of smaller tensors). `statistics(raw)` finishes the STATISTICS.

    Eager backends pay for every op, so the op count does not grow with the number of small
    tensors: tensors of SMALL values or more are reduced by one `summary_statistics` op (a
    loop on the host on PyTorch's CPU and NumPy), and so are smaller ones while there
    are few of them; CHUNKED_FROM or more smaller ones are reduced together in one chunked
    stack. The samples are taken by one `even_samples` op (a copy on the host on PyTorch's
    CPU and NumPy) and binned by one `histogram` op (a bincount on PyTorch and NumPy)."""
    shapes = [ops.shape(t) for t in tensors]
    sizes = [math.prod(shape) for shape in shapes]
    chunked = [i for i, size in enumerate(sizes) if size < SMALL]
    if len(chunked) < CHUNKED_FROM:
        chunked = []
    alone = [i for i in range(len(tensors)) if i not in chunked]
    strides = [
        sampling_stride(size, [shape[-1] if shape else 1], sample)
        for shape, size in zip(shapes, sizes)
    ]
    sampled_sizes = [math.ceil(size / stride) for size, stride in zip(sizes, strides)]
    length = max(sampled_sizes)
    raws, samples = [], []
    if alone:
        shaped = [float32(tensors[i]) for i in alone]
        # size and shifted sum (0 around the mean), then the op's five columns
        known = np.asarray([[sizes[i], 0.0] for i in alone], np.float32)
        reduced = ops.summary_statistics(shaped)  # in their shapes: see the TensorFlow backend
        raws.append(ops.concatenate([ops.convert(known), reduced], axis=1))
        samples.append(ops.even_samples(shaped, [strides[i] for i in alone], length))
    if chunked:
        raw, taken = _chunked_statistics(
            [tensors[i] for i in chunked], [strides[i] for i in chunked], length
        )
        raws.append(raw)
        samples.append(taken)
    order = alone + chunked
    raw = _in_order(raws, order)
    sampled = _in_order(samples, order)
    low = ops.getitem(raw, (slice(None), _COLUMN["min"]))
    high = ops.getitem(raw, (slice(None), _COLUMN["max"]))
    counts = ops.stack(
        [
            ops.convert(np.asarray(sampled_sizes, np.float32)),
            _count(ops.isfinite(sampled)),
            _count(ops.equal(sampled, 0.0)),
        ],
        axis=1,
    )
    return ops.concatenate([raw, counts], axis=1), ops.histogram(sampled, low, high, bins)


def _chunked_statistics(tensors, strides, length):
    """(raw, samples) of small tensors, reduced together: all of them flattened into one
    vector, gathered into rows of CHUNK values (each tensor's last row padded with its first
    value), reduced row by row around that first value, then per tensor over its rows; the
    samples are gathered from the same vector (NaN after each tensor's sample)."""
    plan = _chunk_plan(tuple(math.prod(ops.shape(t)) for t in tensors), tuple(strides), length)
    nan = ops.convert(np.full(1, np.nan, np.float32))
    flat = ops.concatenate([*(ops.reshape(float32(t), (-1,)) for t in tensors), nan])
    values = ops.reshape(ops.take(flat, ops.convert(plan.cells)), (-1, CHUNK))
    pivot = ops.expand_dims(ops.take(flat, ops.convert(plan.row_first)), 1)
    # Padding repeats the pivot: it changes neither min, max nor the sums around the pivot,
    # and `inside` leaves it out of the sum of |x|.
    shifted = ops.subtract(values, pivot)
    per_row = ops.stack(
        [
            ops.sum(shifted, axis=1),
            ops.sum(ops.square(shifted), axis=1),
            ops.sum(ops.where(ops.convert(plan.inside), ops.abs(values), 0.0), axis=1),
        ],
        axis=1,
    )
    # summed with `where`, not a matmul by 0/1 weights: 0 * NaN would spread a NaN
    owns = ops.convert(plan.owns)  # (tensors, rows)
    sums = ops.sum(ops.where(ops.expand_dims(owns, 2), ops.expand_dims(per_row, 0), 0.0), axis=1)
    low = ops.min(ops.where(owns, ops.expand_dims(ops.min(values, axis=1), 0), math.inf), axis=1)
    high = ops.max(ops.where(owns, ops.expand_dims(ops.max(values, axis=1), 0), -math.inf), axis=1)
    firsts = ops.take(flat, ops.convert(plan.tensor_first))
    raw = ops.concatenate(
        [
            ops.convert(plan.sizes),
            ops.getitem(sums, (slice(None), slice(0, 1))),  # the shifted sum
            ops.expand_dims(firsts, 1),  # the pivot
            ops.getitem(sums, (slice(None), slice(1, 3))),  # shifted squares, sum of |x|
            ops.expand_dims(low, 1),
            ops.expand_dims(high, 1),
        ],
        axis=1,
    )
    samples = ops.reshape(ops.take(flat, ops.convert(plan.samples)), (len(tensors), length))
    return raw, samples


class _ChunkPlan:
    """Where `_chunked_statistics` gathers from, in the flat vector of all the tensors (of
    `sizes` values each) followed by one NaN: index arrays made once per set of shapes."""

    def __init__(self, sizes, strides, length):
        starts = np.cumsum([0, *sizes[:-1]])
        pieces = [math.ceil(size / CHUNK) for size in sizes]
        owner = np.repeat(np.arange(len(sizes)), pieces)
        # cell k of a tensor's rows holds its value k; padding cells hold its first value
        cells = [
            start + np.where(np.arange(count * CHUNK) < size, np.arange(count * CHUNK), 0)
            for start, size, count in zip(starts, sizes, pieces)
        ]
        filled = np.concatenate(
            [np.minimum(size - CHUNK * np.arange(n), CHUNK) for size, n in zip(sizes, pieces)]
        )
        samples = np.full((len(sizes), length), sum(sizes))  # the NaN after the last tensor
        for j, (start, size, stride) in enumerate(zip(starts, sizes, strides)):
            positions = np.arange(0, size, stride)
            samples[j, : len(positions)] = start + positions
        self.cells = np.concatenate(cells).astype(np.int32)
        self.row_first = starts[owner].astype(np.int32)
        self.tensor_first = starts.astype(np.int32)
        self.inside = np.arange(CHUNK)[None, :] < filled[:, None]
        self.owns = owner[None, :] == np.arange(len(sizes))[:, None]
        self.sizes = np.asarray(sizes, np.float32)[:, None]
        self.samples = samples.reshape(-1).astype(np.int32)


@functools.lru_cache(maxsize=64)
def _chunk_plan(sizes: tuple, strides: tuple, length: int) -> _ChunkPlan:
    return _ChunkPlan(sizes, strides, length)


def _in_order(parts, order):
    """Rows of the concatenated `parts` (computed in `order`) back in the original order."""
    joined = parts[0] if len(parts) == 1 else ops.concatenate(parts)
    if order == sorted(order):
        return joined
    return ops.take(joined, ops.convert(np.argsort(order).astype(np.int32)), axis=0)


def _count(condition):
    return ops.sum(ops.cast(condition, "float32"), axis=1)


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
    shape = ops.shape(x)
    if len(shape) <= 1:
        x, shape = ops.reshape(x, (1, -1)), (1, math.prod(shape))
    if len(shape) == 2:
        return float32(ops.getitem(x, _every_nth(shape, size)))
    view = ops.getitem(x, (0, *_every_nth(shape[1:3], size)))
    if len(shape) > 3:
        view = ops.mean(float32(view), axis=tuple(range(2, len(shape) - 1)))
    return float32(view)


def weight_heat_map(w, size: int):
    """A weight's 2-D view for a heat map, at most `size` cells a side (every n-th cell):
    (everything before the last axis, the last axis), so a Dense kernel is (inputs, units)
    and a convolution kernel (window positions x input channels, filters); a vector is one
    row."""
    shape = ops.shape(w)
    columns = shape[-1] if shape else 1
    rows = math.prod(shape) // columns if columns else 0
    view = ops.reshape(w, (rows, columns))
    return float32(ops.getitem(view, _every_nth((rows, columns), size)))


def float32(x):
    """`x` as float32, without a copy when it already is (a cast copies on some backends)."""
    return x if ops.dtype(x) == "float32" else ops.cast(x, "float32")


def _every_nth(sides: tuple, size: int) -> tuple:
    """Slices that take every n-th row and column, at most `size` of each, of an array whose
    first two axes are `sides` long."""
    return tuple(slice(None, None, max(math.ceil(side / size), 1)) for side in sides)


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
