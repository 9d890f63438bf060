"""keras.ops functions written once from the backend contract's ops, for every backend.

Each composes contract ops (engine/backend/contract.py), so it runs, differentiates and
compiles wherever they do, and a functional model records it as one op node. engine.ops
exports them beside the contract's own.
"""

from __future__ import annotations

import math

import numpy as np

from engine.backend import active
from engine.ops import graph_aware, read

# ----------------------------------------------------------------------------- helpers


def _b():
    return active()


def _array(x):
    """A backend array of `x` (Variables read, lists and scalars converted)."""
    x = read(x)
    b = _b()
    return x if b.is_array(x) else b.convert(np.asarray(x))


def _float(x):
    x = _array(x)
    b = _b()
    return x if b.dtype(x).startswith(("float", "bfloat")) else b.cast(x, "float32")


def _axis(axis, rank):
    return axis % rank if axis is not None else None


def _moved_last(x, axis):
    """x with `axis` moved last, and the permutation that undoes it."""
    b = _b()
    rank = len(b.shape(x))
    axis = axis % rank
    order = [a for a in range(rank) if a != axis] + [axis]
    back = [order.index(a) for a in range(rank)]
    return b.transpose(x, order), back


# -------------------------------------------------------------------------- arithmetic
@graph_aware
def absolute(x):
    return _b().abs(_array(x))


fabs = absolute


@graph_aware
def reciprocal(x):
    return _b().divide(1.0, _float(x))


@graph_aware
def rsqrt(x):
    b = _b()
    return b.divide(1.0, b.sqrt(_float(x)))


@graph_aware
def cbrt(x):
    b, x = _b(), _float(x)
    return b.multiply(b.sign(x), b.power(b.abs(x), 1.0 / 3.0))


@graph_aware
def exp2(x):
    b = _b()
    return b.exp(b.multiply(_float(x), math.log(2.0)))


@graph_aware
def expm1(x):
    b = _b()
    return b.subtract(b.exp(_float(x)), 1.0)


@graph_aware
def log2(x):
    b = _b()
    return b.divide(b.log(_float(x)), math.log(2.0))


@graph_aware
def log10(x):
    b = _b()
    return b.divide(b.log(_float(x)), math.log(10.0))


@graph_aware
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed without overflow."""
    b, x1, x2 = _b(), _float(x1), _float(x2)
    high = b.maximum(x1, x2)
    return b.add(high, b.log1p(b.exp(b.negative(b.abs(b.subtract(x1, x2))))))


@graph_aware
def logaddexp2(x1, x2):
    b, ln2 = _b(), math.log(2.0)
    natural = logaddexp(b.multiply(_float(x1), ln2), b.multiply(_float(x2), ln2))
    return b.divide(natural, ln2)


@graph_aware
def hypot(x1, x2):
    b = _b()
    return b.sqrt(b.add(b.square(_float(x1)), b.square(_float(x2))))


@graph_aware
def sinh(x):
    b, x = _b(), _float(x)
    return b.divide(b.subtract(b.exp(x), b.exp(b.negative(x))), 2.0)


@graph_aware
def cosh(x):
    b, x = _b(), _float(x)
    return b.divide(b.add(b.exp(x), b.exp(b.negative(x))), 2.0)


@graph_aware
def tan(x):
    b, x = _b(), _float(x)
    return b.divide(b.sin(x), b.cos(x))


@graph_aware
def deg2rad(x):
    return _b().multiply(_float(x), math.pi / 180.0)


@graph_aware
def rad2deg(x):
    return _b().multiply(_float(x), 180.0 / math.pi)


@graph_aware
def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 is 0."""
    b, x1, x2 = _b(), _float(x1), _float(x2)
    zero = b.equal(x2, 0.0)
    return b.where(zero, 0.0, b.divide(x1, b.where(zero, 1.0, x2)))


@graph_aware
def ceil(x):
    b = _b()
    return b.negative(b.floor(b.negative(_float(x))))


@graph_aware
def trunc(x):
    b, x = _b(), _float(x)
    return b.multiply(b.sign(x), b.floor(b.abs(x)))


@graph_aware
def fmod(x1, x2):
    """The remainder with the sign of x1, as C's fmod and NumPy's."""
    b, x1, x2 = _b(), _float(x1), _float(x2)
    return b.subtract(x1, b.multiply(trunc(b.divide(x1, x2)), x2))


