"""Dense layers, convolution and pooling for the TensorFlow backend, in the contract's
channels-last layout (dense.py: a narrow kernel's gradient).

TensorFlow's layouts and "SAME" rule are the contract's. One gap: tf.nn.convolution rejects
strides > 1 together with dilation > 1, so that case pads explicitly, convolves at stride 1
and keeps every stride-th output, which selects exactly the strided windows.
"""

from __future__ import annotations

import math

from engine.backend.convolution import feature_groups, transposed_geometry
from engine.backend.tensorflow.autodiff import compiling_with_xla
from engine.backend.tensorflow.core import promoted, tensor
from engine.backend.tensorflow.dense import dense_matmul
from engine.backend.tensorflow.framework import tf
from engine.backend.windows import (
    check_padding,
    same_padding,
    spatial_rank,
    spatial_tuple,
    tiled_shape,
    tiling,
    window_axes,
)

_POOL_LAYOUTS = {1: "NWC", 2: "NHWC", 3: "NDHWC"}


class NNOps:
    """Dense, convolution and pooling ops of the contract."""

    def dense(self, x, kernel, bias=None):
        out = dense_matmul(*promoted(x, kernel))
        return out if bias is None else self.add(out, bias)

    def conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        x, kernel = promoted(x, kernel)
        rank = spatial_rank(x.shape, "conv/pool")
        strides = spatial_tuple(strides, rank, "strides")
        dilation = spatial_tuple(dilation_rate, rank, "dilation_rate")
        padding = check_padding(padding).upper()
        grouped = feature_groups(tuple(x.shape), tuple(kernel.shape)) > 1
        if (grouped or rank == 3) and not compiling_with_xla():
            # TensorFlow's CPU kernels lack some grouped convolutions, and eager Conv3D's
            # gradient fails under oneDNN; XLA has them all
            return _convolution_with_xla(x, kernel, strides, padding, dilation)
        return _convolution(x, kernel, strides, padding, dilation)

    def conv_transpose(self, x, kernel, strides=1, padding="valid", output_padding=None,
                       dilation_rate=1):
        x, kernel = promoted(x, kernel)
        strides, dilation, sizes, befores = transposed_geometry(
            tuple(x.shape), tuple(kernel.shape), strides, padding, output_padding,
            dilation_rate)
        # every cell the kernel reaches ("VALID"), then `size` cells kept from `before` on
        wholes = [(m - 1) * s + (k - 1) * d + 1 for m, s, k, d in
                  zip(x.shape[1:-1], strides, kernel.shape[:-2], dilation)]
        batch = tf.shape(x)[0] if x.shape[0] is None else x.shape[0]
        full = tf.nn.conv_transpose(x, kernel, [batch, *wholes, kernel.shape[-2]], strides,
                                    "VALID", dilations=dilation)
        crops = (slice(before, before + size) for before, size in zip(befores, sizes))
        kept = full[(slice(None), *crops, slice(None))]
        short = [(0, before + size - whole) for before, size, whole in
                 zip(befores, sizes, wholes)]
        return tf.pad(kept, [(0, 0), *(pair if pair[1] > 0 else (0, 0) for pair in short),
                             (0, 0)])

    def max_pool(self, x, pool_size, strides=None, padding="valid"):
        x = tensor(x)
        rank = spatial_rank(x.shape, "conv/pool")
        size = spatial_tuple(pool_size, rank, "pool_size")
        strides = size if strides is None else spatial_tuple(strides, rank, "strides")
        if rank == 3:
            return _planes_then_depth(self.max_pool, x, size, strides, padding)
        if strides == size and compiling_with_xla():
            return _tiled_max(x, size, check_padding(padding))
        return _pool(tf.nn.max_pool, x, pool_size, strides, padding)

    def avg_pool(self, x, pool_size, strides=None, padding="valid"):
        # TensorFlow's "SAME" average already leaves padded cells out of each mean.
        return _pool(tf.nn.avg_pool, x, pool_size, strides, padding)


