"""Reductions over axes (sum, mean, max, min, logsumexp) and argmax/argmin."""

from __future__ import annotations

import functools

import numpy as np

from engine.backend.numpy.traced import no_gradient, primitive


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


def _summary_statistics(x):
    mean = np.mean(x)
    deviations = np.ravel(x - mean)
    return np.stack([mean, deviations @ deviations, np.sum(np.abs(x)), np.min(x), np.max(x)])


def _summary_statistics_gradient(g, out, x):
    grad = g[0] / np.size(x) + g[1] * 2.0 * (x - out[0]) + g[2] * np.sign(x)
    for column in (3, 4):  # min and max, split evenly among ties as the reductions do
        ties = x == out[column]
        grad = grad + ties * (g[column] / np.sum(ties))
    return grad


# One pass for the mean, one (a dot product) for the squared deviations, one for |x|.
summary_statistics = primitive(_summary_statistics_gradient)(_summary_statistics)


@no_gradient
def argmax(x, axis=-1):
    return np.argmax(x, axis=axis).astype(np.int32)


@no_gradient
def argmin(x, axis=-1):
    return np.argmin(x, axis=axis).astype(np.int32)
