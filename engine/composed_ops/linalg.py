"""Products, diagonals (outer, inner, tensordot, dot, kron, cross, diag, trace, diff) and
keras.ops.linalg's functions composed from the decompositions (norm, pinv, lstsq, ...)."""

from __future__ import annotations

import numpy as np

from engine.composed_ops.inputs import as_array, as_float, current, moved_last
from engine.composed_ops.shapes import moveaxis
from engine.ops import graph_aware


@graph_aware
def outer(x1, x2):
    b = current()
    return b.multiply(b.reshape(as_array(x1), (-1, 1)), b.reshape(as_array(x2), (1, -1)))


@graph_aware
def inner(x1, x2):
    """The sum product over the last axes (a scalar times an array where one is 0-d)."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    if not b.shape(x1) or not b.shape(x2):
        return b.multiply(x1, x2)
    return tensordot(x1, x2, axes=([len(b.shape(x1)) - 1], [len(b.shape(x2)) - 1]))


@graph_aware
def tensordot(x1, x2, axes=2):
    """The sum product over `axes` (an int: the last of x1 with the first of x2)."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    shape1, shape2 = b.shape(x1), b.shape(x2)
    if isinstance(axes, (int, np.integer)):
        axes = (list(range(len(shape1) - axes, len(shape1))), list(range(axes)))
    first = [a % len(shape1) for a in np.atleast_1d(axes[0])]
    second = [a % len(shape2) for a in np.atleast_1d(axes[1])]
    free1 = [a for a in range(len(shape1)) if a not in first]
    free2 = [a for a in range(len(shape2)) if a not in second]
    summed = int(np.prod([shape1[a] for a in first], dtype=np.int64))
    left = b.reshape(b.transpose(x1, tuple(free1 + first)), (-1, summed))
    right = b.reshape(b.transpose(x2, tuple(second + free2)), (summed, -1))
    return b.reshape(b.matmul(left, right),
                     tuple(shape1[a] for a in free1) + tuple(shape2[a] for a in free2))


@graph_aware
def dot(x1, x2):
    """NumPy's dot: products for scalars, matmul up to 2-D, the last axis of x1 with the
    second-to-last of x2 beyond."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    rank1, rank2 = len(b.shape(x1)), len(b.shape(x2))
    if rank1 == 0 or rank2 == 0:
        return b.multiply(x1, x2)
    if rank2 == 1:
        return tensordot(x1, x2, axes=([rank1 - 1], [0]))
    return tensordot(x1, x2, axes=([rank1 - 1], [rank2 - 2]))


@graph_aware
def kron(x1, x2):
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    shape1, shape2 = b.shape(x1), b.shape(x2)
    rank = max(len(shape1), len(shape2))
    shape1 = (1,) * (rank - len(shape1)) + tuple(shape1)
    shape2 = (1,) * (rank - len(shape2)) + tuple(shape2)
    a = b.reshape(x1, tuple(v for s in shape1 for v in (s, 1)))
    c = b.reshape(x2, tuple(v for s in shape2 for v in (1, s)))
    return b.reshape(b.multiply(a, c), tuple(s1 * s2 for s1, s2 in zip(shape1, shape2)))


@graph_aware
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors along the last axis."""
    b = current()
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moved_last(as_array(x1), axisa)
    c = moved_last(as_array(x2), axisb)
    if b.shape(a)[-1] != 3 or b.shape(c)[-1] != 3:
        raise ValueError("cross takes 3-vectors along the chosen axis.")
    a0, a1, a2 = (b.getitem(a, (Ellipsis, i)) for i in range(3))
    c0, c1, c2 = (b.getitem(c, (Ellipsis, i)) for i in range(3))
    result = b.stack([b.subtract(b.multiply(a1, c2), b.multiply(a2, c1)),
                      b.subtract(b.multiply(a2, c0), b.multiply(a0, c2)),
                      b.subtract(b.multiply(a0, c1), b.multiply(a1, c0))], axis=-1)
    rank = len(b.shape(result))
    return moveaxis(result, rank - 1, axisc % rank)


