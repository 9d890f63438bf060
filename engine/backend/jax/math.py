"""Elementwise math, activations, reductions and linear algebra for the JAX backend.

Python and NumPy scalars are weakly typed on either side of a binary op, so float32 stays
float32. Where the contract fixes a gradient that JAX's own op computes differently, the op
is written out: maximum/minimum give ties to `a` (JAX splits them) and clip passes the
gradient at its bounds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from engine.backend.jax import statistics
from engine.backend.jax.core import operand, promoted


class MathOps:
    """Elementwise, activation, reduction and linear-algebra ops of the contract."""

    # ---------------------------------------------------------------- elementwise math
    def add(self, a, b):
        return jnp.add(operand(a), operand(b))

    def subtract(self, a, b):
        return jnp.subtract(operand(a), operand(b))

    def multiply(self, a, b):
        return jnp.multiply(operand(a), operand(b))

    def divide(self, a, b):
        return jnp.divide(operand(a), operand(b))

    def power(self, a, b):
        return jnp.power(operand(a), operand(b))

    def maximum(self, a, b):
        a, b = operand(a), operand(b)
        return jnp.where(jnp.greater_equal(a, b), a, b)

    def minimum(self, a, b):
        a, b = operand(a), operand(b)
        return jnp.where(jnp.less_equal(a, b), a, b)

    def negative(self, x):
        return jnp.negative(x)

    def abs(self, x):
        return jnp.abs(x)

    def sign(self, x):
        return jnp.sign(x)

    def square(self, x):
        return jnp.square(x)

    def sqrt(self, x):
        return jnp.sqrt(x)

    def exp(self, x):
        return jnp.exp(x)

    def log(self, x):
        return jnp.log(x)

    def log1p(self, x):
        return jnp.log1p(x)

    def sin(self, x):
        return jnp.sin(x)

    def cos(self, x):
        return jnp.cos(x)

    def erf(self, x):
        return jax.scipy.special.erf(x)

    def floor(self, x):
        return jnp.floor(jax.lax.stop_gradient(x))

    def clip(self, x, low, high):
        low, high = operand(low), operand(high)
        return jnp.where(x < low, low, jnp.where(x > high, high, x))

    def where(self, condition, a, b):
        return jnp.where(condition, operand(a), operand(b))

    def equal(self, a, b):
        return jnp.equal(operand(a), operand(b))

    def not_equal(self, a, b):
        return jnp.not_equal(operand(a), operand(b))

    def greater(self, a, b):
        return jnp.greater(operand(a), operand(b))

    def greater_equal(self, a, b):
        return jnp.greater_equal(operand(a), operand(b))

    def less(self, a, b):
        return jnp.less(operand(a), operand(b))

    def less_equal(self, a, b):
        return jnp.less_equal(operand(a), operand(b))

    def logical_and(self, a, b):
        return jnp.logical_and(operand(a), operand(b))

    def logical_or(self, a, b):
        return jnp.logical_or(operand(a), operand(b))

    def logical_not(self, x):
        return jnp.logical_not(x)

    def isfinite(self, x):
        return jnp.isfinite(x)

    # ----------------------------------------------------------------------- activations
    def relu(self, x):
        return jax.nn.relu(x)

    def leaky_relu(self, x, negative_slope=0.2):
        return jax.nn.leaky_relu(x, negative_slope)

    def gelu(self, x, approximate=True):
        return jax.nn.gelu(x, approximate=approximate)

    def silu(self, x):
        return jax.nn.silu(x)

    def tanh(self, x):
        return jnp.tanh(x)

    def sigmoid(self, x):
        return jax.nn.sigmoid(x)

    def softplus(self, x):
        return jax.nn.softplus(x)

    def softmax(self, x, axis=-1):
        return jax.nn.softmax(x, axis=axis)

    def log_softmax(self, x, axis=-1):
        return jax.nn.log_softmax(x, axis=axis)

    # ------------------------------------------------------------------------ reductions
    def sum(self, x, axis=None, keepdims=False):
        return jnp.sum(x, axis=axis, keepdims=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return jnp.mean(x, axis=axis, keepdims=keepdims)

    def max(self, x, axis=None, keepdims=False):
        return jnp.max(x, axis=axis, keepdims=keepdims)

    def min(self, x, axis=None, keepdims=False):
        return jnp.min(x, axis=axis, keepdims=keepdims)

    def summary_statistics(self, tensors):
        return statistics.summary_statistics(
            self, [operand(t) for t in tensors], super().summary_statistics
        )

    def logsumexp(self, x, axis=None, keepdims=False):
        return jax.nn.logsumexp(x, axis=axis, keepdims=keepdims)

    def argmax(self, x, axis=-1):
        return jnp.argmax(x, axis=axis).astype(jnp.int32)

    def argmin(self, x, axis=-1):
        return jnp.argmin(x, axis=axis).astype(jnp.int32)

    # --------------------------------------------------------------------- linear algebra
    def matmul(self, a, b):
        return jnp.matmul(*promoted(a, b))

    def einsum(self, equation, *operands):
        return jnp.einsum(equation, *promoted(*operands))