@graph_aware
def round(x, decimals=0):  # noqa: A001 (Keras's name)
    """Rounded half to even, as NumPy and Keras round."""
    b, x = _b(), _float(x)
    scale = 10.0 ** decimals
    scaled = b.multiply(x, scale)
    nearest = b.floor(b.add(scaled, 0.5))
    # exactly halfway and odd: the even neighbour below
    tie = b.logical_and(b.equal(b.subtract(nearest, scaled), 0.5),
                        b.not_equal(b.subtract(nearest, b.multiply(b.floor(
                            b.divide(nearest, 2.0)), 2.0)), 0.0))
    return b.divide(b.where(tie, b.subtract(nearest, 1.0), nearest), scale)


@graph_aware
def heaviside(x1, x2):
    """0 below zero, x2 at zero, 1 above."""
    b, x1, x2 = _b(), _float(x1), _float(x2)
    return b.where(b.less(x1, 0.0), 0.0, b.where(b.greater(x1, 0.0), 1.0, x2))


@graph_aware
def isnan(x):
    x = _array(x)
    return _b().not_equal(x, x)


@graph_aware
def isinf(x):
    b, x = _b(), _float(x)
    return b.equal(b.abs(x), math.inf)


@graph_aware
def isposinf(x):
    return _b().equal(_float(x), math.inf)


@graph_aware
def isneginf(x):
    return _b().equal(_float(x), -math.inf)


