"""summary_statistics under XLA: one pass over each tensor, in one variadic reduce.

TensorFlow's XLA turns each reduction of a large tensor into a slow tree of windows, and
computes the tensor a reduction reads (x - mean, |x|) into memory first: summaries of a CNN's
activations and gradients took 21 ms jit'd this way on a 2-core EPYC against 8 ms for one
variadic reduce (XLA's Reduce of several arrays at once) that sums x - pivot, its square and
|x| and takes min and max as it goes. Each array is reduced in its own shape, over its
trailing axes, then over those parts: float32 sums as exact as a tree's, and XLA reads a fused
producer without reindexing it (flattened, the gradient of a max pool took 15 ms to summarise
inside the CNN's capture step; in its own shape, 9). The pivot is the mean of a few evenly
spaced values: close enough to the mean that Σ(x - mean)² from these sums loses nothing to
cancellation.

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

# An array is summed in parts, over its trailing axes for at least PARTS indices of its leading
# ones (a vector in rows of ROW values), then the parts.
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
    shifted_sum, shifted_squares, magnitudes, low, high = _partials(x, flat, pivot)
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


def _partials(x, flat, pivot):
    """The five sums of `x` over its trailing axes, one per index of the leading ones (at least
    PARTS of them where it has them), from one variadic reduce; a vector (`flat`) in rows of
    ROW values. Reducing an array in its own shape lets XLA read a fused producer (a max pool's
    gradient, say) without reindexing it."""
    shape = x.shape.as_list()
    if len(shape) >= 2:
        kept = 1
        while kept < len(shape) - 1 and math.prod(shape[:kept]) < PARTS:
            kept += 1
        return _reduce(x, pivot, list(range(kept, len(shape))))
    size = flat.shape[0]
    whole = size - size % ROW
    pieces = [tf.reshape(flat[:whole], (-1, ROW))] if whole else []
    if whole < size:
        pieces.append(tf.reshape(flat[whole:], (1, -1)))
    partials = [_reduce(piece, pivot, [1]) for piece in pieces]
    return [tf.concat(column, axis=0) for column in zip(*partials)]


def _reduce(x, pivot, axes):
    """Σ(x - pivot), Σ(x - pivot)², Σ|x|, min and max over `axes`, in one pass."""
    zero = tf.zeros((), x.dtype)
    infinity = tf.constant(np.inf, x.dtype)
    shifted = x - pivot
    return variadic_reduce(
        [shifted, shifted * shifted, tf.abs(x), x, x],
        [zero, zero, zero, infinity, -infinity],
        axes,
        _combine(x.dtype),
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
