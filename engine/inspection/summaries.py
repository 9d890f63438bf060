"""Summaries of tensors computed on the device, so only a few numbers travel to the host.

Every function takes backend arrays and returns small ones, through engine.ops only, so it
runs inside any backend's compiled step.
"""

from __future__ import annotations

import math

import numpy as np

from engine import ops

STATISTICS = ("mean", "std", "min", "max", "mean_abs", "l2", "zero_fraction", "nonfinite_fraction")
MIN, MAX = STATISTICS.index("min"), STATISTICS.index("max")
# A tanh output beyond ±0.99 (a sigmoid output within 0.005 of 0 or 1) counts as saturated.
SATURATION_LEVEL = 0.99
# Tensors smaller than this are summarised in stacks with others of similar size.
SMALL = 1 << 16


def summarise(tensors, bins: int, sample: int):
    """(statistics, histograms) of every tensor, in order: (tensors, len(STATISTICS)) and
    (tensors, bins) float32 arrays. Histograms have equal bins from each tensor's min to its
    max (the last bin includes the max); tensors larger than `sample` are binned from an even
    subsample. A tensor holding NaN or Inf has NaN or Inf statistics and an empty histogram;
    its nonfinite_fraction says how much of it is not finite."""
    stats, histograms, order = [], [], []
    for group in size_groups(tensors):
        stacked = stack_flat([tensors[i] for i in group], math.nan)
        group_stats = statistics(stacked, [math.prod(ops.shape(tensors[i])) for i in group])
        channels = [ops.shape(tensors[i])[-1] if ops.shape(tensors[i]) else 1 for i in group]
        stride = sampling_stride(ops.shape(stacked)[1], channels, sample)
        if stride > 1:
            stacked = ops.getitem(stacked, (slice(None), slice(None, None, stride)))
        low = ops.getitem(group_stats, (slice(None), MIN))
        high = ops.getitem(group_stats, (slice(None), MAX))
        stats.append(group_stats)
        histograms.append(_histograms(stacked, low, high, bins))
        order.extend(group)
    return _in_order(stats, order), _in_order(histograms, order)


def l2_norms(tensors):
    """The L2 norm of every tensor, as one float32 vector."""
    norms, order = [], []
    for group in size_groups(tensors):
        stacked = stack_flat([tensors[i] for i in group], 0.0)
        norms.append(ops.sqrt(ops.sum(ops.square(stacked), axis=1)))
        order.extend(group)
    return _in_order(norms, order)


def size_groups(tensors) -> list[list[int]]:
    """Indices of the tensors in groups to summarise as one stack: a tensor of SMALL values
    or more alone, smaller ones with others within a factor 2 in size, padded to the longest.
    Compilers spend their time per reduction, so a model's many small tensors (biases, small
    layers) cost a few reductions, not a few per tensor; big ones are not copied into stacks.
    """
    sizes = [math.prod(ops.shape(t)) for t in tensors]
    groups = []
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        longest = sizes[groups[-1][0]] if groups else 0
        if groups and longest < SMALL and 2 * sizes[i] >= longest:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def stack_flat(tensors, padding):
    """The tensors flattened to rows of one float32 array, padded to the longest."""
    flat = [ops.reshape(ops.cast(t, "float32"), (1, -1)) for t in tensors]
    length = max(ops.shape(f)[1] for f in flat)
    padded = [
        f
        if ops.shape(f)[1] == length
        else ops.pad(f, ((0, 0), (0, length - ops.shape(f)[1])), value=padding)
        for f in flat
    ]
    return padded[0] if len(padded) == 1 else ops.concatenate(padded)


def _in_order(parts, order):
    """Rows of the concatenated `parts` (computed in `order`) back in the original order."""
    back = ops.convert(np.argsort(order).astype(np.int32))
    return ops.take(ops.concatenate(parts), back, axis=0)


