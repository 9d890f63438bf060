"""Reductions over axes (sum, mean, max, min, logsumexp), the summaries inspection takes
(summary statistics, squared norms, histograms) and argmax/argmin."""

from __future__ import annotations

import functools

import numpy as np

from engine.backend import moments
from engine.backend.numpy.traced import no_gradient, primitive, variadic_primitive


def axis_argument(axis):
    """An axis as NumPy reductions take it: an int, a tuple of ints or None."""
    return tuple(axis) if isinstance(axis, list) else axis


def _with_reduced_axes(g, x, axis, keepdims):
    """A reduction's output (or its gradient) with the reduced axes back, as size 1."""
    if keepdims:
        return g
    return np.expand_dims(g, tuple(range(np.ndim(x))) if axis is None else axis)


def _spread(g, x, axis, keepdims):
    """The output gradient copied to every input position it was reduced from."""
    return np.broadcast_to(_with_reduced_axes(g, x, axis, keepdims), np.shape(x))


def _mean_gradient(g, out, x, axis, keepdims):
    return _spread(g, x, axis, keepdims) / (np.size(x) // max(np.size(out), 1))


def _extremum_gradient(g, out, x, axis, keepdims):
    """The gradient goes to every position holding the extremum, split evenly among ties."""
    ties = x == _with_reduced_axes(out, x, axis, keepdims)
    share = _with_reduced_axes(g, x, axis, keepdims) / np.sum(ties, axis=axis, keepdims=True)
    return share * ties


def _logsumexp_gradient(g, out, x, axis, keepdims):
    return _with_reduced_axes(g, x, axis, keepdims) * np.exp(
        x - _with_reduced_axes(out, x, axis, keepdims)
    )


def _logsumexp(x, axis, keepdims):
    """log(sum(exp(x))) computed around the maximum so that exp never overflows."""
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def _reduction(forward, rule):
    """The contract's reduction op, fn(x, axis=None, keepdims=False), from NumPy's."""
    op = primitive(rule)(forward)

    @functools.wraps(forward)
    def reduce(x, axis=None, keepdims=False):
        return op(x, axis=axis_argument(axis), keepdims=keepdims)

    return reduce


reduce_sum = _reduction(np.sum, lambda g, out, x, axis, keepdims: _spread(g, x, axis, keepdims))
reduce_mean = _reduction(np.mean, _mean_gradient)
reduce_max = _reduction(np.max, _extremum_gradient)
reduce_min = _reduction(np.min, _extremum_gradient)
logsumexp = _reduction(_logsumexp, _logsumexp_gradient)


# _fast_total's column count: rows of SUM_BLOCK float32 stay in the L1 cache as they are added.
SUM_BLOCK = 4096


def _summary_statistics_gradient(argnum, g, out, *arrays):
    x = arrays[argnum]
    g, out = g[argnum], out[argnum]
    grad = g[0] / np.size(x) + g[1] * 2.0 * (x - out[0]) + g[2] * np.sign(x)
    for column in (3, 4):  # min and max, split evenly among ties as the reductions do
        ties = x == out[column]
        grad = grad + ties * (g[column] / np.sum(ties))
    return grad


@variadic_primitive(_summary_statistics_gradient)
def _summary_statistics(*arrays):
    flats = [np.ravel(x) for x in arrays]
    return moments.summary_rows(flats, _fast_total, _extremes)


def summary_statistics(tensors):
    """One primitive over every array: engine/backend/moments.py's loop, each sum a pass that
    only reads (one more that writes, centring x, only when its mean is far from 0 against
    its spread)."""
    return _summary_statistics(*tensors)


def _fast_total(flat) -> float:
    """The sum of a long flat array, about twice as fast as np.sum and as accurate: first the
    columns of a (rows, SUM_BLOCK) view, each an ordinary running sum of a few values, then
    np.sum of those column sums and of what is left over."""
    whole = flat.size - flat.size % SUM_BLOCK
    if not whole:
        return float(np.sum(flat))
    return float(np.sum(flat[:whole].reshape(-1, SUM_BLOCK).sum(axis=0)) + np.sum(flat[whole:]))


def _extremes(flat) -> tuple:
    return float(np.min(flat)), float(np.max(flat))


def _squared_norms_gradient(argnum, g, out, *arrays, count):
    """2 g_i (x_i - m_i) for x_i, its negative for m_i (the arrays are xs, then any ms)."""
    i = argnum % count
    x = np.asarray(arrays[i])
    difference = x - arrays[count + i] if len(arrays) > count else x
    gradient = (2.0 * g[i] * difference).astype(x.dtype)
    return gradient if argnum < count else -gradient


@variadic_primitive(_squared_norms_gradient)
def _squared_norms(*arrays, count):
    squares = np.empty(count, np.float32)
    for i in range(count):
        x = np.ravel(arrays[i])
        if len(arrays) > count:
            x = x - np.ravel(arrays[count + i])
        x = x.astype(np.float32, copy=False)
        squares[i] = x @ x
    return squares


def squared_norms(tensors, minus=None):
    """One primitive over every array (and its counterpart in `minus`): a dot product each,
    not a handful of traced ops each."""
    return _squared_norms(*tensors, *(minus or []), count=len(tensors))


@no_gradient
def _even_samples(*arrays, strides, length):
    return moments.even_sample_rows([np.ravel(x) for x in arrays], strides, length)


def even_samples(tensors, strides, length):
    return _even_samples(*tensors, strides=tuple(strides), length=length)


@no_gradient
def histogram(x, low, high, bins):
    x = np.asarray(x)
    low, high = np.asarray(low)[:, None], np.asarray(high)[:, None]
    rows = x.shape[0]
    with np.errstate(all="ignore"):
        width = (high - low) / bins
        level = width == 0
        bin_of = np.floor((x - low) / np.where(level, 1, width))
        np.minimum(bin_of, bins - 1, out=bin_of)
        # a level row's values go to its last bin; each row's bins follow the previous row's
        bin_of += np.arange(rows)[:, None] * bins + level * (bins - 1)
        inside = (x >= low) & (x <= high)
    inside &= np.isfinite(width)
    # every uncounted value goes to one more bin, dropped
    index = np.where(inside, bin_of, rows * bins).astype(np.int64)
    counts = np.bincount(index.reshape(-1), minlength=rows * bins + 1)
    return counts[: rows * bins].reshape(rows, bins).astype(np.float32)


@no_gradient
def argmax(x, axis=-1):
    return np.argmax(x, axis=axis).astype(np.int32)


@no_gradient
def argmin(x, axis=-1):
    return np.argmin(x, axis=axis).astype(np.int32)
