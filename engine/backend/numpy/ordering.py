"""Scans, sorts and products along an axis (keras.ops's cumsum, cumprod, sort, argsort, top_k,
searchsorted, prod), each with its gradient rule."""

from __future__ import annotations

import numpy as np

from engine.backend.numpy.arrays import numpy_dtype
from engine.backend.numpy.indexing import take_along_axis
from engine.backend.numpy.reductions import axis_argument
from engine.backend.numpy.traced import no_gradient, primitive, unwrap


def _result_dtype(x, dtype) -> np.dtype:
    """`dtype`, or x's own (bool counting as int32), for the running and whole products and
    sums: NumPy would widen int32 to int64."""
    if dtype is not None:
        return numpy_dtype(dtype)
    own = np.result_type(x)
    return np.dtype(np.int32) if own == np.bool_ else own


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def _scan_layout(x, axis):
    """x as the scan sees it (flattened when axis is None) and the axis it scans."""
    return (np.ravel(x), 0) if axis is None else (x, axis)


def _cumsum_gradient(g, out, x, axis, dtype):
    _, axis = _scan_layout(x, axis)
    return _reverse_cumsum(g, axis).reshape(np.shape(x))


@primitive(_cumsum_gradient)
def _cumsum(x, axis, dtype):
    scanned, axis = _scan_layout(x, axis)
    return np.cumsum(scanned, axis=axis, dtype=dtype)


def cumsum(x, axis=None, dtype=None):
    return _cumsum(x, axis=axis, dtype=_result_dtype(unwrap(x), dtype))


def _cumprod_gradient(g, out, x, axis, dtype):
    """Σ_{j>=i} g_j Π_{k<=j, k!=i} x_k, exact with zeros: before a row's first zero it is
    the reverse running sum of g * out over x_i; at that zero the same sum with the zero taken
    as 1 (no division); after it, 0."""
    scanned, axis = _scan_layout(x, axis)
    rows = np.moveaxis(np.asarray(scanned), axis, -1)
    g = np.moveaxis(g, axis, -1)
    out = np.moveaxis(out, axis, -1)
    is_zero = rows == 0
    first_zero = np.where(is_zero.any(-1, keepdims=True), is_zero.argmax(-1)[..., None],
                          rows.shape[-1])
    position = np.arange(rows.shape[-1])
    before = position < first_zero
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(before, _reverse_cumsum(g * out, -1) / rows, 0)
    at_zero = position == first_zero
    zero_as_one = np.cumprod(np.where(at_zero, 1, rows), axis=-1)
    grad = np.where(at_zero, _reverse_cumsum(g * zero_as_one, -1), grad)
    return np.moveaxis(grad, -1, axis).reshape(np.shape(x))


@primitive(_cumprod_gradient)
def _cumprod(x, axis, dtype):
    scanned, axis = _scan_layout(x, axis)
    return np.cumprod(scanned, axis=axis, dtype=dtype)


def cumprod(x, axis=None, dtype=None):
    return _cumprod(x, axis=axis, dtype=_result_dtype(unwrap(x), dtype))


@no_gradient
def argsort(x, axis=-1):
    return np.argsort(x, axis=axis, kind="stable").astype(np.int32)


def sort(x, axis=-1):
    """The values at argsort's positions: the gradient goes back through the gather."""
    return take_along_axis(x, argsort(x, axis=axis), axis=axis)


def top_k(x, k, sorted=True):
    """Largest first, the earlier of tied values first (a stable sort of -x)."""
    indices = np.argsort(-np.asarray(unwrap(x)), axis=-1, kind="stable")[..., :k]
    indices = indices.astype(np.int32)
    return take_along_axis(x, indices, axis=-1), indices


@no_gradient
def searchsorted(sorted_sequence, values, side="left"):
    return np.searchsorted(sorted_sequence, values, side=side).astype(np.int32)


def _prod_gradient(g, out, x, axis, keepdims, dtype):
    """The product of the other values of each value's group (exact with zeros): running
    products from the left times those from the right, over the group laid out flat."""
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else tuple(
        a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis)
    )
    kept = [a for a in range(x.ndim) if a not in axes]
    order = [*kept, *axes]
    groups = np.transpose(x, order).reshape(*(x.shape[a] for a in kept), -1)
    ones = np.ones_like(groups[..., :1])
    left = np.cumprod(np.concatenate([ones, groups[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(groups, -1)[..., :-1]], -1), -1),
                    -1)
    others = (left * right).reshape(np.transpose(x, order).shape)
    others = np.transpose(others, np.argsort(order))
    return others * (g if keepdims else np.expand_dims(g, axes))


@primitive(_prod_gradient)
def _prod(x, axis, keepdims, dtype):
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=dtype)


def prod(x, axis=None, keepdims=False, dtype=None):
    return _prod(x, axis=axis_argument(axis), keepdims=keepdims,
                 dtype=_result_dtype(unwrap(x), dtype))
