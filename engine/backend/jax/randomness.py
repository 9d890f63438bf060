"""Seeded random numbers for the JAX backend.

The contract's seed, an int32 pair, becomes the data of a threefry key, so the same seed
gives the same numbers eagerly and inside jit, and a traced seed works too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from engine.backend.jax.core import jax_dtype


class RandomOps:
    """random_uniform and random_normal of the contract."""

    def random_uniform(self, shape, seed, minval=0.0, maxval=1.0, dtype=None):
        dtype = jax_dtype(dtype or "float32")
        return jax.random.uniform(_key(seed), _shape(shape), dtype, minval, maxval)

    def random_normal(self, shape, seed, mean=0.0, stddev=1.0, dtype=None):
        dtype = jax_dtype(dtype or "float32")
        return mean + stddev * jax.random.normal(_key(seed), _shape(shape), dtype)


def _key(seed):
    bits = lax.bitcast_convert_type(jnp.asarray(seed, jnp.int32), jnp.uint32)
    return jax.random.wrap_key_data(bits, impl="threefry2x32")


def _shape(shape) -> tuple:
    return (shape,) if isinstance(shape, int) else tuple(shape)
