"""Convolution (cross-correlation), 1-D and 2-D, channels-last: one matmul per kernel tap.

1-D inputs run as 2-D ones of height 1.
"""

from __future__ import annotations

import numpy as np

from engine.backend.numpy.shapes import expand_dims, squeeze
from engine.backend.numpy.traced import primitive, unwrap
from engine.backend.numpy.windows import Windows
from engine.backend.windows import spatial_rank, spatial_tuple


def _input_gradient(g, out, x, kernel, windows):
    grad = windows.padded_zeros(x, np.result_type(g))
    for (i, j), reads in windows.taps():
        grad[reads] += g @ kernel[i, j].T
    return windows.crop(grad)


def _kernel_gradient(g, out, x, kernel, windows):
    padded = windows.pad(x)
    in_channels, out_channels = np.shape(kernel)[-2:]
    g_rows = g.reshape(-1, out_channels)  # one row per (batch, output position)
    grad = np.zeros(np.shape(kernel), dtype=np.result_type(g))
    for (i, j), reads in windows.taps():
        grad[i, j] = padded[reads].reshape(-1, in_channels).T @ g_rows
    return grad


@primitive(_input_gradient, _kernel_gradient)
def _conv2d(x, kernel, windows):
    padded = windows.pad(x)
    out = np.zeros(
        (np.shape(x)[0], *windows.out, np.shape(kernel)[-1]), dtype=np.result_type(x, kernel)
    )
    for (i, j), reads in windows.taps():
        out += padded[reads] @ kernel[i, j]
    return out


def conv(x, kernel, strides=1, padding="valid", dilation_rate=1):
    x_shape, kernel_shape = np.shape(unwrap(x)), np.shape(unwrap(kernel))
    rank = spatial_rank(x_shape, "conv")
    strides = spatial_tuple(strides, rank, "strides")
    dilation = spatial_tuple(dilation_rate, rank, "dilation_rate")
    if len(kernel_shape) != rank + 2 or kernel_shape[-2] != x_shape[-1]:
        raise ValueError(
            f"conv of an input of shape {x_shape} needs a kernel of shape "
            f"(*kernel_size, {x_shape[-1]}, out_channels) with {rank} kernel_size values, "
            f"got {kernel_shape}."
        )
    if rank == 1:
        out = conv(
            expand_dims(x, 1), expand_dims(kernel, 0), (1, *strides), padding, (1, *dilation)
        )
        return squeeze(out, 1)
    windows = Windows.of(x_shape[1:3], kernel_shape[:2], strides, dilation, padding)
    return _conv2d(x, kernel, windows=windows)