@graph_aware
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of the axis1-axis2 plane, as the last axis."""
    b, x = current(), as_array(x)
    rank = len(b.shape(x))
    axis1, axis2 = axis1 % rank, axis2 % rank
    rest = [a for a in range(rank) if a not in (axis1, axis2)]
    x = b.transpose(x, tuple(rest + [axis1, axis2]))
    rows, columns = b.shape(x)[-2:]
    length = max(0, min(rows, columns - offset) if offset >= 0 else min(rows + offset, columns))
    start = offset if offset >= 0 else -offset * columns
    flat = b.reshape(x, tuple(b.shape(x)[:-2]) + (rows * columns,))
    indices = b.convert(np.arange(length, dtype="int32") * (columns + 1) + start)
    return b.take(flat, indices, axis=len(b.shape(flat)) - 1)


@graph_aware
def diag(x, k=0):
    """The k-th diagonal of a matrix, or the matrix with vector x on its k-th diagonal."""
    b, x = current(), as_array(x)
    if len(b.shape(x)) == 2:
        return diagonal(x, k)
    n = b.shape(x)[0] + abs(k)
    rows = b.reshape(b.arange(n, dtype="int32"), (n, 1))
    columns = b.reshape(b.arange(n, dtype="int32"), (1, n))
    on = b.equal(b.subtract(columns, rows), k)
    values = b.pad(x, ((0, abs(k)),)) if k else x
    # out[i, i + k] = x[i] above the diagonal (by row), out[j - k, j] = x[j] below (by column)
    spread = b.reshape(values, (n, 1) if k >= 0 else (1, n))
    return b.where(on, b.broadcast_to(spread, (n, n)), b.zeros((), b.dtype(x)))


@graph_aware
def trace(x, offset=0, axis1=0, axis2=1):
    return current().sum(diagonal(x, offset, axis1, axis2), axis=-1)


@graph_aware
def diff(a, n=1, axis=-1):
    """The n-th discrete difference along `axis`."""
    b, x = current(), as_array(a)
    rank = len(b.shape(x))
    axis %= rank
    for _ in range(n):
        upper = tuple(slice(1, None) if i == axis else slice(None) for i in range(rank))
        lower = tuple(slice(None, -1) if i == axis else slice(None) for i in range(rank))
        x = b.subtract(b.getitem(x, upper), b.getitem(x, lower))
    return x


# ------------------------------------------------ keras.ops.linalg, from the decompositions
def _matrix_transpose(x):
    b = current()
    rank = len(b.shape(x))
    return b.transpose(x, tuple(range(rank - 2)) + (rank - 1, rank - 2))


def _matrices(name, x):
    """`x` as floats, checked to hold matrices in its last two axes."""
    x = as_float(x)
    if len(current().shape(x)) < 2:
        raise ValueError(
            f"{name}: x must hold matrices in its last two axes (rank >= 2); got shape "
            f"{current().shape(x)}."
        )
    return x


def _epsilon(x) -> float:
    return float(np.finfo(current().dtype(x)).eps)


@graph_aware
def cholesky_inverse(x, upper=False):
    """The inverse of A = L @ L^T from its Cholesky factor x = L (x = L^T with `upper`),
    as Keras and torch.cholesky_inverse take it."""
    b, x = current(), _matrices("cholesky_inverse", x)
    n = b.shape(x)[-1]
    identity = b.convert(np.eye(n, dtype=b.dtype(x)))
    inverse_factor = b.solve_triangular(x, b.broadcast_to(identity, b.shape(x)),
                                        lower=not upper)
    if upper:
        return b.matmul(inverse_factor, _matrix_transpose(inverse_factor))
    return b.matmul(_matrix_transpose(inverse_factor), inverse_factor)


@graph_aware
def matrix_rank(x, tol=None):
    """How many singular values exceed `tol` (default: the largest times max(M, N) times the
    dtype's epsilon, as every framework's default), as int32."""
    b, x = current(), _matrices("matrix_rank", x)
    s = b.svd(x, compute_uv=False)
    if tol is None:
        tol = b.multiply(b.max(s, axis=-1, keepdims=True), max(b.shape(x)[-2:]) * _epsilon(x))
    return b.cast(b.sum(b.cast(b.greater(s, tol), "int32"), axis=-1), "int32")


def _pseudo_inverse(name, x, rcond, default):
    """V diag(1/s) U^T over the singular values above rcond times the largest."""
    b, x = current(), _matrices(name, x)
    u, s, vh = b.svd(x, full_matrices=False, compute_uv=True)
    rcond = default * max(b.shape(x)[-2:]) * _epsilon(x) if rcond is None else rcond
    kept = b.greater(s, b.multiply(b.max(s, axis=-1, keepdims=True), rcond))
    inverse_s = b.where(kept, b.divide(1.0, b.where(kept, s, b.ones((), b.dtype(s)))), 0.0)
    return b.matmul(_matrix_transpose(vh),
                    b.multiply(b.expand_dims(inverse_s, -1), _matrix_transpose(u)))


@graph_aware
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse (..., N, M) by SVD; rcond defaults to
    10 * max(M, N) * eps, as JAX and TensorFlow set it."""
    return _pseudo_inverse("pinv", x, rcond, default=10)


