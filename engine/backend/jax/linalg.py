"""keras.ops.linalg's decompositions and solves on the JAX backend (jnp.linalg and lax);
JAX differentiates them itself."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from engine.backend import matrix_checks as checks


def _symmetric(x):
    return (x + jnp.swapaxes(x, -1, -2)) / 2


def _as_columns(a, b):
    """b as a stack of columns for a solve with `a` (a vector gains an axis), and whether
    that axis is to be taken off again."""
    return (b[..., None], True) if jnp.ndim(b) == jnp.ndim(a) - 1 else (b, False)


class LinalgOps:
    """Decompositions, solves and jvp of the contract."""

    def cholesky(self, x, upper=False):
        checks.square_matrices("cholesky", jnp.shape(x))
        return jnp.linalg.cholesky(x, upper=upper)

    def det(self, x):
        checks.square_matrices("det", jnp.shape(x))
        return jnp.linalg.det(x)

    def slogdet(self, x):
        checks.square_matrices("slogdet", jnp.shape(x))
        return tuple(jnp.linalg.slogdet(x))

    def inv(self, x):
        checks.square_matrices("inv", jnp.shape(x))
        return jnp.linalg.inv(x)

    def solve(self, a, b):
        checks.solve_operands("solve", jnp.shape(a), jnp.shape(b))
        columns, vector = _as_columns(a, b)
        x = jnp.linalg.solve(a, columns)
        return x[..., 0] if vector else x

    def solve_triangular(self, a, b, lower=False):
        checks.solve_operands("solve_triangular", jnp.shape(a), jnp.shape(b))
        columns, vector = _as_columns(a, b)
        x = jax.scipy.linalg.solve_triangular(a, columns, lower=lower)
        return x[..., 0] if vector else x

    def eigh(self, x):
        checks.square_matrices("eigh", jnp.shape(x))
        return tuple(jnp.linalg.eigh(_symmetric(x)))

    def eig(self, x):
        checks.square_matrices("eig", jnp.shape(x))
        return tuple(jnp.linalg.eig(x))

    def qr(self, x, mode="reduced"):
        checks.matrices("qr", jnp.shape(x))
        checks.qr_mode(mode)
        return tuple(jnp.linalg.qr(x, mode=mode))

    def svd(self, x, full_matrices=True, compute_uv=True):
        checks.matrices("svd", jnp.shape(x))
        result = jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
        return tuple(result) if compute_uv else result

    def lu_factor(self, x):
        checks.matrices("lu_factor", jnp.shape(x))
        lu, pivots, _ = jax.lax.linalg.lu(x)
        return lu, pivots.astype(jnp.int32)

    def jvp(self, fun, primals, tangents, has_aux=False):
        return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
