"""Convolution (cross-correlation) and transposed convolution, 1-D to 3-D, channels-last,
with feature groups: one matmul per kernel tap.

A transposed convolution is the adjoint of a convolution: it scatters each input cell
through the kernel into the output, exactly as a convolution's input gradient does, so the
two share `_scatter` and each one's gradient is the other.
"""

from __future__ import annotations

import numpy as np

from engine.backend.convolution import feature_groups, transposed_geometry
from engine.backend.numpy.traced import primitive, unwrap
from engine.backend.numpy.windows import Windows
from engine.backend.windows import spatial_tuple


def _grouped(values, groups):
    """(..., channels) as (..., groups, channels / groups)."""
    return values.reshape(*np.shape(values)[:-1], groups, -1)


def _tap_forward(x, weights, groups):
    """x (..., in) through one tap's weights (in / groups, out): (..., out)."""
    if groups == 1:
        return x @ weights
    out = np.einsum("...gc,cgo->...go", _grouped(x, groups), _grouped(weights, groups))
    return out.reshape(*np.shape(x)[:-1], -1)


def _tap_backward(g, weights, groups):
    """g (..., out) back through one tap's weights (in / groups, out): (..., in)."""
    if groups == 1:
        return g @ weights.T
    back = np.einsum("...go,cgo->...gc", _grouped(g, groups), _grouped(weights, groups))
    return back.reshape(*np.shape(g)[:-1], -1)


def _convolve(x, kernel, windows, groups):
    padded = windows.pad(x)
    out = np.zeros(
        (np.shape(x)[0], *windows.out, np.shape(kernel)[-1]), dtype=np.result_type(x, kernel)
    )
    for tap, reads in windows.taps():
        out += _tap_forward(padded[reads], kernel[tap], groups)
    return out


def _scatter(g, kernel, windows, groups, shape):
    """Each cell of `g` (the windows' outputs) sent back through the kernel to the cells of
    the input (of `shape`) its window read."""
    batch, channels = shape[0], shape[-1]
    padded = (n + before + after for n, (before, after) in zip(windows.spatial, windows.pads))
    grad = np.zeros((batch, *padded, channels), dtype=np.result_type(g, kernel))
    for tap, reads in windows.taps():
        grad[reads] += _tap_backward(g, kernel[tap], groups)
    return windows.crop(grad)


def _kernel_product(x, g, windows, groups):
    """The kernel gradient of a convolution of `x` whose output gradient is `g`."""
    padded = windows.pad(x)
    kernel = np.zeros((*windows.kernel, np.shape(x)[-1] // groups, np.shape(g)[-1]),
                      dtype=np.result_type(x, g))
    for tap, reads in windows.taps():
        if groups == 1:
            rows = padded[reads].reshape(-1, np.shape(x)[-1])
            kernel[tap] = rows.T @ g.reshape(-1, np.shape(g)[-1])
        else:
            rows = _grouped(padded[reads], groups).reshape(-1, groups, np.shape(kernel)[-2])
            columns = _grouped(g, groups).reshape(rows.shape[0], groups, -1)
            products = np.einsum("ngc,ngo->cgo", rows, columns)
            kernel[tap] = products.reshape(np.shape(kernel)[-2:])
    return kernel


@primitive(
    lambda g, out, x, kernel, windows, groups: _scatter(g, kernel, windows, groups, np.shape(x)),
    lambda g, out, x, kernel, windows, groups: _kernel_product(x, g, windows, groups),
)
def _conv(x, kernel, windows, groups):
    return _convolve(x, kernel, windows, groups)


@primitive(
    lambda g, out, x, kernel, windows: _convolve(g, kernel, windows, 1),
    lambda g, out, x, kernel, windows: _kernel_product(g, x, windows, 1),
)
def _conv_transpose(x, kernel, windows):
    return _scatter(x, kernel, windows, 1, (np.shape(x)[0], *windows.spatial, np.shape(kernel)[-2]))


def conv(x, kernel, strides=1, padding="valid", dilation_rate=1):
    x_shape, kernel_shape = np.shape(unwrap(x)), np.shape(unwrap(kernel))
    groups = feature_groups(x_shape, kernel_shape)
    rank = len(x_shape) - 2
    strides = spatial_tuple(strides, rank, "strides")
    dilation = spatial_tuple(dilation_rate, rank, "dilation_rate")
    windows = Windows.of(x_shape[1:-1], kernel_shape[:rank], strides, dilation, padding)
    return _conv(x, kernel, windows=windows, groups=groups)


def conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    x_shape, kernel_shape = np.shape(unwrap(x)), np.shape(unwrap(kernel))
    strides, dilation, sizes, befores = transposed_geometry(
        x_shape, kernel_shape, strides, padding, output_padding, dilation_rate)
    window = kernel_shape[:-2]
    # the convolution whose adjoint this is reads the output padded by `before` cells, and
    # after it as far as its last window reaches (cells past that get nothing)
    pads = tuple(
        (before, max((m - 1) * s + (k - 1) * d + 1 - n - before, 0))
        for m, s, k, d, n, before in zip(x_shape[1:-1], strides, window, dilation, sizes, befores)
    )
    windows = Windows(sizes, window, strides, dilation, pads, tuple(x_shape[1:-1]))
    return _conv_transpose(x, kernel, windows=windows)
