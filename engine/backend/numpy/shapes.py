"""Shape ops: the same numbers rearranged, so each gradient rearranges them back."""

from __future__ import annotations

import numpy as np

from engine.backend.numpy.traced import primitive, unwrap, variadic_primitive


def _back_to_shape_of(g, out, x, **options):
    return np.reshape(g, np.shape(x))


@primitive(_back_to_shape_of)
def _reshape(x, shape):
    return np.reshape(x, shape)


@primitive(_back_to_shape_of)
def _expand_dims(x, axis):
    return np.expand_dims(x, axis)


@primitive(_back_to_shape_of)
def _squeeze(x, axis):
    return np.squeeze(x, axis)


def reshape(x, shape):
    return _reshape(x, shape=tuple(shape))


def expand_dims(x, axis):
    return _expand_dims(x, axis=axis)


def squeeze(x, axis):
    return _squeeze(x, axis=tuple(axis) if isinstance(axis, list) else axis)


@primitive(lambda g, out, x, axes: np.transpose(g, None if axes is None else np.argsort(axes)))
def _transpose(x, axes):
    return np.transpose(x, axes)


def transpose(x, axes=None):
    return _transpose(x, axes=None if axes is None else tuple(axes))


# The backward pass sums the gradient over the broadcast axes on its own.
_broadcast_to = primitive(lambda g, out, x, shape: g)(np.broadcast_to)


def broadcast_to(x, shape):
    return _broadcast_to(x, shape=tuple(shape))


def _concatenate_gradient(argnum, g, out, *xs, axis):
    sizes = [np.shape(x)[axis] for x in xs]
    start = sum(sizes[:argnum])
    return np.take(g, np.arange(start, start + sizes[argnum]), axis=axis)


@variadic_primitive(_concatenate_gradient)
def _concatenate(*xs, axis):
    return np.concatenate(xs, axis=axis)


def concatenate(xs, axis=0):
    return _concatenate(*xs, axis=axis)


@variadic_primitive(lambda argnum, g, out, *xs, axis: np.take(g, argnum, axis=axis))
def _stack(*xs, axis):
    return np.stack(xs, axis=axis)


def stack(xs, axis=0):
    return _stack(*xs, axis=axis)


def _pad_gradient(g, out, x, pad_width, value):
    return g[tuple(slice(before, before + n) for (before, _), n in zip(pad_width, np.shape(x)))]


@primitive(_pad_gradient)
def _pad(x, pad_width, value):
    # np.pad's general machinery costs tens of microseconds; a constant pad is a fill and a
    # copy into the middle.
    x = np.asarray(x)
    shape = tuple(before + n + after for (before, after), n in zip(pad_width, x.shape))
    padded = np.full(shape, value, dtype=x.dtype)
    padded[tuple(slice(before, before + n) for (before, _), n in zip(pad_width, x.shape))] = x
    return padded


def pad(x, pad_width, value=0):
    pad_width = tuple((int(before), int(after)) for before, after in pad_width)
    return _pad(x, pad_width=pad_width, value=unwrap(value))