@graph_aware
def lstsq(a, b, rcond=None):
    """The least-squares solution x (N,) or (N, K) of a @ x = b, the one of least norm when
    several are; rcond defaults to max(M, N) * eps, as NumPy's lstsq."""
    backend, a = current(), _matrices("lstsq", a)
    b = as_float(b)
    rows, b_rows = backend.shape(a), backend.shape(b)
    if len(rows) != 2 or len(b_rows) not in (1, 2) or b_rows[0] != rows[0]:
        raise ValueError(
            f"lstsq: a must be (M, N) and b (M,) or (M, K); got a {rows}, b {b_rows}."
        )
    inverse = _pseudo_inverse("lstsq", a, rcond, default=1)
    if len(b_rows) == 1:
        return backend.squeeze(backend.matmul(inverse, backend.expand_dims(b, -1)), -1)
    return backend.matmul(inverse, b)


_MATRIX_ORDERS = (None, "fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf"))


@graph_aware
def norm(x, ord=None, axis=None, keepdims=False):
    """NumPy's vector norm (one axis) or matrix norm (two axes); axis None takes every axis
    (with ord, x must be 1-D or 2-D). Integers and bools give float32."""
    b, x = current(), as_float(x)
    rank = len(b.shape(x))
    if axis is None:
        if ord is not None and rank not in (1, 2):
            raise ValueError(
                f"norm: with ord={ord!r} and axis=None x must be 1-D or 2-D; got shape "
                f"{b.shape(x)}. Pass the axis (one for vectors, two for matrices)."
            )
        axes = tuple(range(rank))
        if ord is None:
            return _vector_norm(b.reshape(x, (-1,)) if rank != 1 else x, None, 0,
                                keepdims, b.shape(x))
    else:
        axes = tuple(int(a) for a in (np.ravel(axis)))
        if any(not -rank <= a < rank for a in axes) or len(set(a % rank for a in axes)) < len(axes):
            raise ValueError(
                f"norm: axis={axis!r} must name one or two different axes of x, which has "
                f"rank {rank}."
            )
        axes = tuple(a % rank for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims, None)
    if len(axes) == 2 and ord in _MATRIX_ORDERS:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(
        f"norm: ord={ord!r} with axis={axis!r} names no norm. One axis takes None, inf, -inf, "
        "0 or a number; two axes take None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf."
    )


def _vector_norm(x, ord, axis, keepdims, flattened_shape):
    b = current()
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; a vector norm takes a number.")
    magnitude = b.abs(x)
    if ord is None or ord == 2:
        result = b.sqrt(b.sum(b.multiply(x, x), axis=axis, keepdims=keepdims))
    elif ord == float("inf"):
        result = b.max(magnitude, axis=axis, keepdims=keepdims)
    elif ord == float("-inf"):
        result = b.min(magnitude, axis=axis, keepdims=keepdims)
    elif ord == 0:
        nonzero = b.cast(b.not_equal(x, 0.0), b.dtype(x))
        result = b.sum(nonzero, axis=axis, keepdims=keepdims)
    else:
        powered = b.sum(b.power(magnitude, float(ord)), axis=axis, keepdims=keepdims)
        result = b.power(powered, 1.0 / float(ord))
    if flattened_shape is not None and keepdims:
        result = b.reshape(result, (1,) * len(flattened_shape))
    return result


def _matrix_norm(x, ord, axes, keepdims):
    b = current()
    rows, columns = axes
    if ord in (None, "fro"):
        return b.sqrt(b.sum(b.multiply(x, x), axis=axes, keepdims=keepdims))
    if ord in ("nuc", 2, -2):
        rank = len(b.shape(x))
        rest = [a for a in range(rank) if a not in axes]
        s = b.svd(b.transpose(x, tuple(rest) + axes), compute_uv=False)
        reduce = {"nuc": b.sum, 2: b.max, -2: b.min}[ord]
        result = reduce(s, axis=-1)
        if keepdims:
            result = b.expand_dims(b.expand_dims(result, min(axes)), max(axes))
        return result
    # 1 and -1: sums down the columns; inf and -inf: along the rows
    summed, across = (rows, columns) if abs(ord) == 1 else (columns, rows)
    sums = b.sum(b.abs(x), axis=summed, keepdims=True)
    reduce = b.max if ord > 0 else b.min
    result = reduce(sums, axis=across, keepdims=True)
    return result if keepdims else b.squeeze(result, tuple(sorted(axes)))


@graph_aware
def logdet(x):
    """log det x of symmetric positive definite matrices, from slogdet (stabler than
    log(det(x)))."""
    return current().slogdet(_matrices("logdet", x))[1]
