"""Neural-network ops: normalize, multi_hot, psnr, and engine.activations' functions as
keras.ops has them."""

from __future__ import annotations

import math

from engine.composed_ops.arithmetic import log10, rsqrt
from engine.composed_ops.inputs import as_array, as_float, current
from engine.composed_ops.shapes import moveaxis
from engine.ops import graph_aware


@graph_aware
def normalize(x, axis=-1, order=2, epsilon=None):
    """x over its norm along `axis` (Keras's ops.normalize; L2 by default)."""
    b, x = current(), as_float(x)
    if order != 2:
        raise ValueError("normalize takes order=2 here.")
    squared = b.sum(b.square(x), axis=axis, keepdims=True)
    return b.multiply(x, rsqrt(b.maximum(squared, epsilon if epsilon is not None else 1e-24)))


@graph_aware
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """1 at every class an integer of the last axis names (Keras's multi_hot)."""
    b = current()
    num_classes = num_classes if num_classes is not None else kwargs.get("num_tokens")
    hot = b.one_hot(as_array(inputs), num_classes, axis=-1, dtype="float32")
    reduced = b.max(hot, axis=-2 if len(b.shape(hot)) > 1 else None)
    result = b.cast(reduced, dtype or "float32")
    return result if axis == -1 else moveaxis(result, -1, axis)


@graph_aware
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio of two images, in dB."""
    b = current()
    mse = b.mean(b.square(b.subtract(as_float(x1), as_float(x2))))
    return b.subtract(20.0 * math.log10(max_val), b.multiply(10.0, log10(mse)))


# keras.ops has these activations of engine.activations as ops too.
ACTIVATION_OPS = (
    "celu", "elu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "log_sigmoid", "relu6", "selu", "soft_shrink", "softsign", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh_shrink", "threshold",
)


def _activation_op(name):
    def op(x, *args, **kwargs):
        from engine import activations

        return getattr(activations, name)(as_array(x), *args, **kwargs)

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = f"engine.activations.{name}, as keras.ops has it."
    return graph_aware(op)


for _name in ACTIVATION_OPS:
    globals()[_name] = _activation_op(_name)
