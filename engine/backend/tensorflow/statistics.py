"""summary_statistics under XLA: variadic reduces over groups of values (grouped_moments.py).

TensorFlow's XLA turns each reduction of a large tensor into a slow tree of windows, and
computes the tensor a reduction reads (x - mean, |x|) into memory first: summaries of a CNN's
activations and gradients took 21 ms this way against 8 ms for one variadic reduce per
tensor, and 4-5 ms with grouped first passes. The reduce exists only for XLA, so steps
compiled without it, and eager calls, use the contract's composed ops
(autodiff.compiling_with_xla says which). Its gradient is the composed ops' gradient.
"""

from __future__ import annotations

import functools

import numpy as np

from engine.backend.grouped_moments import moment_rows
from engine.backend.tensorflow.framework import tf

try:  # not a public module: without it every call takes the composed ops
    from tensorflow.compiler.tf2xla.python.xla import variadic_reduce
except ImportError:  # pragma: no cover - depends on the TensorFlow build
    variadic_reduce = None


def summary_statistics(backend, tensors, composed):
    """Rows [mean, Σ(x - mean)², Σ|x|, min, max] of the float `tensors` (all of one dtype), as
    one array in their dtype, from variadic reduces; `composed(tensors)` is the contract's
    version, whose gradient this one has."""

    @tf.custom_gradient
    def reduced(*arrays):
        rows = moment_rows(backend, arrays, _reduce)

        def gradient(upstream):
            with tf.GradientTape() as tape:
                tape.watch(arrays)
                again = composed(list(arrays))
            return tape.gradient(again, arrays, output_gradients=upstream)

        return rows, gradient

    return reduced(*tensors)


def _reduce(columns, axes):
    """Sums of the first three `columns`, min of the fourth and max of the fifth, over `axes`,
    in one pass."""
    dtype = columns[0].dtype
    zero = tf.zeros((), dtype)
    infinity = tf.constant(np.inf, dtype)
    return variadic_reduce(
        list(columns), [zero, zero, zero, infinity, -infinity], list(axes), _combine(dtype)
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
