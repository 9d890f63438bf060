"""Reshaping, reordering, splitting and joining arrays."""

from __future__ import annotations

import numpy as np

from engine.composed_ops.inputs import as_array, current
from engine.ops import graph_aware


def ndim(x):
    return len(current().shape(as_array(x)))


def size(x):
    return int(np.prod(current().shape(as_array(x)), dtype=np.int64))


@graph_aware
def ravel(x):
    return current().reshape(as_array(x), (-1,))


@graph_aware
def moveaxis(x, source, destination):
    b, x = current(), as_array(x)
    rank = len(b.shape(x))
    sources = [s % rank for s in np.atleast_1d(source)]
    destinations = [d % rank for d in np.atleast_1d(destination)]
    order = [a for a in range(rank) if a not in sources]
    for destination_axis, source_axis in sorted(zip(destinations, sources)):
        order.insert(destination_axis, source_axis)
    return b.transpose(x, tuple(order))


@graph_aware
def swapaxes(x, axis1, axis2):
    b, x = current(), as_array(x)
    order = list(range(len(b.shape(x))))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return b.transpose(x, tuple(order))


@graph_aware
def flip(x, axis=None):
    b, x = current(), as_array(x)
    rank = len(b.shape(x))
    axes = range(rank) if axis is None else [a % rank for a in np.atleast_1d(axis)]
    key = tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(rank))
    return b.getitem(x, key)


@graph_aware
def fliplr(x):
    return flip(x, 1)


@graph_aware
def flipud(x):
    return flip(x, 0)


@graph_aware
def rot90(array, k=1, axes=(0, 1)):
    """Rotated by 90 degrees k times in the plane of `axes`, as NumPy's."""
    x = as_array(array)
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, axes[0]), axes[1])
    if k == 1:
        return swapaxes(flip(x, axes[1]), axes[0], axes[1])
    return flip(swapaxes(x, axes[0], axes[1]), axes[1])


@graph_aware
def roll(x, shift, axis=None):
    """Elements shifted along `axis` (the flattened array without one), wrapping around."""
    b, x = current(), as_array(x)
    if axis is None:
        return b.reshape(roll(b.reshape(x, (-1,)), shift, 0), b.shape(x))
    rank = len(b.shape(x))
    axis = axis % rank
    length = b.shape(x)[axis]
    shift %= length
    if shift == 0:
        return x
    head = tuple(slice(length - shift, None) if a == axis else slice(None) for a in range(rank))
    tail = tuple(slice(None, length - shift) if a == axis else slice(None) for a in range(rank))
    return b.concatenate([b.getitem(x, head), b.getitem(x, tail)], axis=axis)


@graph_aware
def tile(x, repeats):
    """x repeated `repeats` times along each axis (NumPy's tile)."""
    b, x = current(), as_array(x)
    repeats = list(np.atleast_1d(repeats))
    shape = list(b.shape(x))
    rank = max(len(shape), len(repeats))
    shape = [1] * (rank - len(shape)) + shape
    repeats = [1] * (rank - len(repeats)) + repeats
    x = b.reshape(x, tuple(v for s in shape for v in (1, s)))
    x = b.broadcast_to(x, tuple(v for r, s in zip(repeats, shape) for v in (int(r), s)))
    return b.reshape(x, tuple(int(r) * s for r, s in zip(repeats, shape)))


@graph_aware
def repeat(x, repeats, axis=None):
    """Each element repeated `repeats` (an int) times along `axis` (flattened without one)."""
    b, x = current(), as_array(x)
    if not isinstance(repeats, (int, np.integer)):
        raise ValueError("repeat takes an int `repeats` here; repeat per element with "
                         "concatenate of tiles.")
    if axis is None:
        x, axis = b.reshape(x, (-1,)), 0
    shape = list(b.shape(x))
    axis %= len(shape)
    x = b.expand_dims(x, axis + 1)
    x = b.broadcast_to(x, tuple(shape[:axis + 1] + [int(repeats)] + shape[axis + 1:]))
    return b.reshape(x, tuple(shape[:axis] + [shape[axis] * int(repeats)] + shape[axis + 1:]))


def _split_points(length, indices_or_sections, even):
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if even and length % sections:
            raise ValueError(f"split cannot cut an axis of size {length} into {sections} equal "
                             "sections; use array_split for unequal ones.")
        quotient, remainder = divmod(length, sections)
        sizes = [quotient + 1] * remainder + [quotient] * (sections - remainder)
        return list(np.cumsum(sizes)[:-1])
    return [int(i) for i in indices_or_sections]


def _pieces(x, points, axis):
    b = current()
    rank = len(b.shape(x))
    axis %= rank
    edges = [0, *points, b.shape(x)[axis]]
    return [b.getitem(x, tuple(slice(start, stop) if a == axis else slice(None)
                               for a in range(rank))) for start, stop in zip(edges, edges[1:])]


@graph_aware
def split(x, indices_or_sections, axis=0):
    x = as_array(x)
    return _pieces(x, _split_points(current().shape(x)[axis], indices_or_sections, True), axis)


@graph_aware
def array_split(x, indices_or_sections, axis=0):
    x = as_array(x)
    return _pieces(x, _split_points(current().shape(x)[axis], indices_or_sections, False), axis)


@graph_aware
def hsplit(x, indices_or_sections):
    x = as_array(x)
    return split(x, indices_or_sections, 1 if len(current().shape(x)) > 1 else 0)


@graph_aware
def vsplit(x, indices_or_sections):
    return split(x, indices_or_sections, 0)


@graph_aware
def dsplit(x, indices_or_sections):
    return split(x, indices_or_sections, 2)


@graph_aware
def unstack(x, num=None, axis=0):
    b, x = current(), as_array(x)
    rank = len(b.shape(x))
    axis %= rank
    return [b.getitem(x, tuple(i if a == axis else slice(None) for a in range(rank)))
            for i in range(b.shape(x)[axis])]


@graph_aware
def hstack(xs):
    b = current()
    xs = [as_array(x) for x in xs]
    return b.concatenate(xs, axis=1 if len(b.shape(xs[0])) > 1 else 0)


@graph_aware
def vstack(xs):
    b = current()
    xs = [as_array(x) for x in xs]
    xs = [b.reshape(x, (1, -1)) if len(b.shape(x)) == 1 else x for x in xs]
    return b.concatenate(xs, axis=0)


@graph_aware
def dstack(xs):
    b = current()
    xs = [as_array(x) for x in xs]
    shaped = []
    for x in xs:
        shape = b.shape(x)
        if len(shape) == 1:
            x = b.reshape(x, (1, shape[0], 1))
        elif len(shape) == 2:
            x = b.expand_dims(x, 2)
        shaped.append(x)
    return b.concatenate(shaped, axis=2)


@graph_aware
def append(x1, x2, axis=None):
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    if axis is None:
        return b.concatenate([b.reshape(x1, (-1,)), b.reshape(x2, (-1,))], axis=0)
    return b.concatenate([x1, x2], axis=axis)
