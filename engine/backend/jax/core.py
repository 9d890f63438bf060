"""What every module of the JAX backend shares: dtype names and operand coercion.

Importing this module sets JAX's default matmul precision to "highest", so float32 matmuls
and convolutions on a GPU compute in full float32 (no TF32) and match the other backends,
and keeps freed host memory for reuse (engine/backend/host_memory.py).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from engine.backend.contract import DTYPES
from engine.backend.host_memory import keep_freed_memory

jax.config.update("jax_default_matmul_precision", "highest")
# XLA's CPU client takes every buffer from malloc, on its thread pool's threads: with glibc's
# defaults their heaps shrink and grow again between steps (a sixth of an MLP step here).
keep_freed_memory()


def jax_dtype(name: str) -> np.dtype:
    """The dtype JAX uses for `name` (one of DTYPES); 64-bit names narrow unless x64 is on."""
    if name not in DTYPES:
        raise ValueError(f"Unknown dtype {name!r}. Use one of: {', '.join(DTYPES)}.")
    return jax.dtypes.canonicalize_dtype(jnp.dtype(name))


def dtype_name(dtype) -> str:
    """The contract's name for a dtype ("float32", "int32", "bool", ...)."""
    return jnp.dtype(dtype).name


def convert(x, dtype=None):
    """A jax.Array from an array, NumPy data or Python data; dtype None keeps the input's.

    Python floats and ints become float32 and int32 (as Keras converts them) and the result
    is never weakly typed, so it behaves like any array of its dtype.
    """
    if dtype is not None:
        target = jax_dtype(dtype)
    elif hasattr(x, "dtype"):
        target = jax.dtypes.canonicalize_dtype(x.dtype)
    else:
        target = jax.dtypes.canonicalize_dtype(np.asarray(x).dtype)
    return jnp.asarray(x, dtype=target)


def operand(value):
    """A NumPy scalar as the Python scalar it holds, so JAX treats it as weakly typed.

    Weak scalars take the other side's dtype: float32 * np.float64(2) stays float32.
    """
    return value.item() if isinstance(value, np.generic) else value


def promoted(*xs):
    """Arrays cast to their common dtype, for ops (conv, concatenate) that need one."""
    xs = [jnp.asarray(operand(x)) for x in xs]
    common = jnp.result_type(*xs)
    return [x.astype(common) for x in xs]
