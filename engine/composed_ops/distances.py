"""keras.ops.cdist: the Euclidean distance between every pair of two sets of vectors."""

from __future__ import annotations

from engine.composed_ops.inputs import as_array, current
from engine.ops import graph_aware


@graph_aware
def cdist(x, y):
    """The distances between the rows of x (..., m, d) and of y (..., n, d): (..., m, n),
    batch axes broadcast; float32 for integers."""
    b, x, y = current(), as_array(x), as_array(y)
    if len(b.shape(x)) < 2 or len(b.shape(y)) < 2:
        raise ValueError(f"cdist: x and y must have rank >= 2 (..., vectors, size); got shapes "
                         f"{b.shape(x)} and {b.shape(y)}.")
    if b.shape(x)[-1] != b.shape(y)[-1]:
        raise ValueError(f"cdist: x's and y's vectors must have one size (last axis); got "
                         f"shapes {b.shape(x)} and {b.shape(y)}.")
    x, y = _common_float(x, y)
    difference = b.subtract(b.expand_dims(x, -2), b.expand_dims(y, -3))
    return b.sqrt(b.sum(b.square(difference), axis=-1))


def _common_float(x, y):
    """x and y in the float dtype Keras promotes them to: the wider of their floats (float32
    for float16 with bfloat16, or for integers alone)."""
    b = current()
    floats = {b.dtype(v) for v in (x, y) if b.dtype(v).startswith(("float", "bfloat"))}
    if not floats or floats == {"float16", "bfloat16"}:
        dtype = "float32"
    else:
        dtype = max(floats, key=lambda d: int(d.removeprefix("b").removeprefix("float")))
    return b.cast(x, dtype), b.cast(y, dtype)
