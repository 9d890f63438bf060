"""Quantiles written once from the contract's sort, take and arithmetic (Backend.quantile).

The reduced axes are moved last and merged into one, sorted, and the two sorted values
around position q * (n - 1) are read with take and combined by the method NumPy names.
"""

from __future__ import annotations

import numpy as np

METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(b, x, q, axis, method, keepdims):
    """See Backend.quantile; `b` is the backend."""
    if method not in METHODS:
        raise ValueError(f"quantile: method must be one of {METHODS}, got {method!r}.")
    if not b.dtype(x).startswith(("float", "bfloat")):
        x = b.cast(x, "float32")
    shape = b.shape(x)
    axes = _axes(axis, len(shape))
    kept = [a for a in range(len(shape)) if a not in axes]
    n = int(np.prod([shape[a] for a in axes]))
    rows = b.reshape(b.transpose(x, [*kept, *axes]), (*(shape[a] for a in kept), n))
    ordered = b.sort(rows, axis=-1)

    q = q if b.is_array(q) else b.convert(np.asarray(q, np.float32))
    position = b.multiply(b.cast(q, "float32"), float(n - 1))
    below = b.floor(position)
    fraction = b.subtract(position, below)
    above = b.minimum(b.add(below, 1.0), float(n - 1))
    if method == "nearest":
        odd = b.equal(b.subtract(below, b.multiply(b.floor(b.divide(below, 2.0)), 2.0)), 1.0)
        half_up = b.logical_and(b.equal(fraction, 0.5), odd)
        below = b.where(b.logical_or(b.greater(fraction, 0.5), half_up), above, below)
    low = b.take(ordered, b.cast(below, "int32"), axis=-1)
    if method in ("lower", "nearest"):
        out = low
    else:
        high = b.take(ordered, b.cast(b.where(b.greater(fraction, 0.0), above, below), "int32"),
                      axis=-1)
        if method == "higher":
            out = high
        elif method == "midpoint":
            out = b.multiply(b.add(low, high), 0.5)
        else:
            out = b.add(low, b.multiply(b.subtract(high, low), b.cast(fraction, b.dtype(x))))

    if len(b.shape(q)) == 1:  # the quantiles' axis goes first
        rank = len(b.shape(out))
        out = b.transpose(out, [rank - 1, *range(rank - 1)])
    if keepdims:
        leading = b.shape(out)[: len(b.shape(q))]
        out = b.reshape(out, (*leading, *(1 if a in axes else shape[a] for a in range(len(shape)))))
    return out


def _axes(axis, rank) -> tuple:
    if axis is None:
        return tuple(range(rank))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % rank for a in axes))
