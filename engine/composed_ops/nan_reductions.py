"""keras.ops.numpy's reductions that skip NaN (nanprod, nanvar, nanquantile...), each the plain
reduction of the values with NaN replaced by what leaves it unchanged, or counted out."""

from __future__ import annotations

import numpy as np

from engine.backend.quantiles import METHODS
from engine.composed_ops.arithmetic import all as all_of
from engine.composed_ops.inputs import as_array, as_float, current
from engine.ops import graph_aware


def _without_nan(x, fill):
    b = current()
    return b.where(_isnan(x), b.full((), fill, b.dtype(x)), x)


def _isnan(x):
    return current().not_equal(x, x)


@graph_aware
def nanprod(x, axis=None, keepdims=False):
    b, x = current(), as_array(x)
    return b.prod(_without_nan(x, 1), axis=axis, keepdims=keepdims)


@graph_aware
def nancumsum(x, axis=None, dtype=None):
    b, x = current(), as_array(x)
    return b.cumsum(_without_nan(x, 0), axis=axis, dtype=dtype)


@graph_aware
def nancumprod(x, axis=None, dtype=None):
    b, x = current(), as_array(x)
    return b.cumprod(_without_nan(x, 1), axis=axis, dtype=dtype)


@graph_aware
def nanvar(x, axis=None, keepdims=False):
    """The variance of the values that are not NaN (NaN where there are none)."""
    b, x = current(), as_float(x)
    present = b.logical_not(_isnan(x))
    count = b.sum(b.cast(present, b.dtype(x)), axis=axis, keepdims=True)
    mean = b.divide(b.sum(_without_nan(x, 0), axis=axis, keepdims=True), count)
    # NaN is replaced before the subtraction, so no NaN reaches the gradient either
    squares = b.where(present, b.square(b.subtract(_without_nan(x, 0), mean)),
                      b.zeros((), b.dtype(x)))
    variance = b.divide(b.sum(squares, axis=axis, keepdims=True), count)
    return variance if keepdims else b.squeeze(variance, _reduced_axes(axis, x))


@graph_aware
def nanstd(x, axis=None, keepdims=False):
    return current().sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _reduced_axes(axis, x):
    rank = len(current().shape(x))
    if axis is None:
        return tuple(range(rank))
    return tuple(a % rank for a in ((axis,) if isinstance(axis, int) else axis))


def _nan_arg(name, x, axis, keepdims, extreme):
    """argmax/argmin of x with NaN never chosen; -1 where a slice holds only NaN, as JAX."""
    b, x = current(), as_float(x)
    missing = _isnan(x)
    found = getattr(b, name)(b.where(missing, b.full((), extreme, b.dtype(x)), x), axis=axis)
    all_missing = all_of(missing, axis=axis)
    found = b.where(all_missing, b.full((), -1, b.dtype(found)), found)
    if keepdims:
        found = b.reshape(found, [1 if a in _reduced_axes(axis, x) else n
                                  for a, n in enumerate(b.shape(x))])
    return found


@graph_aware
def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg("argmax", x, axis, keepdims, -np.inf)


@graph_aware
def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg("argmin", x, axis, keepdims, np.inf)


@graph_aware
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles of the values that are not NaN, as NumPy's nanquantile (NaN where a
    slice has none): Backend.quantile's positions, counted in each slice's own values."""
    if method not in METHODS:
        raise ValueError(f"nanquantile: method must be one of {METHODS}, got {method!r}.")
    b, x = current(), as_float(x)
    shape = b.shape(x)
    axes = _reduced_axes(axis, x)
    kept = [a for a in range(len(shape)) if a not in axes]
    n = int(np.prod([shape[a] for a in axes]))
    rows = b.reshape(b.transpose(x, [*kept, *axes]), (*(shape[a] for a in kept), n))
    count = b.sum(b.cast(b.logical_not(_isnan(rows)), "float32"), axis=-1, keepdims=True)
    ordered = b.sort(_without_nan(rows, np.inf), axis=-1)  # NaN (as inf) after the values

    q = as_array(q)
    last = b.maximum(b.subtract(count, 1.0), 0.0)  # (..., 1)
    quantiles = b.reshape(b.cast(q, "float32"), (-1,))  # (k,)
    position = b.multiply(quantiles, last)  # (..., k)
    below = b.floor(position)
    fraction = b.subtract(position, below)
    above = b.minimum(b.add(below, 1.0), last)
    if method == "nearest":
        odd = b.equal(b.subtract(below, b.multiply(b.floor(b.divide(below, 2.0)), 2.0)), 1.0)
        half_up = b.logical_and(b.equal(fraction, 0.5), odd)
        below = b.where(b.logical_or(b.greater(fraction, 0.5), half_up), above, below)
    low = b.take_along_axis(ordered, b.cast(below, "int32"), axis=-1)
    high = b.take_along_axis(ordered, b.cast(above, "int32"), axis=-1)
    weight = b.cast(fraction, b.dtype(x))
    out = {"lower": low, "nearest": low, "higher": b.where(b.greater(fraction, 0.0), high, low),
           "midpoint": b.where(b.greater(fraction, 0.0), b.multiply(b.add(low, high), 0.5), low),
           "linear": b.add(low, b.multiply(b.subtract(high, low), weight))}[method]
    out = b.where(b.equal(count, 0.0), b.full((), np.nan, b.dtype(x)), out)

    rank = len(b.shape(out))
    out = b.transpose(out, [rank - 1, *range(rank - 1)])  # the quantiles' axis first
    if keepdims:
        out = b.reshape(out, (-1, *(1 if a in axes else shape[a] for a in range(len(shape)))))
    if len(b.shape(q)) == 0:
        out = b.squeeze(out, 0)
    return out


@graph_aware
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    q = current().divide(current().cast(as_array(q), "float32"), 100.0)
    return nanquantile(x, q, axis=axis, method=method, keepdims=keepdims)


@graph_aware
def nanmedian(x, axis=None, keepdims=False):
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)
