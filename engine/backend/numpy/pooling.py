"""Max and average pooling, 1-D, 2-D and 3-D, channels-last (1-D runs as 2-D of height 1)."""

from __future__ import annotations

import numpy as np

from engine.backend.numpy.shapes import expand_dims, squeeze
from engine.backend.numpy.traced import primitive, unwrap
from engine.backend.numpy.windows import Windows
from engine.backend.windows import spatial_rank, spatial_tuple


def _max_pool_gradient(g, out, x, windows):
    """Each window's gradient goes to its first maximum, as XLA's and TF's pooling do."""
    padded = windows.pad(x, -np.inf)
    grad = windows.padded_zeros(x, np.result_type(g))
    routed = np.zeros(np.shape(out), dtype=bool)
    for _, reads in windows.taps():
        first_max = (padded[reads] == out) & ~routed
        grad[reads] += g * first_max
        routed |= first_max
    return windows.crop(grad)


@primitive(_max_pool_gradient)
def _max_pool_windows(x, windows):
    padded = windows.pad(x, -np.inf)
    return np.max([padded[reads] for _, reads in windows.taps()], axis=0)


def _window_counts(x, windows):
    """How many real (not padded) cells each window covers: the divisor of the mean."""
    ones = windows.pad(np.ones((1, *windows.spatial, 1), dtype=np.result_type(x)))
    return sum(ones[reads] for _, reads in windows.taps())


def _avg_pool_gradient(g, out, x, windows):
    share = g / _window_counts(x, windows)
    grad = windows.padded_zeros(x, np.result_type(g))
    for _, reads in windows.taps():
        grad[reads] += share
    return windows.crop(grad)


@primitive(_avg_pool_gradient)
def _avg_pool_windows(x, windows):
    padded = windows.pad(x)
    return sum(padded[reads] for _, reads in windows.taps()) / _window_counts(x, windows)


def _pool(op, name, x, pool_size, strides, padding):
    x_shape = np.shape(unwrap(x))
    rank = spatial_rank(x_shape, name)
    pool_size = spatial_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else spatial_tuple(strides, rank, "strides")
    if rank == 1:
        out = _pool(op, name, expand_dims(x, 1), (1, *pool_size), (1, *strides), padding)
        return squeeze(out, 1)
    windows = Windows.of(x_shape[1:-1], pool_size, strides, (1,) * rank, padding)
    return op(x, windows=windows)


def max_pool(x, pool_size, strides=None, padding="valid"):
    return _pool(_max_pool_windows, "max_pool", x, pool_size, strides, padding)


def avg_pool(x, pool_size, strides=None, padding="valid"):
    return _pool(_avg_pool_windows, "avg_pool", x, pool_size, strides, padding)
