"""Window geometry every backend's convolution and pooling share (no framework imports).

Inputs are channels-last: (batch, *spatial, channels) with one, two or three spatial axes.
"same" padding follows TensorFlow's rule, which puts the odd cell after.
"""

from __future__ import annotations

import math


def spatial_rank(x_shape: tuple, op: str) -> int:
    """1 for (batch, width, channels) inputs, 2 for (batch, height, width, channels), 3 for
    (batch, depth, height, width, channels)."""
    if len(x_shape) not in (3, 4, 5):
        raise ValueError(
            f"{op} takes (batch, width, channels), (batch, height, width, channels) or "
            f"(batch, depth, height, width, channels) inputs, got shape {tuple(x_shape)}."
        )
    return len(x_shape) - 2


def spatial_tuple(value, rank: int, name: str) -> tuple:
    """An int or one int per spatial axis, as a tuple of `rank` positive ints."""
    values = (value,) * rank if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != rank or min(values) < 1:
        raise ValueError(f"{name} must be a positive int or {rank} positive ints, got {value!r}.")
    return values


def check_padding(padding) -> str:
    """ "valid" or "same" (any case), lower-cased; anything else is refused."""
    lowered = padding.lower() if isinstance(padding, str) else padding
    if lowered not in ("valid", "same"):
        raise ValueError(f'padding must be "valid" or "same", got {padding!r}.')
    return lowered


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple:
    """TensorFlow's "same" padding of one axis as (before, after): the extra cell goes after."""
    total = max((math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def tiling(sizes: tuple, pool: tuple, padding: str) -> tuple[tuple, tuple]:
    """How windows that tile an input (strides equal to the pool size) cover its spatial
    axes of `sizes`: per axis, the cells kept from the start ("valid" drops those after the
    last whole window) and the (before, after) cells of padding ("same")."""
    if padding == "valid":
        return tuple(n // k * k for n, k in zip(sizes, pool)), tuple((0, 0) for _ in sizes)
    return tuple(sizes), tuple(same_padding(n, k, k) for n, k in zip(sizes, pool))


def tiled_shape(shape: tuple, pool: tuple) -> tuple:
    """The shape that splits each spatial axis of a tiled input of `shape` into (windows,
    cells): (batch, n1 / k1, k1, [n2 / k2, k2,] channels)."""
    split = [shape[0]]
    for n, k in zip(shape[1:-1], pool):
        split += [n // k, k]
    return (*split, shape[-1])


def window_axes(rank: int) -> tuple:
    """The cell axes of a `tiled_shape` array of `rank` axes: 2 and, in 2-D, 4."""
    return tuple(range(2, rank - 1, 2))
