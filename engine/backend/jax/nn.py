"""Dense layers, convolution and pooling for the JAX backend, in the contract's channels-last
layout (dense.py: a narrow kernel's gradient).

XLA's "SAME" padding is TensorFlow's rule (output = ceil(input / stride), the odd cell
padded after), applied to the dilated kernel, so the contract's "same" maps onto it directly.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax

from engine.backend.convolution import feature_groups, transposed_geometry
from engine.backend.jax.core import promoted
from engine.backend.jax.dense import dense_matmul
from engine.backend.windows import (
    check_padding,
    spatial_rank,
    spatial_tuple,
    tiled_shape,
    tiling,
    window_axes,
)

_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _dimension_numbers(rank, kernel_layout="IO"):
    """lax's layout strings for channels-last inputs and a (*window, *kernel_layout) kernel."""
    spatial = _SPATIAL[rank]
    return f"N{spatial}C", spatial + kernel_layout, f"N{spatial}C"


class NNOps:
    """Dense, convolution and pooling ops of the contract."""

    def dense(self, x, kernel, bias=None):
        out = dense_matmul(*promoted(x, kernel))
        return out if bias is None else self.add(out, bias)

    def conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        x, kernel = promoted(x, kernel)
        rank = spatial_rank(x.shape, "conv/pool")
        return lax.conv_general_dilated(
            x,
            kernel,
            window_strides=spatial_tuple(strides, rank, "strides"),
            padding=check_padding(padding).upper(),
            rhs_dilation=spatial_tuple(dilation_rate, rank, "dilation_rate"),
            dimension_numbers=_dimension_numbers(rank),
            feature_group_count=feature_groups(x.shape, kernel.shape),
        )

    def conv_transpose(self, x, kernel, strides=1, padding="valid", output_padding=None,
                       dilation_rate=1):
        x, kernel = promoted(x, kernel)
        strides, dilation, sizes, befores = transposed_geometry(
            x.shape, kernel.shape, strides, padding, output_padding, dilation_rate)
        rank = len(strides)
        # a stride-1 convolution of x spread out by the strides, by the flipped kernel
        spans = [(k - 1) * d for k, d in zip(kernel.shape[:rank], dilation)]
        pads = [(span - before, n + before - (m - 1) * s - 1) for span, before, n, m, s in
                zip(spans, befores, sizes, x.shape[1:-1], strides)]
        return lax.conv_general_dilated(
            x,
            jnp.flip(kernel, tuple(range(rank))),
            window_strides=(1,) * rank,
            padding=pads,
            lhs_dilation=strides,
            rhs_dilation=dilation,
            dimension_numbers=_dimension_numbers(rank, "OI"),
        )

    def max_pool(self, x, pool_size, strides=None, padding="valid"):
        x = jnp.asarray(x)
        rank = spatial_rank(x.shape, "conv/pool")
        size = spatial_tuple(pool_size, rank, "pool_size")
        if strides is None or spatial_tuple(strides, rank, "strides") == size:
            return _tiled_max(x, size, check_padding(padding))
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




def _tiled_max(x, size: tuple, padding: str):
    """Max pooling whose windows tile `x` (strides equal to the pool size), as a reshape and
    a max over the window axes: XLA runs its gradient as two fused elementwise passes, where
    reduce_window's (select_and_scatter) is many times slower on the CPU (8x for a 2x2 pool of
    (128, 26, 26, 32)). "same" pads with -inf, as reduce_window does."""
    kept, pads = tiling(x.shape[1:-1], size, padding)
    x = x[(slice(None), *(slice(0, n) for n in kept))]
    if any(before or after for before, after in pads):
        x = jnp.pad(x, [(0, 0), *pads, (0, 0)], constant_values=-jnp.inf)
    return _window_max(x.reshape(tiled_shape(x.shape, size)))


@jax.custom_vjp
def _window_max(windows):
    """The max over each window; its gradient goes to the window's first maximum (in
    row-major order), as reduce_window's and every other backend's pooling do."""
    return jnp.max(windows, axis=window_axes(windows.ndim))


def _window_max_forward(windows):
    out = _window_max(windows)
    return out, (windows, out)


def _window_max_backward(residuals, gradient):
    windows, out = residuals
    axes = window_axes(windows.ndim)
    cells = math.prod(windows.shape[a] for a in axes)
    # each cell's place in its window, row-major; the first that holds the max takes it all
    order = jnp.arange(cells).reshape(
        [windows.shape[a] if a in axes else 1 for a in range(windows.ndim)]
    )
    hits = jnp.where(windows == jnp.expand_dims(out, axes), order, cells)
    first = jnp.min(hits, axis=axes, keepdims=True)
    return (jnp.where(order == first, jnp.expand_dims(gradient, axes), 0).astype(windows.dtype),)


_window_max.defvjp(_window_max_forward, _window_max_backward)
