"""Activation functions and (log-)softmax, each a primitive with its own gradient rule."""

from __future__ import annotations

import math

import numpy as np

from engine.backend.numpy.elementwise import erf
from engine.backend.numpy.reductions import axis_argument
from engine.backend.numpy.traced import primitive


@primitive(lambda g, out, x: g * (x > 0))
def relu(x):
    return np.maximum(x, 0)


@primitive(lambda g, out, x, negative_slope: g * np.where(x > 0, 1, negative_slope))
def _leaky_relu(x, negative_slope):
    return np.where(x > 0, x, x * negative_slope)


def leaky_relu(x, negative_slope=0.2):
    return _leaky_relu(x, negative_slope=negative_slope)


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp only ever sees -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@primitive(lambda g, out, x: g * out * (1 - out))
def sigmoid(x):
    return _sigmoid(x)


@primitive(lambda g, out, x: g * _sigmoid(x))
def softplus(x):
    return np.logaddexp(x, 0)


tanh = primitive(lambda g, out, x: g * (1 - np.square(out)))(np.tanh)


def _silu_gradient(g, out, x):
    s = _sigmoid(x)
    return g * s * (1 + x * (1 - s))


@primitive(_silu_gradient)
def silu(x):
    return x * _sigmoid(x)


# gelu, tanh approximation: 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2 / pi)
_C = math.sqrt(2 / math.pi)


def _gelu_tanh_gradient(g, out, x):
    t = np.tanh(_C * (x + 0.044715 * x**3))
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t**2) * _C * (1 + 3 * 0.044715 * x**2))


@primitive(_gelu_tanh_gradient)
def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(_C * (x + 0.044715 * x**3)))


# exact gelu: x * Phi(x), Phi the standard normal CDF and phi its density
def _gelu_erf_gradient(g, out, x):
    phi = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    return g * (0.5 * (1 + erf(x / math.sqrt(2))) + x * phi)


@primitive(_gelu_erf_gradient)
def _gelu_erf(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu(x, approximate=True):
    return _gelu_tanh(x) if approximate else _gelu_erf(x)


@primitive(lambda g, out, x, axis: out * (g - np.sum(g * out, axis=axis, keepdims=True)))
def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@primitive(lambda g, out, x, axis: g - np.exp(out) * np.sum(g, axis=axis, keepdims=True))
def _log_softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis=-1):
    return _softmax(x, axis=axis_argument(axis))


def log_softmax(x, axis=-1):
    return _log_softmax(x, axis=axis_argument(axis))
