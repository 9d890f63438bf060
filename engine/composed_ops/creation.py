"""Arrays made from shapes or others' shapes: zeros_like, eye, tri, linspace; tril and triu."""

from __future__ import annotations

import numpy as np

from engine.composed_ops.inputs import as_array, current
from engine.ops import graph_aware


@graph_aware
def zeros_like(x, dtype=None):
    b, x = current(), as_array(x)
    return b.zeros(b.shape(x), dtype or b.dtype(x))


@graph_aware
def ones_like(x, dtype=None):
    b, x = current(), as_array(x)
    return b.ones(b.shape(x), dtype or b.dtype(x))


@graph_aware
def full_like(x, fill_value, dtype=None):
    b, x = current(), as_array(x)
    return b.full(b.shape(x), fill_value, dtype or b.dtype(x))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """Ones on the k-th diagonal of an N x M matrix."""
    b = current()
    rows = b.reshape(b.arange(N, dtype="int32"), (N, 1))
    columns = b.reshape(b.arange(M if M is not None else N, dtype="int32"), (1, -1))
    return b.cast(b.equal(b.subtract(columns, rows), k), dtype or "float32")


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """Ones at and below the k-th diagonal of an N x M matrix."""
    b = current()
    rows = b.reshape(b.arange(N, dtype="int32"), (N, 1))
    columns = b.reshape(b.arange(M if M is not None else N, dtype="int32"), (1, -1))
    return b.cast(b.less_equal(b.subtract(columns, rows), k), dtype or "float32")


@graph_aware
def tril(x, k=0):
    b, x = current(), as_array(x)
    rows, columns = b.shape(x)[-2:]
    return b.where(b.cast(tri(rows, columns, k, "int32"), "bool"), x, b.zeros((), b.dtype(x)))


@graph_aware
def triu(x, k=0):
    b, x = current(), as_array(x)
    rows, columns = b.shape(x)[-2:]
    below = b.cast(tri(rows, columns, k - 1, "int32"), "bool")
    return b.where(below, b.zeros((), b.dtype(x)), x)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (scalars)."""
    b = current()
    if axis != 0 or not np.isscalar(start) or not np.isscalar(stop):
        values = np.linspace(b.to_numpy(as_array(start)), b.to_numpy(as_array(stop)), num,
                             endpoint=endpoint, axis=axis)
    else:
        values = np.linspace(start, stop, num, endpoint=endpoint)
    result = b.convert(values.astype(dtype or "float32"))
    if retstep:
        divisions = (num - 1) if endpoint else num
        return result, (np.asarray(stop) - np.asarray(start)) / max(divisions, 1)
    return result


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    b = current()
    exponents = linspace(start, stop, num, endpoint=endpoint, dtype="float32", axis=axis)
    return b.cast(b.power(float(base), exponents), dtype or "float32")