def _convolution(x, kernel, strides, padding, dilation):
    if max(strides) == 1 or max(dilation) == 1:
        return tf.nn.convolution(x, kernel, strides=strides, padding=padding, dilations=dilation)
    if padding == "SAME":
        sizes, kernel_sizes = x.shape[1:-1], kernel.shape[:-2]
        pads = [
            same_padding(n, k, s, d) for n, k, s, d in zip(sizes, kernel_sizes, strides, dilation)
        ]
        x = tf.pad(x, [(0, 0), *pads, (0, 0)])
    dense = tf.nn.convolution(x, kernel, padding="VALID", dilations=dilation)
    return dense[(slice(None), *(slice(None, None, s) for s in strides), slice(None))]


_convolution_with_xla = tf.function(_convolution, jit_compile=True)


def _pool(pool, x, pool_size, strides, padding):
    x = tensor(x)
    rank = spatial_rank(x.shape, "conv/pool")
    size = spatial_tuple(pool_size, rank, "pool_size")
    strides = size if strides is None else spatial_tuple(strides, rank, "strides")
    # the layout named, or the eager gradient of a 3-D pool fails reading the op's data_format
    return pool(x, ksize=size, strides=strides, padding=check_padding(padding).upper(),
                data_format=_POOL_LAYOUTS[rank])


def _planes_then_depth(max_pool, x, size, strides, padding):
    """3-D max pooling as 2-D pooling of each depth slice, then of the slices over depth: the
    gradient of MaxPool3D goes to every tied maximum, 2-D MaxPool's to the first (the
    contract's rule), and a box's first maximum is its first slice's first."""
    _, depth, height, width, channels = x.shape
    planes = max_pool(tf.reshape(x, (-1, height, width, channels)), size[1:], strides[1:],
                      padding)
    _, rows, columns, _ = planes.shape
    stacks = max_pool(tf.reshape(planes, (-1, depth, rows * columns, channels)),
                      (size[0], 1), (strides[0], 1), padding)
    return tf.reshape(stacks, (-1, stacks.shape[1], rows, columns, channels))


def _tiled_max(x, size: tuple, padding: str):
    """Max pooling whose windows tile `x` (strides equal to the pool size), as a reshape and
    a max over the window axes, for XLA: its gradient of MaxPool is a select_and_scatter, many
    times slower on the CPU than this one's two elementwise passes (outside XLA, TensorFlow's
    MaxPool kernel is the faster). "same" pads with -inf."""
    kept, pads = tiling(x.shape[1:-1], size, padding)
    if kept != tuple(x.shape[1:-1]):  # no slice op when nothing is cut (its gradient pads)
        x = x[(slice(None), *(slice(0, n) for n in kept))]
    if any(before or after for before, after in pads):
        x = tf.pad(x, [(0, 0), *pads, (0, 0)], constant_values=-math.inf)
    batch, *shape = tiled_shape(tuple(x.shape), size)
    return _window_max(tf.reshape(x, (-1 if batch is None else batch, *shape)))


@tf.custom_gradient
def _window_max(windows):
    """The max over each window; its gradient goes to the window's first maximum (in
    row-major order), as MaxPool's does."""
    rank = windows.shape.rank
    axes = window_axes(rank)
    out = tf.reduce_max(windows, axis=axes)

    def gradient(upstream):
        cells = math.prod(windows.shape[a] for a in axes)
        # each cell's place in its window, row-major; the first that holds the max takes it
        order = tf.reshape(
            tf.range(cells), [windows.shape[a] if a in axes else 1 for a in range(rank)]
        )
        kept = [1 if a in axes else windows.shape[a] for a in range(rank)]
        kept[0] = -1  # the batch may be unknown while tracing
        hits = tf.where(windows == tf.reshape(out, kept), order, cells)
        first = tf.reduce_min(hits, axis=axes, keepdims=True)
        upstream = tf.reshape(upstream, kept)
        return tf.where(order == first, upstream, tf.zeros_like(upstream))

    return out, gradient
