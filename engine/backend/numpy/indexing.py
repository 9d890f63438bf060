"""Reading parts of arrays; gradients are scatter-adds back into zeros of the input's shape."""

from __future__ import annotations

import numpy as np

from engine.backend.checks import block_shape, scatter_reduction, segment_count
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


# --------------------------------------------- scattering, blocks and segments (keras.ops)
def _positions(indices):
    """An (..., k) index array as the tuple of k index arrays NumPy indexes with."""
    indices = np.asarray(unwrap(indices))
    return tuple(np.moveaxis(indices, -1, 0))


@primitive(None, lambda g, out, key, values, shape: g[key])
def _scatter(key, values, shape):
    out = np.zeros(shape, np.result_type(values))
    np.add.at(out, key, values)
    return out


def scatter(indices, values, shape):
    return _scatter(_positions(indices), values, shape=tuple(shape))


def _without(g, key):
    """g with zeros where `key` points: what was written over gets no gradient."""
    g = np.array(g)
    g[key] = 0
    return g


@primitive(
    lambda g, out, inputs, updates, key, add: g if add else _without(g, key),
    lambda g, out, inputs, updates, key, add: g[key],
)
def _scatter_update(inputs, updates, key, add):
    out = np.array(inputs)
    if add:
        np.add.at(out, key, updates)
    else:
        out[key] = updates
    return out


def scatter_update(inputs, indices, updates, reduction=None):
    add = scatter_reduction(reduction) == "add"
    return _scatter_update(inputs, updates, key=_positions(indices), add=add)


def _block(shape, start_indices, sizes) -> tuple:
    """The slices of the block of `sizes` at `start_indices`, each start moved in to fit."""
    starts = np.asarray(unwrap(start_indices)).reshape(-1)
    fitted = [int(min(max(s, 0), n - size)) for s, n, size in zip(starts, shape, sizes)]
    return tuple(slice(s, s + size) for s, size in zip(fitted, sizes))


def slice_block(inputs, start_indices, shape):
    """keras.ops.slice (named so as not to hide Python's slice here)."""
    return getitem(inputs, _block(np.shape(unwrap(inputs)), start_indices, block_shape(shape)))


def slice_update(inputs, start_indices, updates):
    key = _block(np.shape(unwrap(inputs)), start_indices, np.shape(unwrap(updates)))
    return _scatter_update(inputs, updates, key=key, add=False)


@primitive(lambda g, out, data, segment_ids, num_segments: g[segment_ids], None)
def _segment_sum(data, segment_ids, num_segments):
    out = np.zeros((num_segments, *np.shape(data)[1:]), np.result_type(data))
    np.add.at(out, segment_ids, data)
    return out


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    count = segment_count("segment_sum", num_segments)
    return _segment_sum(data, np.asarray(unwrap(segment_ids)), num_segments=count)


def _segment_max_gradient(g, out, data, segment_ids, num_segments):
    """g to each value equal to its segment's maximum, split evenly among ties."""
    ties = data == out[segment_ids]
    counts = np.zeros(np.shape(out))
    np.add.at(counts, segment_ids, ties)
    return ties * g[segment_ids] / np.maximum(counts[segment_ids], 1)


@primitive(_segment_max_gradient, None)
def _segment_max(data, segment_ids, num_segments):
    dtype = np.result_type(data)
    lowest = -np.inf if dtype.kind == "f" else np.iinfo(dtype).min
    out = np.full((num_segments, *np.shape(data)[1:]), lowest, dtype)
    np.maximum.at(out, segment_ids, data)
    return out


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    count = segment_count("segment_max", num_segments)
    return _segment_max(data, np.asarray(unwrap(segment_ids)), num_segments=count)
