"""summary_statistics as XLA computes it fast: variadic reduces over groups of values.

For JAX, and TensorFlow under XLA. Each tensor is reduced in one pass by a variadic reduce
(XLA's Reduce of several arrays at once) that sums x - pivot, its square and |x| and takes
min and max as it goes; reduced one by one, XLA computes each read (x - mean, |x|) afresh,
and TensorFlow's XLA writes them to memory first. But XLA's CPU code for a reduce is one loop
per output value that adds each value in turn to five running results, so it waits on every
addition (about 1.3 ns a value on a 2-core EPYC; 3 ns for a max pool's gradient, whose
windows it reindexes in the loop). So the first pass reduces groups of SPLIT values that lie
far apart: the tensor viewed as (SPLIT, m, *its trailing axes), over the first axis. XLA
unrolls those SPLIT additions and LLVM vectorizes the loop over the outputs, which keep the
tensor's trailing axes, so a broadcast bias or a pooling window is indexed as cheaply as in the
tensor's own loop (a CNN's gradient at its first max pool: 10 ms -> 1.4 ms to summarise, on
TensorFlow). Later passes reduce those outputs over their trailing axes, then the parts:
float32 sums as exact as a tree's. The pivot is the mean of a few evenly spaced values: close
enough to the mean that Σ(x - mean)² from these sums loses nothing to cancellation.

`moment_rows(backend, tensors, reduce)` is written in the contract's ops; each backend gives
its variadic reduce and the gradient (its composed ops').
"""

from __future__ import annotations

import math

# The first pass reduces groups of SPLIT values (where some leading axes hold a multiple of it).
SPLIT = 16
# Then arrays are summed in parts, over their trailing axes for at least PARTS indices of their
# leading ones (a vector in rows of ROW values), then the parts.
PARTS = 64
ROW = 1024
# How many evenly spaced values the pivot is the mean of.
PIVOT_SAMPLE = 64


def moment_rows(ops, tensors, reduce):
    """Rows [mean, Σ(x - mean)², Σ|x|, min, max] of the float `tensors` (all of one dtype) as
    one array in their dtype, computed in float32 (float64 stays float64). `ops` is the
    backend; `reduce(columns, axes)` its variadic reduce: sums of the first three of five
    same-shaped columns, the min of the fourth and the max of the fifth, over `axes`."""
    return ops.stack([_row(ops, x, reduce) for x in tensors])


def _row(ops, x, reduce):
    dtype = ops.dtype(x)
    if dtype not in ("float32", "float64"):
        x = ops.cast(x, "float32")
    shape = ops.shape(x)
    size = math.prod(shape)
    flat = ops.reshape(x, (-1,))
    pivot = ops.mean(ops.getitem(flat, slice(None, None, max(size // PIVOT_SAMPLE, 1))))
    pivot = ops.where(ops.isfinite(pivot), pivot, 0.0)
    shifted = ops.subtract(x, pivot)
    columns = [shifted, ops.square(shifted), ops.abs(x), x, x]
    split = split_shape(shape)
    if split is not None:
        columns = reduce([ops.reshape(column, split) for column in columns], (0,))
    shifted_sum, shifted_squares, magnitudes, low, high = _in_parts(ops, columns, reduce)
    shifted_sum = ops.sum(shifted_sum)
    row = ops.stack(
        [
            ops.add(pivot, ops.divide(shifted_sum, size)),
            ops.subtract(
                ops.sum(shifted_squares), ops.divide(ops.square(shifted_sum), size)
            ),
            ops.sum(magnitudes),
            ops.min(low),
            ops.max(high),
        ]
    )
    return ops.cast(row, dtype)


def split_shape(shape) -> tuple | None:
    """`shape` with its fewest leading axes that hold a multiple of SPLIT values regrouped as
    (SPLIT, the rest of them), followed by its other axes as they are; None where even all of
    them hold no multiple of SPLIT."""
    for count in range(1, len(shape) + 1):
        leading = math.prod(shape[:count])
        if leading % SPLIT == 0:
            return (SPLIT, leading // SPLIT, *shape[count:])
    return None


def _in_parts(ops, columns, reduce):
    """The five columns (of one shape) reduced over their trailing axes, one result per index
    of the leading ones (at least PARTS of them where they have them); vectors in rows of ROW
    values. Reducing in their own shape lets XLA read a fused producer without reindexing it."""
    shape = ops.shape(columns[0])
    if len(shape) >= 2:
        kept = 1
        while kept < len(shape) - 1 and math.prod(shape[:kept]) < PARTS:
            kept += 1
        return reduce(columns, tuple(range(kept, len(shape))))
    columns = [ops.reshape(column, (-1,)) for column in columns]
    size = math.prod(shape)
    whole = size - size % ROW
    pieces = []
    if whole:
        pieces.append([ops.reshape(ops.getitem(c, slice(0, whole)), (-1, ROW)) for c in columns])
    if whole < size:
        pieces.append([ops.reshape(ops.getitem(c, slice(whole, None)), (1, -1)) for c in columns])
    partials = [reduce(piece, (1,)) for piece in pieces]
    return [ops.concatenate(list(column), axis=0) for column in zip(*partials)]
