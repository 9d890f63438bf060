"""summary_statistics under XLA: one pass over each tensor, in a variadic reduce.

TensorFlow's XLA turns each reduction of a large tensor into a slow tree of windows, and
computes the tensor a reduction reads (x - mean, |x|) into memory first, so each tensor is
reduced by one variadic reduce (XLA's Reduce of several arrays at once) that sums x - pivot,
its square and |x| and takes min and max as it goes. On the CPU, XLA emits a reduce as one
loop per output value, each adding one value at a time to five running results: bound by
the latency of those additions (~1.3 ns a value on a 2-core EPYC; 3 when the values come from
a max pool's gradient, whose cells XLA reindexes in the loop). So the first pass reduces
groups of SPLIT values that lie far apart, (SPLIT, m, *trailing axes) over its first axis:
XLA unrolls those SPLIT additions and LLVM vectorizes the loop over the m x trailing outputs,
which keep the tensor's trailing axes, so a broadcast bias or a max pool's window is indexed
as cheaply as in the tensor's own loop (the summaries of a CNN's gradient of its first max
pool: 10 ms -> 1.4). The passes after it sum those outputs in their own shape, over trailing
axes, then over those parts: float32 sums as exact as a tree's. The pivot is the mean of a
few evenly spaced values: close enough to the mean that Σ(x - mean)² from these sums loses
nothing to cancellation.

The reduce exists only for XLA, so steps compiled without it, and eager calls, use the
contract's composed ops (autodiff.compiling_with_xla says which). Its gradient is the composed
ops' gradient.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from engine.backend.tensorflow.framework import tf

try:  # not a public module: without it every call takes the composed ops
    from tensorflow.compiler.tf2xla.python.xla import variadic_reduce
except ImportError:  # pragma: no cover - depends on the TensorFlow build
    variadic_reduce = None

# The first pass reduces groups of SPLIT values (where some leading axes hold a multiple of it).
SPLIT = 16
# Then arrays are summed in parts, over their trailing axes for at least PARTS indices of their
# leading ones (a vector in rows of ROW values), then the parts.
PARTS = 64
ROW = 4096
# How many evenly spaced values the pivot is the mean of.
PIVOT_SAMPLE = 64


def summary_statistics(tensors, composed):
    """Rows [mean, Σ(x - mean)², Σ|x|, min, max] of the float `tensors` (all of one dtype), as
    one array in their dtype, from one variadic reduce each; `composed(tensors)` is the
    contract's version, whose gradient this one has."""

    @tf.custom_gradient
    def reduced(*arrays):
        rows = tf.stack([_statistics(x) for x in arrays])

        def gradient(upstream):
            with tf.GradientTape() as tape:
                tape.watch(arrays)
                again = composed(list(arrays))
            return tape.gradient(again, arrays, output_gradients=upstream)

        return rows, gradient

    return reduced(*tensors)


def _statistics(x):
    """One tensor's row, computed in float32 (float64 stays float64)."""
    dtype = x.dtype
    if dtype not in (tf.float32, tf.float64):
        x = tf.cast(x, tf.float32)
    size = x.shape.num_elements()
    flat = tf.reshape(x, (-1,))
    pivot = tf.reduce_mean(flat[:: max(size // PIVOT_SAMPLE, 1)])
    pivot = tf.where(tf.math.is_finite(pivot), pivot, tf.zeros_like(pivot))
    shifted_sum, shifted_squares, magnitudes, low, high = _in_parts(_first_pass(x, pivot))
    shifted_sum = tf.reduce_sum(shifted_sum)
    row = tf.stack(
        [
            pivot + shifted_sum / size,
            tf.reduce_sum(shifted_squares) - shifted_sum * shifted_sum / size,
            tf.reduce_sum(magnitudes),
            tf.reduce_min(low),
            tf.reduce_max(high),
        ]
    )
    return tf.cast(row, dtype)


def _first_pass(x, pivot):
    """x - pivot, its square, |x|, x and x (to sum, sum, sum, take the min of and the max of):
    reduced over groups of SPLIT values where `x` splits so (see the module's docstring),
    else as they are, for `_in_parts` to reduce."""
    shifted = x - pivot
    columns = [shifted, shifted * shifted, tf.abs(x), x, x]
    split = split_shape(x.shape.as_list())
    if split is None:
        return columns
    return _reduce([tf.reshape(column, split) for column in columns], [0])


def split_shape(shape: list):
    """`shape` with its fewest leading axes that hold a multiple of SPLIT values regrouped as
    (SPLIT, the rest of them), followed by its other axes as they are; None where even all of
    them hold no multiple of SPLIT."""
    for count in range(1, len(shape) + 1):
        leading = math.prod(shape[:count])
        if leading % SPLIT == 0:
            return [SPLIT, leading // SPLIT, *shape[count:]]
    return None


def _in_parts(columns):
    """The five columns (of one shape) reduced over their trailing axes, one result per index
    of the leading ones (at least PARTS of them where they have them); vectors in rows of ROW
    values. Reducing in their own shape lets XLA read a fused producer without reindexing it."""
    shape = columns[0].shape.as_list()
    if len(shape) >= 2:
        kept = 1
        while kept < len(shape) - 1 and math.prod(shape[:kept]) < PARTS:
            kept += 1
        return _reduce(columns, list(range(kept, len(shape))))
    columns = [tf.reshape(column, (-1,)) for column in columns]
    size = math.prod(shape)
    whole = size - size % ROW
    pieces = [[tf.reshape(c[:whole], (-1, ROW)) for c in columns]] if whole else []
    if whole < size:
        pieces.append([tf.reshape(c[whole:], (1, -1)) for c in columns])
    partials = [_reduce(piece, [1]) for piece in pieces]
    return [tf.concat(column, axis=0) for column in zip(*partials)]


def _reduce(columns, axes):
    """Sums of the first three `columns`, min of the fourth and max of the fifth, over `axes`,
    in one pass."""
    dtype = columns[0].dtype
    zero = tf.zeros((), dtype)
    infinity = tf.constant(np.inf, dtype)
    return variadic_reduce(
        columns, [zero, zero, zero, infinity, -infinity], axes, _combine(dtype)
    )


@functools.cache
def _combine(dtype):
    """The variadic reduce's reducer: sums for the first three, min and max for the last two."""

    def combine(a_sum, a_squares, a_abs, a_low, a_high, b_sum, b_squares, b_abs, b_low, b_high):
        return (
            a_sum + b_sum,
            a_squares + b_squares,
            a_abs + b_abs,
            tf.minimum(a_low, b_low),
            tf.maximum(a_high, b_high),
        )

    scalar = tf.TensorSpec((), dtype)
    return tf.function(combine, autograph=False).get_concrete_function(*[scalar] * 10)
