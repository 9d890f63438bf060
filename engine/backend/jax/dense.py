"""The matmul of a dense layer on JAX, with a narrow kernel's gradient computed the way round
XLA's CPU backend runs fastest (engine/backend/weight_gradient.py)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from engine.backend.weight_gradient import transposed_is_faster

# contract the leading (row) axis of both operands
_OVER_ROWS = (((0,), (0,)), ((), ()))


def dense_matmul(x, kernel):
    """x @ kernel over the last axis of `x` (any rank >= 2), kernel (in, out): on the CPU,
    a narrow kernel's gradient comes from an (out, in) product."""
    if (
        kernel.ndim == 2
        and x.ndim >= 2
        and jnp.issubdtype(x.dtype, jnp.floating)
        and jax.default_backend() == "cpu"
        and transposed_is_faster(*kernel.shape)
    ):
        return _narrow_matmul(x, kernel)
    return jnp.matmul(x, kernel)


@jax.custom_vjp
def _narrow_matmul(x, kernel):
    return jnp.matmul(x, kernel)


def _narrow_matmul_forward(x, kernel):
    return jnp.matmul(x, kernel), (x, kernel)


def _narrow_matmul_backward(residuals, gradient):
    x, kernel = residuals
    rows = x.reshape(-1, x.shape[-1])
    gradient_rows = gradient.reshape(-1, gradient.shape[-1])
    # (out, in), kept from XLA's simplifier, which would fold the transpose into the dot
    transposed = _barrier(lax.dot_general(gradient_rows, rows, _OVER_ROWS))
    return jnp.matmul(gradient, kernel.T), transposed.T


_narrow_matmul.defvjp(_narrow_matmul_forward, _narrow_matmul_backward)


def _barrier(x):
    """x, which XLA's simplifier leaves as it is."""
    return lax.optimization_barrier(x)
