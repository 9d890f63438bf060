"""Elementwise math, rounding, predicates and reductions."""

from __future__ import annotations

import math

import numpy as np

from engine.composed_ops.inputs import as_array, as_float, current
from engine.ops import graph_aware


@graph_aware
def absolute(x):
    return current().abs(as_array(x))


fabs = absolute


@graph_aware
def reciprocal(x):
    return current().divide(1.0, as_float(x))


@graph_aware
def rsqrt(x):
    b = current()
    return b.divide(1.0, b.sqrt(as_float(x)))


@graph_aware
def cbrt(x):
    b, x = current(), as_float(x)
    return b.multiply(b.sign(x), b.power(b.abs(x), 1.0 / 3.0))


@graph_aware
def exp2(x):
    b = current()
    return b.exp(b.multiply(as_float(x), math.log(2.0)))


@graph_aware
def expm1(x):
    b = current()
    return b.subtract(b.exp(as_float(x)), 1.0)


@graph_aware
def log2(x):
    b = current()
    return b.divide(b.log(as_float(x)), math.log(2.0))


@graph_aware
def log10(x):
    b = current()
    return b.divide(b.log(as_float(x)), math.log(10.0))


@graph_aware
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed without overflow."""
    b, x1, x2 = current(), as_float(x1), as_float(x2)
    high = b.maximum(x1, x2)
    return b.add(high, b.log1p(b.exp(b.negative(b.abs(b.subtract(x1, x2))))))


@graph_aware
def logaddexp2(x1, x2):
    b, ln2 = current(), math.log(2.0)
    natural = logaddexp(b.multiply(as_float(x1), ln2), b.multiply(as_float(x2), ln2))
    return b.divide(natural, ln2)


@graph_aware
def hypot(x1, x2):
    b = current()
    return b.sqrt(b.add(b.square(as_float(x1)), b.square(as_float(x2))))


@graph_aware
def sinh(x):
    b, x = current(), as_float(x)
    return b.divide(b.subtract(b.exp(x), b.exp(b.negative(x))), 2.0)


@graph_aware
def cosh(x):
    b, x = current(), as_float(x)
    return b.divide(b.add(b.exp(x), b.exp(b.negative(x))), 2.0)


@graph_aware
def tan(x):
    b, x = current(), as_float(x)
    return b.divide(b.sin(x), b.cos(x))


@graph_aware
def deg2rad(x):
    return current().multiply(as_float(x), math.pi / 180.0)


@graph_aware
def rad2deg(x):
    return current().multiply(as_float(x), 180.0 / math.pi)


@graph_aware
def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 is 0."""
    b, x1, x2 = current(), as_float(x1), as_float(x2)
    zero = b.equal(x2, 0.0)
    return b.where(zero, 0.0, b.divide(x1, b.where(zero, 1.0, x2)))


@graph_aware
def ceil(x):
    b = current()
    return b.negative(b.floor(b.negative(as_float(x))))


@graph_aware
def trunc(x):
    b, x = current(), as_float(x)
    return b.multiply(b.sign(x), b.floor(b.abs(x)))


@graph_aware
def fmod(x1, x2):
    """The remainder with the sign of x1, as C's fmod and NumPy's."""
    b, x1, x2 = current(), as_float(x1), as_float(x2)
    return b.subtract(x1, b.multiply(trunc(b.divide(x1, x2)), x2))


@graph_aware
def round(x, decimals=0):  # noqa: A001 (Keras's name)
    """Rounded half to even, as NumPy and Keras round."""
    b, x = current(), as_float(x)
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
    b, x1, x2 = current(), as_float(x1), as_float(x2)
    return b.where(b.less(x1, 0.0), 0.0, b.where(b.greater(x1, 0.0), 1.0, x2))


@graph_aware
def isnan(x):
    x = as_array(x)
    return current().not_equal(x, x)


@graph_aware
def isinf(x):
    b, x = current(), as_float(x)
    return b.equal(b.abs(x), math.inf)


@graph_aware
def isposinf(x):
    return current().equal(as_float(x), math.inf)


@graph_aware
def isneginf(x):
    return current().equal(as_float(x), -math.inf)


@graph_aware
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (the dtype's extremes by default)."""
    b, x = current(), as_array(x)
    if not b.dtype(x).startswith(("float", "bfloat")):
        return x
    largest = float(np.finfo(b.dtype(x) if b.dtype(x) != "bfloat16" else "float32").max)
    x = b.where(isnan(x), nan, x)
    x = b.where(isposinf(x), largest if posinf is None else posinf, x)
    return b.where(isneginf(x), -largest if neginf is None else neginf, x)


@graph_aware
def all(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    b = current()
    nonzero = b.cast(b.not_equal(as_array(x), 0), "float32")
    return b.greater(b.min(nonzero, axis=axis, keepdims=keepdims), 0.0)


@graph_aware
def any(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    b = current()
    nonzero = b.cast(b.not_equal(as_array(x), 0), "float32")
    return b.greater(b.max(nonzero, axis=axis, keepdims=keepdims), 0.0)


@graph_aware
def amax(x, axis=None, keepdims=False):
    return current().max(as_array(x), axis=axis, keepdims=keepdims)


@graph_aware
def amin(x, axis=None, keepdims=False):
    return current().min(as_array(x), axis=axis, keepdims=keepdims)


@graph_aware
def ptp(x, axis=None, keepdims=False):
    b, x = current(), as_array(x)
    low, high = (f(x, axis=axis, keepdims=keepdims) for f in (b.min, b.max))
    return b.subtract(high, low)


@graph_aware
def count_nonzero(x, axis=None):
    b = current()
    return b.sum(b.cast(b.not_equal(as_array(x), 0), "int32"), axis=axis)


@graph_aware
def average(x, axis=None, weights=None):
    """The mean, or the weights' weighted mean (weights of x's shape or of its axis)."""
    b, x = current(), as_float(x)
    if weights is None:
        return b.mean(x, axis=axis)
    weights = as_float(weights)
    if axis is not None and len(b.shape(weights)) == 1:
        shape = [1] * len(b.shape(x))
        shape[axis] = b.shape(weights)[0]
        weights = b.reshape(weights, tuple(shape))
    weights = b.broadcast_to(weights, b.shape(x))
    return b.divide(b.sum(b.multiply(x, weights), axis=axis), b.sum(weights, axis=axis))


@graph_aware
def std(x, axis=None, keepdims=False):
    """The population standard deviation, as Keras's."""
    b, x = current(), as_float(x)
    mean = b.mean(x, axis=axis, keepdims=True)
    return b.sqrt(b.mean(b.square(b.subtract(x, mean)), axis=axis, keepdims=keepdims))
