"""Convolution and pooling for the JAX backend, in the contract's channels-last layout.

XLA's "SAME" padding is TensorFlow's rule (output = ceil(input / stride), the odd cell
padded after), applied to the dilated kernel, so the contract's "same" maps onto it directly.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import lax

from engine.backend.jax.core import promoted

_DIMENSION_NUMBERS = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC")}


class NNOps:
    """Convolution and pooling ops of the contract."""

    def conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        x, kernel = promoted(x, kernel)
        rank = _spatial_rank(x)
        return lax.conv_general_dilated(
            x,
            kernel,
            window_strides=_per_axis(strides, rank, "strides"),
            padding=_padding(padding),
            rhs_dilation=_per_axis(dilation_rate, rank, "dilation_rate"),
            dimension_numbers=_DIMENSION_NUMBERS[rank],
        )

    def max_pool(self, x, pool_size, strides=None, padding="valid"):
        x = jnp.asarray(x)
        return _pool(x, -jnp.inf, lax.max, pool_size, strides, padding)

    def avg_pool(self, x, pool_size, strides=None, padding="valid"):
        x = jnp.asarray(x)
        sums = _pool(x, 0.0, lax.add, pool_size, strides, padding)
        if padding == "same":
            # Divide each window by the number of real (unpadded) cells it covers.
            ones = jnp.ones((1, *x.shape[1:-1], 1), x.dtype)
            return sums / _pool(ones, 0.0, lax.add, pool_size, strides, padding)
        return sums / math.prod(_per_axis(pool_size, _spatial_rank(x), "pool_size"))


def _pool(x, init, reducer, pool_size, strides, padding):
    """reducer over channels-last windows of `x`, padding "same" windows with `init`."""
    rank = _spatial_rank(x)
    size = _per_axis(pool_size, rank, "pool_size")
    strides = size if strides is None else _per_axis(strides, rank, "strides")
    return lax.reduce_window(x, init, reducer, (1, *size, 1), (1, *strides, 1), _padding(padding))


def _spatial_rank(x) -> int:
    rank = x.ndim - 2
    if rank not in _DIMENSION_NUMBERS:
        raise ValueError(
            f"Expected a 1-D (batch, width, channels) or 2-D (batch, height, width, channels) "
            f"input, got shape {tuple(x.shape)}."
        )
    return rank


def _per_axis(value, rank, name) -> tuple:
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank:
        raise ValueError(f"{name} needs one value per spatial axis ({rank}), got {value!r}.")
    return values


def _padding(padding) -> str:
    if padding not in ("valid", "same"):
        raise ValueError(f'padding must be "valid" or "same", got {padding!r}.')
    return padding.upper()
