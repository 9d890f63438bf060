"""Elementwise math, comparisons and logic, each with its gradient rule."""

from __future__ import annotations

import math

import numpy as np

from engine.backend.numpy.traced import no_gradient, primitive

# ------------------------------------------------------------------------------ arithmetic
add = primitive(lambda g, out, a, b: g, lambda g, out, a, b: g)(np.add)
subtract = primitive(lambda g, out, a, b: g, lambda g, out, a, b: -g)(np.subtract)
multiply = primitive(lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)(np.multiply)
divide = primitive(
    lambda g, out, a, b: g / b,
    lambda g, out, a, b: -g * out / b,
)(np.divide)
negative = primitive(lambda g, out, x: -g)(np.negative)


def _log_of_positive(a):
    """log(a) where a > 0, else 0: d(a**b)/db is only defined for a positive base."""
    a = np.asarray(a)
    return np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)


power = primitive(
    lambda g, out, a, b: g * b * np.power(a, b - 1),
    lambda g, out, a, b: g * out * _log_of_positive(a),
)(np.power)

# Ties (a == b) send the gradient to `a`, as the contract asks.
maximum = primitive(
    lambda g, out, a, b: g * (a >= b),
    lambda g, out, a, b: g * (a < b),
)(np.maximum)
minimum = primitive(
    lambda g, out, a, b: g * (a <= b),
    lambda g, out, a, b: g * (a > b),
)(np.minimum)

# ------------------------------------------------------------------------ unary functions
absolute = primitive(lambda g, out, x: g * np.sign(x))(np.abs)
square = primitive(lambda g, out, x: 2 * g * x)(np.square)
sqrt = primitive(lambda g, out, x: g / (2 * out))(np.sqrt)
exp = primitive(lambda g, out, x: g * out)(np.exp)
log = primitive(lambda g, out, x: g / x)(np.log)
log1p = primitive(lambda g, out, x: g / (1 + x))(np.log1p)
sin = primitive(lambda g, out, x: g * np.cos(x))(np.sin)
cos = primitive(lambda g, out, x: -g * np.sin(x))(np.cos)

_math_erf = np.frompyfunc(math.erf, 1, 1)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _float_dtype(x) -> np.dtype:
    """The dtype a float function of `x` returns: x's own when it is float, else float64."""
    x_dtype = np.result_type(x)
    return x_dtype if x_dtype.kind == "f" else np.dtype("float64")


@primitive(lambda g, out, x: g * _TWO_OVER_SQRT_PI * np.exp(-np.square(x)))
def erf(x):
    """The error function, exact to float64 precision (math.erf applied to each element)."""
    return np.asarray(_math_erf(x), dtype=_float_dtype(x))


@primitive(lambda g, out, x, low, high: g * ((x >= low) & (x <= high)))
def clip(x, low, high):
    return np.clip(x, low, high)


where = primitive(
    None,
    lambda g, out, condition, a, b: np.where(condition, g, 0),
    lambda g, out, condition, a, b: np.where(condition, 0, g),
)(np.where)

# -------------------------------------------------- no gradient: piecewise constant or boolean
sign = no_gradient(np.sign)
floor = no_gradient(np.floor)
equal = no_gradient(np.equal)
not_equal = no_gradient(np.not_equal)
greater = no_gradient(np.greater)
greater_equal = no_gradient(np.greater_equal)
less = no_gradient(np.less)
less_equal = no_gradient(np.less_equal)
logical_and = no_gradient(np.logical_and)
logical_or = no_gradient(np.logical_or)
logical_not = no_gradient(np.logical_not)
isfinite = no_gradient(np.isfinite)

# ------------------------------------------------------------- inverse functions (keras.ops)
arcsin = primitive(lambda g, out, x: g / np.sqrt(1 - np.square(x)))(np.arcsin)
arccos = primitive(lambda g, out, x: -g / np.sqrt(1 - np.square(x)))(np.arccos)
arctan = primitive(lambda g, out, x: g / (1 + np.square(x)))(np.arctan)
arctan2 = primitive(
    lambda g, out, a, b: g * b / (np.square(a) + np.square(b)),
    lambda g, out, a, b: -g * a / (np.square(a) + np.square(b)),
)(np.arctan2)
arcsinh = primitive(lambda g, out, x: g / np.sqrt(np.square(x) + 1))(np.arcsinh)
arccosh = primitive(lambda g, out, x: g / np.sqrt(np.square(x) - 1))(np.arccosh)
arctanh = primitive(lambda g, out, x: g / (1 - np.square(x)))(np.arctanh)

_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2


@primitive(lambda g, out, x: g * _SQRT_PI_OVER_TWO * np.exp(np.square(out)))
def erfinv(x):
    """The inverse of erf: a closed-form first guess, then Newton steps on erf (each with
    math.erf's float64 precision); ±1 give ±inf and values outside [-1, 1] NaN."""
    y = np.asarray(x, dtype=np.float64)
    inside = np.abs(y) < 1
    clear = np.where(inside, y, 0.0)
    w = -np.log((1 - clear) * (1 + clear))
    t = 2 / (np.pi * 0.147) - w / 2  # Winitzki's approximation, within 2e-3
    guess = np.sign(clear) * np.sqrt(np.sqrt(np.square(t) + w / 0.147) - t)
    for _ in range(4):
        error = np.asarray(_math_erf(guess), dtype=np.float64) - clear
        guess = guess - error / (_TWO_OVER_SQRT_PI * np.exp(-np.square(guess)))
    out = np.where(inside, guess, np.where(np.abs(y) == 1, np.copysign(np.inf, y), np.nan))
    return out.astype(_float_dtype(x))


signbit = no_gradient(np.signbit)
logical_xor = no_gradient(np.logical_xor)


@no_gradient
def integer_op(operation, x1, x2=None):
    function = getattr(np, "invert" if operation == "bitwise_invert" else operation)
    return function(x1) if x2 is None else function(x1, x2)
