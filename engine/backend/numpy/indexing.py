"""Reading parts of arrays; gradients are scatter-adds back into zeros of the input's shape."""

from __future__ import annotations

import numpy as np

from engine.backend.numpy.arrays import numpy_dtype
from engine.backend.numpy.traced import primitive, unwrap


def _scatter_add(shape, index, g):
    """Zeros of `shape` with `g` added at `index` (repeated positions accumulate)."""
    grad = np.zeros(shape, dtype=np.result_type(g))
    np.add.at(grad, index, g)
    return grad


@primitive(lambda g, out, x, key: _scatter_add(np.shape(x), key, g))
def _getitem(x, key):
    return x[key]


def getitem(x, key):
    key = tuple(unwrap(k) for k in key) if isinstance(key, tuple) else unwrap(key)
    return _getitem(x, key=key)


def _take_gradient(g, out, x, indices, axis):
    """Move the gathered axis first, so that add.at scatters rows of the input."""
    index_axes = tuple(range(axis, axis + np.ndim(indices)))
    g_rows_first = np.moveaxis(g, index_axes, tuple(range(np.ndim(indices))))
    grad = np.zeros(np.shape(x), dtype=np.result_type(g))
    np.add.at(np.moveaxis(grad, axis, 0), indices, g_rows_first)
    return grad


@primitive(_take_gradient, None)
def _take(x, indices, axis):
    return np.take(x, indices, axis=axis)


def take(x, indices, axis=0):
    axis = axis % np.ndim(unwrap(x))
    return _take(x, np.asarray(unwrap(indices)), axis=axis)


def _take_along_axis_gradient(g, out, x, indices, axis):
    grid = list(np.ix_(*(np.arange(n) for n in np.shape(g))))
    grid[axis] = indices
    return _scatter_add(np.shape(x), tuple(grid), g)


@primitive(_take_along_axis_gradient, None)
def _take_along_axis(x, indices, axis):
    return np.take_along_axis(x, indices, axis=axis)


def take_along_axis(x, indices, axis):
    return _take_along_axis(x, np.asarray(unwrap(indices)), axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    """Zeros with a one at each index along `axis`; indices outside [0, num_classes) give all
    zeros."""
    hot = np.asarray(unwrap(x))[..., None] == np.arange(num_classes)
    return np.moveaxis(hot, -1, axis).astype(numpy_dtype(dtype or "float32"))
