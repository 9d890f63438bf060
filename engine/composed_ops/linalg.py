"""Products and diagonals: outer, inner, tensordot, dot, kron, cross, diag, trace, diff."""

from __future__ import annotations

import numpy as np

from engine.composed_ops.inputs import as_array, current, moved_last
from engine.composed_ops.shapes import moveaxis
from engine.ops import graph_aware


@graph_aware
def outer(x1, x2):
    b = current()
    return b.multiply(b.reshape(as_array(x1), (-1, 1)), b.reshape(as_array(x2), (1, -1)))


@graph_aware
def inner(x1, x2):
    """The sum product over the last axes (a scalar times an array where one is 0-d)."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    if not b.shape(x1) or not b.shape(x2):
        return b.multiply(x1, x2)
    return tensordot(x1, x2, axes=([len(b.shape(x1)) - 1], [len(b.shape(x2)) - 1]))


@graph_aware
def tensordot(x1, x2, axes=2):
    """The sum product over `axes` (an int: the last of x1 with the first of x2)."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    shape1, shape2 = b.shape(x1), b.shape(x2)
    if isinstance(axes, (int, np.integer)):
        axes = (list(range(len(shape1) - axes, len(shape1))), list(range(axes)))
    first = [a % len(shape1) for a in np.atleast_1d(axes[0])]
    second = [a % len(shape2) for a in np.atleast_1d(axes[1])]
    free1 = [a for a in range(len(shape1)) if a not in first]
    free2 = [a for a in range(len(shape2)) if a not in second]
    summed = int(np.prod([shape1[a] for a in first], dtype=np.int64))
    left = b.reshape(b.transpose(x1, tuple(free1 + first)), (-1, summed))
    right = b.reshape(b.transpose(x2, tuple(second + free2)), (summed, -1))
    return b.reshape(b.matmul(left, right),
                     tuple(shape1[a] for a in free1) + tuple(shape2[a] for a in free2))


@graph_aware
def dot(x1, x2):
    """NumPy's dot: products for scalars, matmul up to 2-D, the last axis of x1 with the
    second-to-last of x2 beyond."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    rank1, rank2 = len(b.shape(x1)), len(b.shape(x2))
    if rank1 == 0 or rank2 == 0:
        return b.multiply(x1, x2)
    if rank2 == 1:
        return tensordot(x1, x2, axes=([rank1 - 1], [0]))
    return tensordot(x1, x2, axes=([rank1 - 1], [rank2 - 2]))


@graph_aware
def kron(x1, x2):
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    shape1, shape2 = b.shape(x1), b.shape(x2)
    rank = max(len(shape1), len(shape2))
    shape1 = (1,) * (rank - len(shape1)) + tuple(shape1)
    shape2 = (1,) * (rank - len(shape2)) + tuple(shape2)
    a = b.reshape(x1, tuple(v for s in shape1 for v in (s, 1)))
    c = b.reshape(x2, tuple(v for s in shape2 for v in (1, s)))
    return b.reshape(b.multiply(a, c), tuple(s1 * s2 for s1, s2 in zip(shape1, shape2)))


@graph_aware
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors along the last axis."""
    b = current()
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moved_last(as_array(x1), axisa)
    c = moved_last(as_array(x2), axisb)
    if b.shape(a)[-1] != 3 or b.shape(c)[-1] != 3:
        raise ValueError("cross takes 3-vectors along the chosen axis.")
    a0, a1, a2 = (b.getitem(a, (Ellipsis, i)) for i in range(3))
    c0, c1, c2 = (b.getitem(c, (Ellipsis, i)) for i in range(3))
    result = b.stack([b.subtract(b.multiply(a1, c2), b.multiply(a2, c1)),
                      b.subtract(b.multiply(a2, c0), b.multiply(a0, c2)),
                      b.subtract(b.multiply(a0, c1), b.multiply(a1, c0))], axis=-1)
    rank = len(b.shape(result))
    return moveaxis(result, rank - 1, axisc % rank)


@graph_aware
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of the axis1-axis2 plane, as the last axis."""
    b, x = current(), as_array(x)
    rank = len(b.shape(x))
    axis1, axis2 = axis1 % rank, axis2 % rank
    rest = [a for a in range(rank) if a not in (axis1, axis2)]
    x = b.transpose(x, tuple(rest + [axis1, axis2]))
    rows, columns = b.shape(x)[-2:]
    length = max(0, min(rows, columns - offset) if offset >= 0 else min(rows + offset, columns))
    start = offset if offset >= 0 else -offset * columns
    flat = b.reshape(x, tuple(b.shape(x)[:-2]) + (rows * columns,))
    indices = b.convert(np.arange(length, dtype="int32") * (columns + 1) + start)
    return b.take(flat, indices, axis=len(b.shape(flat)) - 1)


@graph_aware
def diag(x, k=0):
    """The k-th diagonal of a matrix, or the matrix with vector x on its k-th diagonal."""
    b, x = current(), as_array(x)
    if len(b.shape(x)) == 2:
        return diagonal(x, k)
    n = b.shape(x)[0] + abs(k)
    rows = b.reshape(b.arange(n, dtype="int32"), (n, 1))
    columns = b.reshape(b.arange(n, dtype="int32"), (1, n))
    on = b.equal(b.subtract(columns, rows), k)
    values = b.pad(x, ((0, abs(k)),)) if k else x
    # out[i, i + k] = x[i] above the diagonal (by row), out[j - k, j] = x[j] below (by column)
    spread = b.reshape(values, (n, 1) if k >= 0 else (1, n))
    return b.where(on, b.broadcast_to(spread, (n, n)), b.zeros((), b.dtype(x)))


@graph_aware
def trace(x, offset=0, axis1=0, axis2=1):
    return current().sum(diagonal(x, offset, axis1, axis2), axis=-1)


@graph_aware
def diff(a, n=1, axis=-1):
    """The n-th discrete difference along `axis`."""
    b, x = current(), as_array(a)
    rank = len(b.shape(x))
    axis %= rank
    for _ in range(n):
        upper = tuple(slice(1, None) if i == axis else slice(None) for i in range(rank))
        lower = tuple(slice(None, -1) if i == axis else slice(None) for i in range(rank))
        x = b.subtract(b.getitem(x, upper), b.getitem(x, lower))
    return x
