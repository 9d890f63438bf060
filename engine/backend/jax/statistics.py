"""summary_statistics on JAX: variadic reduces over groups of values (grouped_moments.py) for
big tensors, the contract's composed ops for the rest.

XLA fuses the composed ops of many small tensors into a few kernels, and on the benchmarks'
transformer (tensors of up to 2^19 values) grouping gained nothing; it pays from about a
million values (a CNN's gradient at its first max pool, 2.8M values: 7.3 ms -> 0.9 ms, and
14 MB less scratch memory for its capture step). JAX has no rule to differentiate a reduce
with its own reducer, so the grouped rows carry the composed ops' derivative (a custom JVP).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax

from engine.backend.grouped_moments import moment_rows

# Tensors of at least this many values are reduced in groups.
GROUPED_FROM = 1 << 20


def summary_statistics(backend, tensors, composed):
    """Rows [mean, Σ(x - mean)², Σ|x|, min, max] of the float `tensors` (all of one dtype), as
    one array in their dtype; `composed(tensors)` is the contract's version."""
    big = [i for i, t in enumerate(tensors) if math.prod(t.shape) >= GROUPED_FROM]
    if not big:
        return composed(tensors)
    small = [i for i in range(len(tensors)) if i not in big]
    rows = dict(zip(big, _grouped(backend, [tensors[i] for i in big], composed)))
    if small:
        rows.update(zip(small, composed([tensors[i] for i in small])))
    return jnp.stack([rows[i] for i in range(len(tensors))])


def _grouped(backend, tensors, composed):
    """moment_rows of `tensors`, with the derivative of `composed`."""

    @jax.custom_jvp
    def reduced(*arrays):
        return moment_rows(backend, arrays, _reduce)

    @reduced.defjvp
    def reduced_jvp(primals, tangents):
        _, tangent = jax.jvp(lambda *arrays: composed(list(arrays)), primals, tangents)
        return reduced(*primals), tangent

    return reduced(*tensors)


def _reduce(columns, axes):
    """Sums of the first three `columns`, min of the fourth and max of the fifth, over `axes`,
    in one pass."""
    dtype = columns[0].dtype
    zero, infinity = jnp.zeros((), dtype), jnp.asarray(jnp.inf, dtype)
    return list(
        lax.reduce(tuple(columns), (zero, zero, zero, infinity, -infinity), _combine, axes)
    )


def _combine(a, b):
    return (
        a[0] + b[0],
        a[1] + b[1],
        a[2] + b[2],
        jnp.minimum(a[3], b[3]),
        jnp.maximum(a[4], b[4]),
    )
