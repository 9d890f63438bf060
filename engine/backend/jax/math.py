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
from engine.backend.jax.core import jax_dtype, operand, promoted


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

    # ------------------------------------------- keras.ops numerics: inverse functions, logic
    def arcsin(self, x):
        return jnp.arcsin(x)

    def arccos(self, x):
        return jnp.arccos(x)

    def arctan(self, x):
        return jnp.arctan(x)

    def arctan2(self, x1, x2):
        return jnp.arctan2(operand(x1), operand(x2))

    def arcsinh(self, x):
        return jnp.arcsinh(x)

    def arccosh(self, x):
        return jnp.arccosh(x)

    def arctanh(self, x):
        return jnp.arctanh(x)

    def erfinv(self, x):
        return jax.scipy.special.erfinv(x)

    def signbit(self, x):
        return jnp.signbit(x)

    def logical_xor(self, x1, x2):
        return jnp.logical_xor(operand(x1), operand(x2))

    def integer_op(self, operation, x1, x2=None):
        function = getattr(jnp, "invert" if operation == "bitwise_invert" else operation)
        return function(operand(x1)) if x2 is None else function(operand(x1), operand(x2))

    # --------------------------------------------------- keras.ops numerics: scans and sorts
    def cumsum(self, x, axis=None, dtype=None):
        return jnp.cumsum(x, axis=axis, dtype=_accumulator(x, dtype))

    def cumprod(self, x, axis=None, dtype=None):
        return jnp.cumprod(x, axis=axis, dtype=_accumulator(x, dtype))

    def sort(self, x, axis=-1):
        return jnp.sort(x, axis=axis)

    def argsort(self, x, axis=-1):
        return jnp.argsort(x, axis=axis, stable=True).astype(jnp.int32)

    def top_k(self, x, k, sorted=True):
        return jax.lax.top_k(x, k)

    def searchsorted(self, sorted_sequence, values, side="left"):
        return jnp.searchsorted(sorted_sequence, values, side=side).astype(jnp.int32)

    def prod(self, x, axis=None, keepdims=False, dtype=None):
        return jnp.prod(x, axis=axis, keepdims=keepdims, dtype=_accumulator(x, dtype))


def _accumulator(x, dtype):
    """The dtype of a running or whole sum or product: `dtype`, or x's (bool as int32)."""
    if dtype is not None:
        return jax_dtype(dtype)
    own = jnp.result_type(x)
    return jnp.int32 if own == jnp.bool_ else own
