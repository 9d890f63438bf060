"""The matmul of a dense layer on TensorFlow, with a narrow kernel's gradient computed the way
round XLA's CPU backend runs fastest (engine/backend/weight_gradient.py), in steps that XLA
compiles on the CPU."""

from __future__ import annotations

from engine.backend.tensorflow.autodiff import compiling_with_xla
from engine.backend.tensorflow.framework import DEVICE, tf
from engine.backend.weight_gradient import transposed_is_faster

try:  # not a public module: without it every product takes TensorFlow's own gradient
    from tensorflow.compiler.tf2xla.python.xla import optimization_barrier
except ImportError:  # pragma: no cover - depends on the TensorFlow build
    optimization_barrier = None


def dense_matmul(x, kernel):
    """x @ kernel over the last axis of `x` (any rank >= 2), kernel (in, out): compiled by
    XLA on the CPU, a narrow kernel's gradient comes from an (out, in) product."""
    if (
        optimization_barrier is not None
        and DEVICE == "/CPU:0"
        and compiling_with_xla()
        and kernel.shape.rank == 2
        and x.shape.rank is not None
        and x.shape.rank >= 2
        and x.shape[-1] is not None
        and x.dtype.is_floating
        and transposed_is_faster(*kernel.shape)
    ):
        return _narrow_matmul(x, kernel)
    return tf.linalg.matmul(x, kernel)


@tf.custom_gradient
def _narrow_matmul(x, kernel):
    def gradient(upstream):
        rows = tf.reshape(x, (-1, x.shape[-1]))
        upstream_rows = tf.reshape(upstream, (-1, upstream.shape[-1]))
        # (out, in), kept from XLA's simplifier, which would fold the transpose into the dot
        transposed = _barrier(tf.linalg.matmul(upstream_rows, rows, transpose_a=True))
        return tf.linalg.matmul(upstream, kernel, transpose_b=True), tf.transpose(transposed)

    return tf.linalg.matmul(x, kernel), gradient


@tf.custom_gradient
def _barrier(x):
    """x, which XLA's simplifier leaves as it is; differentiable (TensorFlow has no gradient
    for the barrier), so a gradient of this gradient can be taken."""
    (kept,) = optimization_barrier(x)
    return kept, tf.identity