@graph_aware
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (the dtype's extremes by default)."""
    b, x = _b(), _array(x)
    if not b.dtype(x).startswith(("float", "bfloat")):
        return x
    largest = float(np.finfo(b.dtype(x) if b.dtype(x) != "bfloat16" else "float32").max)
    x = b.where(isnan(x), nan, x)
    x = b.where(isposinf(x), largest if posinf is None else posinf, x)
    return b.where(isneginf(x), -largest if neginf is None else neginf, x)


# --------------------------------------------------------------------------- reductions
@graph_aware
def all(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    b = _b()
    nonzero = b.cast(b.not_equal(_array(x), 0), "float32")
    return b.greater(b.min(nonzero, axis=axis, keepdims=keepdims), 0.0)


@graph_aware
def any(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    b = _b()
    nonzero = b.cast(b.not_equal(_array(x), 0), "float32")
    return b.greater(b.max(nonzero, axis=axis, keepdims=keepdims), 0.0)


@graph_aware
def amax(x, axis=None, keepdims=False):
    return _b().max(_array(x), axis=axis, keepdims=keepdims)


@graph_aware
def amin(x, axis=None, keepdims=False):
    return _b().min(_array(x), axis=axis, keepdims=keepdims)


@graph_aware
def ptp(x, axis=None, keepdims=False):
    b, x = _b(), _array(x)
    low, high = (f(x, axis=axis, keepdims=keepdims) for f in (b.min, b.max))
    return b.subtract(high, low)


@graph_aware
def count_nonzero(x, axis=None):
    b = _b()
    return b.sum(b.cast(b.not_equal(_array(x), 0), "int32"), axis=axis)


@graph_aware
def average(x, axis=None, weights=None):
    """The mean, or the weights' weighted mean (weights of x's shape or of its axis)."""
    b, x = _b(), _float(x)
    if weights is None:
        return b.mean(x, axis=axis)
    weights = _float(weights)
    if axis is not None and len(b.shape(weights)) == 1:
        shape = [1] * len(b.shape(x))
        shape[axis] = b.shape(weights)[0]
        weights = b.reshape(weights, tuple(shape))
    weights = b.broadcast_to(weights, b.shape(x))
    return b.divide(b.sum(b.multiply(x, weights), axis=axis), b.sum(weights, axis=axis))


@graph_aware
def std(x, axis=None, keepdims=False):
    """The population standard deviation, as Keras's."""
    b, x = _b(), _float(x)
    mean = b.mean(x, axis=axis, keepdims=True)
    return b.sqrt(b.mean(b.square(b.subtract(x, mean)), axis=axis, keepdims=keepdims))


# ---------------------------------------------------------------------------- creation
@graph_aware
def zeros_like(x, dtype=None):
    b, x = _b(), _array(x)
    return b.zeros(b.shape(x), dtype or b.dtype(x))


@graph_aware
def ones_like(x, dtype=None):
    b, x = _b(), _array(x)
    return b.ones(b.shape(x), dtype or b.dtype(x))


@graph_aware
def full_like(x, fill_value, dtype=None):
    b, x = _b(), _array(x)
    return b.full(b.shape(x), fill_value, dtype or b.dtype(x))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """Ones on the k-th diagonal of an N x M matrix."""
    b = _b()
    rows = b.reshape(b.arange(N, dtype="int32"), (N, 1))
    columns = b.reshape(b.arange(M if M is not None else N, dtype="int32"), (1, -1))
    return b.cast(b.equal(b.subtract(columns, rows), k), dtype or "float32")


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """Ones at and below the k-th diagonal of an N x M matrix."""
    b = _b()
    rows = b.reshape(b.arange(N, dtype="int32"), (N, 1))
    columns = b.reshape(b.arange(M if M is not None else N, dtype="int32"), (1, -1))
    return b.cast(b.less_equal(b.subtract(columns, rows), k), dtype or "float32")


@graph_aware
def tril(x, k=0):
    b, x = _b(), _array(x)
    rows, columns = b.shape(x)[-2:]
    return b.where(b.cast(tri(rows, columns, k, "int32"), "bool"), x, b.zeros((), b.dtype(x)))


@graph_aware
def triu(x, k=0):
    b, x = _b(), _array(x)
    rows, columns = b.shape(x)[-2:]
    below = b.cast(tri(rows, columns, k - 1, "int32"), "bool")
    return b.where(below, b.zeros((), b.dtype(x)), x)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (scalars)."""
    b = _b()
    if axis != 0 or not np.isscalar(start) or not np.isscalar(stop):
        values = np.linspace(b.to_numpy(_array(start)), b.to_numpy(_array(stop)), num,
                             endpoint=endpoint, axis=axis)
    else:
        values = np.linspace(start, stop, num, endpoint=endpoint)
    result = b.convert(values.astype(dtype or "float32"))
    if retstep:
        divisions = (num - 1) if endpoint else num
        return result, (np.asarray(stop) - np.asarray(start)) / max(divisions, 1)
    return result


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    b = _b()
    exponents = linspace(start, stop, num, endpoint=endpoint, dtype="float32", axis=axis)
    return b.cast(b.power(float(base), exponents), dtype or "float32")


# ------------------------------------------------------------------------------ shapes
def ndim(x):
    return len(_b().shape(_array(x)))


def size(x):
    return int(np.prod(_b().shape(_array(x)), dtype=np.int64))


@graph_aware
def ravel(x):
    return _b().reshape(_array(x), (-1,))


@graph_aware
def moveaxis(x, source, destination):
    b, x = _b(), _array(x)
    rank = len(b.shape(x))
    sources = [s % rank for s in np.atleast_1d(source)]
    destinations = [d % rank for d in np.atleast_1d(destination)]
    order = [a for a in range(rank) if a not in sources]
    for destination_axis, source_axis in sorted(zip(destinations, sources)):
        order.insert(destination_axis, source_axis)
    return b.transpose(x, tuple(order))


@graph_aware
def swapaxes(x, axis1, axis2):
    b, x = _b(), _array(x)
    order = list(range(len(b.shape(x))))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return b.transpose(x, tuple(order))


@graph_aware
def flip(x, axis=None):
    b, x = _b(), _array(x)
    rank = len(b.shape(x))
    axes = range(rank) if axis is None else [a % rank for a in np.atleast_1d(axis)]
    key = tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(rank))
    return b.getitem(x, key)


@graph_aware
def fliplr(x):
    return flip(x, 1)


@graph_aware
def flipud(x):
    return flip(x, 0)


@graph_aware
def rot90(array, k=1, axes=(0, 1)):
    """Rotated by 90 degrees k times in the plane of `axes`, as NumPy's."""
    x = _array(array)
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, axes[0]), axes[1])
    if k == 1:
        return swapaxes(flip(x, axes[1]), axes[0], axes[1])
    return flip(swapaxes(x, axes[0], axes[1]), axes[1])


@graph_aware
def roll(x, shift, axis=None):
    """Elements shifted along `axis` (the flattened array without one), wrapping around."""
    b, x = _b(), _array(x)
    if axis is None:
        return b.reshape(roll(b.reshape(x, (-1,)), shift, 0), b.shape(x))
    rank = len(b.shape(x))
    axis = axis % rank
    length = b.shape(x)[axis]
    shift %= length
    if shift == 0:
        return x
    head = tuple(slice(length - shift, None) if a == axis else slice(None) for a in range(rank))
    tail = tuple(slice(None, length - shift) if a == axis else slice(None) for a in range(rank))
    return b.concatenate([b.getitem(x, head), b.getitem(x, tail)], axis=axis)


@graph_aware
def tile(x, repeats):
    """x repeated `repeats` times along each axis (NumPy's tile)."""
    b, x = _b(), _array(x)
    repeats = list(np.atleast_1d(repeats))
    shape = list(b.shape(x))
    rank = max(len(shape), len(repeats))
    shape = [1] * (rank - len(shape)) + shape
    repeats = [1] * (rank - len(repeats)) + repeats
    x = b.reshape(x, tuple(v for s in shape for v in (1, s)))
    x = b.broadcast_to(x, tuple(v for r, s in zip(repeats, shape) for v in (int(r), s)))
    return b.reshape(x, tuple(int(r) * s for r, s in zip(repeats, shape)))


@graph_aware
def repeat(x, repeats, axis=None):
    """Each element repeated `repeats` (an int) times along `axis` (flattened without one)."""
    b, x = _b(), _array(x)
    if not isinstance(repeats, (int, np.integer)):
        raise ValueError("repeat takes an int `repeats` here; repeat per element with "
                         "concatenate of tiles.")
    if axis is None:
        x, axis = b.reshape(x, (-1,)), 0
    shape = list(b.shape(x))
    axis %= len(shape)
    x = b.expand_dims(x, axis + 1)
    x = b.broadcast_to(x, tuple(shape[:axis + 1] + [int(repeats)] + shape[axis + 1:]))
    return b.reshape(x, tuple(shape[:axis] + [shape[axis] * int(repeats)] + shape[axis + 1:]))


def _split_points(length, indices_or_sections, even):
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if even and length % sections:
            raise ValueError(f"split cannot cut an axis of size {length} into {sections} equal "
                             "sections; use array_split for unequal ones.")
        quotient, remainder = divmod(length, sections)
        sizes = [quotient + 1] * remainder + [quotient] * (sections - remainder)
        return list(np.cumsum(sizes)[:-1])
    return [int(i) for i in indices_or_sections]


def _pieces(x, points, axis):
    b = _b()
    rank = len(b.shape(x))
    axis %= rank
    edges = [0, *points, b.shape(x)[axis]]
    return [b.getitem(x, tuple(slice(start, stop) if a == axis else slice(None)
                               for a in range(rank))) for start, stop in zip(edges, edges[1:])]


@graph_aware
def split(x, indices_or_sections, axis=0):
    x = _array(x)
    return _pieces(x, _split_points(_b().shape(x)[axis], indices_or_sections, True), axis)


@graph_aware
def array_split(x, indices_or_sections, axis=0):
    x = _array(x)
    return _pieces(x, _split_points(_b().shape(x)[axis], indices_or_sections, False), axis)


@graph_aware
def hsplit(x, indices_or_sections):
    x = _array(x)
    return split(x, indices_or_sections, 1 if len(_b().shape(x)) > 1 else 0)


@graph_aware
def vsplit(x, indices_or_sections):
    return split(x, indices_or_sections, 0)


@graph_aware
def dsplit(x, indices_or_sections):
    return split(x, indices_or_sections, 2)


@graph_aware
def unstack(x, num=None, axis=0):
    b, x = _b(), _array(x)
    rank = len(b.shape(x))
    axis %= rank
    return [b.getitem(x, tuple(i if a == axis else slice(None) for a in range(rank)))
            for i in range(b.shape(x)[axis])]


@graph_aware
def hstack(xs):
    b = _b()
    xs = [_array(x) for x in xs]
    return b.concatenate(xs, axis=1 if len(b.shape(xs[0])) > 1 else 0)


@graph_aware
def vstack(xs):
    b = _b()
    xs = [_array(x) for x in xs]
    xs = [b.reshape(x, (1, -1)) if len(b.shape(x)) == 1 else x for x in xs]
    return b.concatenate(xs, axis=0)


@graph_aware
def dstack(xs):
    b = _b()
    xs = [_array(x) for x in xs]
    shaped = []
    for x in xs:
        shape = b.shape(x)
        if len(shape) == 1:
            x = b.reshape(x, (1, shape[0], 1))
        elif len(shape) == 2:
            x = b.expand_dims(x, 2)
        shaped.append(x)
    return b.concatenate(shaped, axis=2)


@graph_aware
def append(x1, x2, axis=None):
    b, x1, x2 = _b(), _array(x1), _array(x2)
    if axis is None:
        return b.concatenate([b.reshape(x1, (-1,)), b.reshape(x2, (-1,))], axis=0)
    return b.concatenate([x1, x2], axis=axis)


# ------------------------------------------------------------------------ linear algebra
@graph_aware
def outer(x1, x2):
    b = _b()
    return b.multiply(b.reshape(_array(x1), (-1, 1)), b.reshape(_array(x2), (1, -1)))


@graph_aware
def inner(x1, x2):
    """The sum product over the last axes (a scalar times an array where one is 0-d)."""
    b, x1, x2 = _b(), _array(x1), _array(x2)
    if not b.shape(x1) or not b.shape(x2):
        return b.multiply(x1, x2)
    return tensordot(x1, x2, axes=([len(b.shape(x1)) - 1], [len(b.shape(x2)) - 1]))


@graph_aware
def tensordot(x1, x2, axes=2):
    """The sum product over `axes` (an int: the last of x1 with the first of x2)."""
    b, x1, x2 = _b(), _array(x1), _array(x2)
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
    b, x1, x2 = _b(), _array(x1), _array(x2)
    rank1, rank2 = len(b.shape(x1)), len(b.shape(x2))
    if rank1 == 0 or rank2 == 0:
        return b.multiply(x1, x2)
    if rank2 == 1:
        return tensordot(x1, x2, axes=([rank1 - 1], [0]))
    return tensordot(x1, x2, axes=([rank1 - 1], [rank2 - 2]))


@graph_aware
def kron(x1, x2):
    b, x1, x2 = _b(), _array(x1), _array(x2)
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
    b = _b()
    if axis is not None:
        axisa = axisb = axisc = axis
    a, back = _moved_last(_array(x1), axisa)
    c, _ = _moved_last(_array(x2), axisb)
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
    b, x = _b(), _array(x)
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
    b, x = _b(), _array(x)
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
    return _b().sum(diagonal(x, offset, axis1, axis2), axis=-1)


@graph_aware
def diff(a, n=1, axis=-1):
    """The n-th discrete difference along `axis`."""
    b, x = _b(), _array(a)
    rank = len(b.shape(x))
    axis %= rank
    for _ in range(n):
        upper = tuple(slice(1, None) if i == axis else slice(None) for i in range(rank))
        lower = tuple(slice(None, -1) if i == axis else slice(None) for i in range(rank))
        x = b.subtract(b.getitem(x, upper), b.getitem(x, lower))
    return x


# ----------------------------------------------------------------------------- neural nets
@graph_aware
def normalize(x, axis=-1, order=2, epsilon=None):
    """x over its norm along `axis` (Keras's ops.normalize; L2 by default)."""
    b, x = _b(), _float(x)
    if order != 2:
        raise ValueError("normalize takes order=2 here.")
    squared = b.sum(b.square(x), axis=axis, keepdims=True)
    return b.multiply(x, rsqrt(b.maximum(squared, epsilon if epsilon is not None else 1e-24)))


@graph_aware
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """1 at every class an integer of the last axis names (Keras's multi_hot)."""
    b = _b()
    num_classes = num_classes if num_classes is not None else kwargs.get("num_tokens")
    hot = b.one_hot(_array(inputs), num_classes, axis=-1, dtype="float32")
    reduced = b.max(hot, axis=-2 if len(b.shape(hot)) > 1 else None)
    result = b.cast(reduced, dtype or "float32")
    return result if axis == -1 else moveaxis(result, -1, axis)


@graph_aware
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio of two images, in dB."""
    b = _b()
    mse = b.mean(b.square(b.subtract(_float(x1), _float(x2))))
    return b.subtract(20.0 * math.log10(max_val), b.multiply(10.0, log10(mse)))


# --------------------------------------------------------------------------- activations
# keras.ops has these activations of engine.activations as ops too.
_ACTIVATION_OPS = (
    "celu", "elu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "log_sigmoid", "relu6", "selu", "soft_shrink", "softsign", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh_shrink", "threshold",
)


def _activation_op(name):
    def op(x, *args, **kwargs):
        from engine import activations

        return getattr(activations, name)(_array(x), *args, **kwargs)

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = f"engine.activations.{name}, as keras.ops has it."
    return graph_aware(op)


for _name in _ACTIVATION_OPS:
    globals()[_name] = _activation_op(_name)

# Every op above, by name, as engine.ops exports it.
COMPOSED = {
    name: function for name, function in dict(globals()).items()
    if callable(function) and not name.startswith("_") and not isinstance(function, type)
    and getattr(function, "__module__", None) == __name__
}
