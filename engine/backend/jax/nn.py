"""Convolution and pooling for the JAX backend, in the contract's channels-last layout.

XLA's "SAME" padding is TensorFlow's rule (output = ceil(input / stride), the odd cell
padded after), applied to the dilated kernel, so the contract's "same" maps onto it directly.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import lax

from engine.backend.jax.core import promoted
from engine.backend.windows import check_padding, spatial_rank, spatial_tuple

_DIMENSION_NUMBERS = {1: ("NWC", "WIO", "NWC"), 2: ("NHWC", "HWIO", "NHWC")}


class NNOps:
    """Convolution and pooling ops of the contract."""

    def conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        x, kernel = promoted(x, kernel)
        rank = spatial_rank(x.shape, "conv/pool")
        return lax.conv_general_dilated(
            x,
            kernel,
            window_strides=spatial_tuple(strides, rank, "strides"),
            padding=check_padding(padding).upper(),
            rhs_dilation=spatial_tuple(dilation_rate, rank, "dilation_rate"),
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
        return sums / math.prod(
            spatial_tuple(pool_size, spatial_rank(x.shape, "conv/pool"), "pool_size")
        )


def _pool(x, init, reducer, pool_size, strides, padding):
    """reducer over channels-last windows of `x`, padding "same" windows with `init`."""
    rank = spatial_rank(x.shape, "conv/pool")
    size = spatial_tuple(pool_size, rank, "pool_size")
    strides = size if strides is None else spatial_tuple(strides, rank, "strides")
    return lax.reduce_window(
        x, init, reducer, (1, *size, 1), (1, *strides, 1), check_padding(padding).upper()
    )
