"""keras.ops.numpy functions composed from the contract: comparisons (isclose, isin, fmax),
real-input complex parts (real, imag, angle), windows, grids and index arithmetic (meshgrid,
vander, unravel_index), sinc, i0, trapezoid, correlate, and the few whose output shape
depends on the values (nonzero, unique without `size`), which are computed on the host."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np

from engine.composed_ops.arithmetic import all as all_of
from engine.composed_ops.arithmetic import any as any_of
from engine.composed_ops.control_flow import map as map_leading
from engine.composed_ops.inputs import as_array, as_float, current
from engine.composed_ops.linalg import diag
from engine.ops import graph_aware, read


def array(x, dtype=None):
    b = current()
    return b.convert(read(x), dtype) if dtype is not None else as_array(x)


@graph_aware
def copy(x):
    """A new array equal to x (NumPy arrays are mutable; the others' copies cost nothing)."""
    b, x = current(), as_array(x)
    return b.where(b.full((), True, "bool"), x, x)


def empty(shape, dtype=None):
    """Zeros: an uninitialised array's contents are whatever the backend gives."""
    return current().zeros(shape, dtype or "float32")


@graph_aware
def empty_like(x, dtype=None):
    b, x = current(), as_array(x)
    return b.zeros(b.shape(x), dtype or b.dtype(x))


@graph_aware
def view(x, dtype=None):
    """x's bytes read as `dtype` (Backend.bitcast); x itself without one."""
    x = as_array(x)
    return x if dtype is None else current().bitcast(x, dtype)


@graph_aware
def get_item(x, key):
    return current().getitem(as_array(x), key)


# ------------------------------------------------------------- complex parts of real arrays
@graph_aware
def real(x):
    return as_array(x)


@graph_aware
def conj(x):
    return as_array(x)


conjugate = conj


@graph_aware
def imag(x):
    b, x = current(), as_array(x)
    return b.zeros(b.shape(x), b.dtype(x))


@graph_aware
def isreal(x):
    b, x = current(), as_array(x)
    return b.ones(b.shape(x), "bool")


@graph_aware
def angle(x):
    """The argument of real x: pi where it is negative, else 0."""
    b, x = current(), as_float(x)
    return b.arctan2(b.zeros(b.shape(x), b.dtype(x)), x)


# ---------------------------------------------------------------------------- comparisons
@graph_aware
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|x1 - x2| <= atol + rtol * |x2|; infinities equal only to themselves."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    x1, x2 = _common_float(x1, x2)
    finite = b.logical_and(b.isfinite(x1), b.isfinite(x2))
    near = b.less_equal(b.abs(b.subtract(x1, x2)), b.add(atol, b.multiply(rtol, b.abs(x2))))
    close = b.where(finite, near, b.equal(x1, x2))
    if equal_nan:
        close = b.logical_or(close, b.logical_and(b.not_equal(x1, x1), b.not_equal(x2, x2)))
    return close


@graph_aware
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return all_of(isclose(x1, x2, rtol, atol, equal_nan))


def _common_float(x1, x2):
    """x1 and x2 in the float dtype they promote to (float32 for integers)."""
    b = current()
    dtypes = {b.dtype(x1), b.dtype(x2)}
    floats = sorted(d for d in dtypes if d.startswith(("float", "bfloat")))
    dtype = floats[-1] if len(floats) == 1 else "float64" if "float64" in dtypes else "float32"
    return b.cast(x1, dtype), b.cast(x2, dtype)


@graph_aware
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of x1 is among x2's."""
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    found = any_of(b.equal(b.expand_dims(x1, -1), b.reshape(x2, (-1,))), axis=-1)
    return b.logical_not(found) if invert else found


@graph_aware
def fmax(x1, x2):
    """The larger of x1 and x2, a NaN losing to a number."""
    return _nan_ignoring("maximum", x1, x2)


@graph_aware
def fmin(x1, x2):
    return _nan_ignoring("minimum", x1, x2)


def _nan_ignoring(name, x1, x2):
    b, x1, x2 = current(), as_array(x1), as_array(x2)
    both = getattr(b, name)(x1, x2)
    return b.where(b.not_equal(x1, x1), x2, b.where(b.not_equal(x2, x2), x1, both))


# ------------------------------------------------------------------------ integer math
def _integers(name, *xs):
    b = current()
    xs = [as_array(x) for x in xs]
    for x in xs:
        if not b.dtype(x).startswith(("int", "uint")):
            raise ValueError(f"{name}: takes integer arrays; got dtype {b.dtype(x)}. Cast "
                             "with ops.cast(x, 'int32') first.")
    return xs


def _integer_op(operation, keras_name=None, arguments=("x", "y")):
    """The keras.ops function `keras_name` (default: `operation`) of Backend.integer_op, taking
    Keras's `arguments`."""
    name = keras_name or operation
    signature = inspect.Signature(
        [inspect.Parameter(a, inspect.Parameter.POSITIONAL_OR_KEYWORD) for a in arguments])

    def op(*args, **kwargs):
        values = signature.bind(*args, **kwargs).arguments.values()
        return current().integer_op(operation, *_integers(name, *values))

    op.__name__ = op.__qualname__ = name
    op.__module__ = __name__
    op.__signature__ = signature
    op.__doc__ = f"Elementwise {operation.replace('_', ' ')} of integers (Backend.integer_op)."
    return graph_aware(op)


bitwise_and = _integer_op("bitwise_and")
bitwise_or = _integer_op("bitwise_or")
bitwise_xor = _integer_op("bitwise_xor")
bitwise_invert = _integer_op("bitwise_invert", arguments=("x",))
bitwise_not = _integer_op("bitwise_invert", "bitwise_not", arguments=("x",))
bitwise_left_shift = _integer_op("left_shift", "bitwise_left_shift")
left_shift = _integer_op("left_shift")
bitwise_right_shift = _integer_op("right_shift", "bitwise_right_shift")
right_shift = _integer_op("right_shift")
gcd = _integer_op("gcd", arguments=("x1", "x2"))
lcm = _integer_op("lcm", arguments=("x1", "x2"))


# ------------------------------------------------------------------------ elementwise math
@graph_aware
def sinc(x):
    """sin(pi x) / (pi x), 1 at 0."""
    b, x = current(), as_float(x)
    zero = b.equal(x, 0.0)
    scaled = b.multiply(b.where(zero, b.ones((), b.dtype(x)), x), math.pi)
    return b.where(zero, b.ones((), b.dtype(x)), b.divide(b.sin(scaled), scaled))


@graph_aware
def erfc(x):
    b = current()
    return b.subtract(1.0, b.erf(as_float(x)))


@graph_aware
def ldexp(x1, x2):
    """x1 * 2**x2."""
    b, x1 = current(), as_float(x1)
    return b.multiply(x1, b.power(2.0, b.cast(as_array(x2), b.dtype(x1))))


# Above this, i0's power series needs too many terms; its asymptotic series is exact there.
_I0_SERIES_LIMIT = 15.0


@graph_aware
def i0(x):
    """The modified Bessel function of the first kind, order 0: its power series
    sum_k ((x/2)^k / k!)^2 up to |x| = 15, its asymptotic expansion beyond."""
    b, x = current(), as_float(x)
    size = b.abs(x)
    small = b.minimum(size, _I0_SERIES_LIMIT)
    quarter_square = b.multiply(b.square(small), 0.25)
    term, total = b.ones(b.shape(x), b.dtype(x)), b.ones(b.shape(x), b.dtype(x))
    for k in range(1, 48):
        term = b.divide(b.multiply(term, quarter_square), float(k * k))
        total = b.add(total, term)
    large = b.maximum(size, _I0_SERIES_LIMIT)
    inverse, correction, coefficient = b.divide(0.125, large), 1.0, 1.0
    for k in range(1, 8):
        coefficient *= (2 * k - 1) ** 2 / k
        correction = b.add(correction, b.multiply(coefficient, b.power(inverse, float(k))))
    asymptotic = b.multiply(b.divide(b.exp(large), b.sqrt(b.multiply(large, 2 * math.pi))),
                            correction)
    return b.where(b.greater(size, _I0_SERIES_LIMIT), asymptotic, total)


@graph_aware
def nextafter(x1, x2):
    """The float after x1 toward x2: x1 plus or minus one unit in its last place (the unit
    below x1 when stepping toward zero from a power of two)."""
    b, x1 = current(), as_float(x1)
    x2 = b.cast(as_array(x2), b.dtype(x1))
    info = np.finfo(b.dtype(x1))
    size = b.abs(x1)
    exponent = b.floor(b.divide(b.log(b.maximum(size, float(info.smallest_normal))),
                                math.log(2.0)))
    # log2 may round across a power of two: correct the exponent against 2**exponent itself
    power = b.power(2.0, exponent)
    exponent = b.where(b.less(size, power), b.subtract(exponent, 1.0),
                       b.where(b.greater_equal(size, b.multiply(power, 2.0)),
                               b.add(exponent, 1.0), exponent))
    power = b.power(2.0, exponent)
    spacing = b.maximum(b.multiply(power, float(info.eps)), float(info.smallest_subnormal))
    toward_zero = b.not_equal(b.greater(x2, x1), b.greater(x1, 0.0))
    at_power = b.logical_and(b.equal(size, power), b.greater(size, float(info.smallest_normal)))
    spacing = b.where(b.logical_and(toward_zero, at_power), b.multiply(spacing, 0.5), spacing)
    step = b.where(b.greater(x2, x1), spacing, b.negative(spacing))
    stepped = b.where(b.equal(x1, 0.0),
                      b.where(b.greater(x2, x1), float(info.smallest_subnormal),
                              -float(info.smallest_subnormal)),
                      b.add(x1, step))
    unordered = b.logical_or(b.not_equal(x1, x1), b.not_equal(x2, x2))
    result = b.where(unordered, b.add(x1, x2), b.where(b.equal(x1, x2), x2, stepped))
    return b.cast(result, b.dtype(x1))


# ----------------------------------------------------------------- arrays made from values
def _window(name, size, *args):
    """A window function of `size` points (NumPy's), as float32."""
    return current().convert(getattr(np, name)(int(size), *args).astype("float32"))


def bartlett(x):
    return _window("bartlett", x)


def blackman(x):
    return _window("blackman", x)


def hamming(x):
    return _window("hamming", x)


def hanning(x):
    return _window("hanning", x)


def kaiser(x, beta):
    return _window("kaiser", x, beta)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from start to stop, evenly spaced on a log scale."""
    b = current()
    values = np.geomspace(b.to_numpy(as_array(start)), b.to_numpy(as_array(stop)), num,
                          endpoint=endpoint, axis=axis)
    return b.convert(values.astype(dtype or "float32"))


@graph_aware
def diagflat(x, k=0):
    b = current()
    return diag(b.reshape(as_array(x), (-1,)), k)


@graph_aware
def vander(x, N=None, increasing=False):  # noqa: N803 (Keras's name)
    """Columns of powers of the 1-D x, highest first unless `increasing`."""
    b, x = current(), as_array(x)
    columns = N if N is not None else b.shape(x)[0]
    powers = np.arange(columns) if increasing else np.arange(columns)[::-1]
    dtype = b.dtype(x)
    exponents = b.convert(powers.astype("int32" if dtype.startswith(("int", "uint")) else dtype))
    return b.power(b.expand_dims(x, -1), exponents)


def meshgrid(*x, indexing="xy"):
    """Coordinate arrays of the 1-D x, broadcast against each other ("xy": the first two
    swapped, as Cartesian plots index them; "ij": matrix order)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    b = current()
    vectors = [b.reshape(as_array(v), (-1,)) for v in x]
    sizes = [b.shape(v)[0] for v in vectors]
    if indexing == "xy" and len(vectors) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        axis = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(vectors) > 1 else i
        shape = [1] * len(vectors)
        shape[axis] = -1
        grids.append(b.broadcast_to(b.reshape(v, shape), sizes))
    return grids


@graph_aware
def unravel_index(indices, shape):
    """The coordinates, in an array of `shape`, of each flat index: a tuple of arrays."""
    b, indices = current(), as_array(indices)
    dtype = b.dtype(indices)
    remaining, coordinates = indices, []
    for size in reversed(shape):
        quotient, remainder = _divmod(remaining, size)
        coordinates.append(remainder)
        remaining = quotient
    return tuple(b.cast(c, dtype) for c in reversed(coordinates))


def _divmod(x, size):
    """Integer x // size and x % size, exact: the float quotient corrected by one step."""
    b = current()
    x = b.cast(x, "int32")
    quotient = b.cast(b.floor(b.divide(b.cast(x, "float32"), float(size))), "int32")
    remainder = b.subtract(x, b.multiply(quotient, size))
    low, high = b.less(remainder, 0), b.greater_equal(remainder, size)
    quotient = b.add(quotient, b.subtract(b.cast(high, "int32"), b.cast(low, "int32")))
    return quotient, b.subtract(x, b.multiply(quotient, size))


# --------------------------------------------------------------------- sums and windows
@graph_aware
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y along `axis` by the trapezoid rule, at points x (or dx apart)."""
    b, y = current(), as_float(y)
    length = b.shape(y)[axis]
    rank = len(b.shape(y))

    def part(start, stop):
        key = [slice(None)] * rank
        key[axis % rank] = slice(start, stop)
        return tuple(key)

    heights = b.multiply(b.add(b.getitem(y, part(1, None)), b.getitem(y, part(None, -1))), 0.5)
    if x is None:
        return b.multiply(b.sum(heights, axis=axis), dx)
    x = b.cast(as_array(x), b.dtype(y))
    if len(b.shape(x)) == 1:
        shape = [1] * rank
        shape[axis % rank] = length
        x = b.reshape(x, shape)
    widths = b.subtract(b.getitem(x, part(1, None)), b.getitem(x, part(None, -1)))
    return b.sum(b.multiply(heights, widths), axis=axis)


@graph_aware
def correlate(x1, x2, mode="valid"):
    """The cross-correlation of two 1-D arrays, sum_k x1[n + k] x2[k], over the shifts that
    `mode` keeps ("valid": full overlap; "same": as long as the longer; "full": any)."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}.")
    b, x1, x2 = current(), as_float(x1), as_float(x2)
    x1, x2 = _common_float(x1, x2)
    length, width = b.shape(x1)[0], b.shape(x2)[0]
    if width > length:  # NumPy correlates the other way round and reverses
        return b.getitem(correlate(x2, x1, mode), slice(None, None, -1))
    full = b.pad(x1, [(width - 1, width - 1)])
    windows = b.take(full, b.convert(
        (np.arange(length + width - 1)[:, None] + np.arange(width)[None, :]).astype("int32")),
        axis=0)
    out = b.sum(b.multiply(windows, x2), axis=-1)  # every shift, as "full"
    start = {"full": 0, "same": (width - 1) // 2, "valid": width - 1}[mode]
    size = {"full": length + width - 1, "same": length, "valid": length - width + 1}[mode]
    return b.getitem(out, slice(start, start + size))


@graph_aware
def corrcoef(x):
    """Pearson correlation coefficients of the rows of x (variables) over its columns."""
    b, x = current(), as_float(x)
    if len(b.shape(x)) == 1:
        x = b.reshape(x, (1, -1))
    centred = b.subtract(x, b.mean(x, axis=-1, keepdims=True))
    covariance = b.matmul(centred, b.transpose(centred, (1, 0)))
    scale = b.sqrt(b.sum(b.square(centred), axis=-1))
    correlation = b.divide(covariance, b.multiply(b.expand_dims(scale, 1),
                                                  b.expand_dims(scale, 0)))
    return b.clip(correlation, -1.0, 1.0)


# ----------------------------------------------------------------- ordering and counting
@graph_aware
def argpartition(x, kth, axis=-1):
    """Indices that partition x around its kth smallest value: a full argsort is one."""
    return current().argsort(as_array(x), axis=axis)


def nonzero(x):
    """The indices of x's nonzero elements, one int32 array per axis. Their number depends on
    the values, so this runs on the host (not under jit), as NumPy's does."""
    b = current()
    return tuple(b.convert(i.astype("int32")) for i in np.nonzero(b.to_numpy(as_array(x))))


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The distinct values of x (sorted), as NumPy's unique; with `size` the result has that
    many, padded with `fill_value` (default: the smallest value) as JAX's. Computed on the
    host: without `size` its shape depends on the values."""
    b = current()
    values = b.to_numpy(as_array(x))
    found = np.unique(values, return_index=True, return_inverse=True, return_counts=True,
                      axis=axis)
    distinct, index, inverse, counts = found
    if size is not None:
        distinct, index, counts = (_padded(a, size, axis, fill)
                                   for a, fill in ((distinct, fill_value), (index, 0),
                                                   (counts, 0)))
    outputs = [b.convert(distinct.astype(values.dtype))]
    for wanted, extra in ((return_index, index), (return_inverse, inverse),
                          (return_counts, counts)):
        if wanted:
            outputs.append(b.convert(np.asarray(extra).astype("int32")))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _padded(values, size, axis, fill):
    axis = 0 if axis is None else axis
    values = np.take(values, np.arange(min(size, values.shape[axis])), axis=axis)
    missing = size - values.shape[axis]
    if missing <= 0:
        return values
    fill = np.min(values) if fill is None and values.size else (fill or 0)
    pad_shape = list(values.shape)
    pad_shape[axis] = missing
    return np.concatenate([values, np.full(pad_shape, fill, values.dtype)], axis=axis)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """pyfunc mapped over the broadcast loop axes of its array arguments (those not in
    `excluded`), as NumPy's vectorize: one call per element, or per core block where a
    `signature` such as "(n),(n)->()" names the trailing axes each call takes."""
    excluded = set(excluded or ())
    cores = _core_axes(signature) if signature is not None else None

    def vectorized(*args, **kwargs):
        b = current()
        positions = [i for i in range(len(args)) if i not in excluded]
        arrays = [as_array(args[i]) for i in positions]
        inputs = cores[0] if cores else [()] * len(arrays)
        if len(inputs) != len(arrays):
            raise ValueError(f"vectorize: the signature {signature!r} names {len(inputs)} "
                             f"inputs; the call passes {len(arrays)} arrays.")
        core_shapes = [b.shape(a)[len(b.shape(a)) - len(core):] for a, core in
                       zip(arrays, inputs)]
        loop = np.broadcast_shapes(*(b.shape(a)[: len(b.shape(a)) - len(core)]
                                     for a, core in zip(arrays, inputs)))
        blocks = [b.reshape(b.broadcast_to(a, (*loop, *core)), (-1, *core))
                  for a, core in zip(arrays, core_shapes)]

        def one(elements):
            call = list(args)
            for i, element in zip(positions, elements):
                call[i] = element
            return pyfunc(*call, **kwargs)

        results = map_leading(one, blocks)
        if isinstance(results, (tuple, list)):
            return tuple(b.reshape(r, (*loop, *b.shape(r)[1:])) for r in results)
        return b.reshape(results, (*loop, *b.shape(results)[1:]))

    return vectorized


def _core_axes(signature):
    """'(m,n),(n)->(m)' -> ([('m', 'n'), ('n',)], [('m',)])."""
    if signature.count("->") != 1:
        raise ValueError(f"vectorize: signature must read like '(n),(n)->()', got "
                         f"{signature!r}.")
    return [[tuple(axis.strip() for axis in group.split(",") if axis.strip())
             for group in re.findall(r"\(([^)]*)\)", side)] for side in signature.split("->")]