def statistics(stacked, sizes):
    """The STATISTICS of each row of `stacked` (rows, values), row i holding `sizes[i]` values
    before its padding, which is left out. Non-finite values are not: a tensor holding NaN or
    Inf has NaN or Inf statistics, and its nonfinite_fraction says how much of it is not
    finite (masking them out of every sum would make capture markedly slower). The variance
    is taken around each row's first value, which keeps it exact in float32 when the mean is
    far from zero."""
    length = ops.shape(stacked)[1]
    if all(size == length for size in sizes):

        def inside(x, _):
            return x
    else:
        valid = ops.less(
            ops.expand_dims(ops.arange(0, length), 0),
            ops.expand_dims(ops.convert(np.asarray(sizes, np.int32)), 1),
        )

        def inside(x, padding):
            return ops.where(valid, x, padding)

    values = inside(stacked, 0.0)
    pivot = ops.getitem(values, (slice(None), slice(0, 1)))
    shifted = inside(ops.subtract(values, pivot), 0.0)
    size = ops.convert(np.asarray(sizes, np.float32))
    shift = ops.divide(ops.sum(shifted, axis=1), size)
    mean = ops.add(ops.getitem(pivot, (slice(None), 0)), shift)
    variance = ops.maximum(
        ops.subtract(ops.divide(ops.sum(ops.square(shifted), axis=1), size), ops.square(shift)),
        0.0,
    )
    columns = [
        mean,
        ops.sqrt(variance),
        ops.min(inside(stacked, math.inf), axis=1),
        ops.max(inside(stacked, -math.inf), axis=1),
        ops.divide(ops.sum(ops.abs(values), axis=1), size),
        ops.sqrt(ops.multiply(ops.add(variance, ops.square(mean)), size)),  # sum of squares
        ops.divide(_count(ops.equal(inside(stacked, 1.0), 0.0)), size),
        # padding is 0 in `values`, so it counts as finite
        ops.divide(ops.subtract(float(length), _count(ops.isfinite(values))), size),
    ]
    return ops.stack(columns, axis=1)


def _count(condition):
    return ops.sum(ops.cast(condition, "float32"), axis=1)


def _histograms(stacked, low, high, bins: int):
    """Per row, counts of its finite values in `bins` equal bins from its low to its high."""
    values = ops.where(ops.isfinite(stacked), stacked, -math.inf)  # below every edge
    fractions = ops.convert(np.arange(bins, dtype=np.float32) / bins)
    low, high = ops.expand_dims(low, 1), ops.expand_dims(high, 1)
    edges = ops.add(low, ops.multiply(ops.subtract(high, low), fractions))  # lower edges
    above = ops.greater_equal(ops.expand_dims(values, 2), ops.expand_dims(edges, 1))
    at_least = ops.sum(ops.cast(above, "float32"), axis=1)  # values >= each lower edge
    rows = ops.shape(stacked)[0]
    beyond = ops.concatenate(
        [ops.getitem(at_least, (slice(None), slice(1, None))), ops.zeros((rows, 1))], axis=1
    )
    return ops.subtract(at_least, beyond)


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
    x = ops.cast(x, "float32")
    rank = len(ops.shape(x))
    if rank <= 1:
        view = ops.reshape(x, (1, -1))
    elif rank == 2:
        view = x
    else:
        view = ops.getitem(x, 0)
        if rank > 3:
            view = ops.mean(view, axis=tuple(range(2, rank - 1)))
    rows, columns = ops.shape(view)
    return ops.getitem(
        view,
        (
            slice(None, None, max(math.ceil(rows / size), 1)),
            slice(None, None, max(math.ceil(columns / size), 1)),
        ),
    )


def dead_units(x):
    """For each unit (last axis), whether it output exactly 0 for every sample (bool)."""
    axes = tuple(range(len(ops.shape(x)) - 1))
    return ops.equal(ops.max(ops.abs(x), axis=axes), 0.0)


def saturated_fraction(x, activation: str):
    """The share of tanh or sigmoid outputs at their limits (see SATURATION_LEVEL)."""
    centred = ops.subtract(ops.multiply(x, 2.0), 1.0) if activation == "sigmoid" else x
    return ops.mean(ops.cast(ops.greater(ops.abs(centred), SATURATION_LEVEL), "float32"))
