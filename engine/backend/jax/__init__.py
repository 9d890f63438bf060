"""The JAX backend: the contract (engine/backend/contract.py) on jax.Arrays.

Arrays live on JAX's default device (the first GPU when one is visible) and matmuls and
convolutions compute in full float32 ("highest" precision, no TF32). Notes where JAX differs
from the other frameworks:
- x64 mode stays off (the global setting is left alone), so "float64", "int64" and "uint64"
  are served as float32, int32 and uint32: convert, cast and the creation ops narrow them.
- `jit` is jax.jit: arguments are traced, so Python values that steer control flow must be
  closed over rather than passed in.
- max pooling sends the gradient to one position when a window holds ties (XLA's
  select-and-scatter); the max/min reductions split it evenly.
"""

from __future__ import annotations

from engine.backend.contract import Backend
from engine.backend.jax.arrays import ArrayOps
from engine.backend.jax.autodiff import AutodiffOps
from engine.backend.jax.core import dtype_name, jax_dtype
from engine.backend.jax.linalg import LinalgOps
from engine.backend.jax.math import MathOps
from engine.backend.jax.nn import NNOps
from engine.backend.jax.randomness import RandomOps


class JaxBackend(ArrayOps, MathOps, LinalgOps, NNOps, RandomOps, AutodiffOps, Backend):
    """The contract on jax.Arrays."""

    name = "jax"
    extra = "jax"

    def stored_dtype(self, dtype: str) -> str:
        return dtype_name(jax_dtype(dtype))


backend = JaxBackend()

__all__ = ["JaxBackend", "backend"]
