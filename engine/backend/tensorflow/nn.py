"""Dense layers, convolution and pooling for the TensorFlow backend, in the contract's
channels-last layout (dense.py: a narrow kernel's gradient).

TensorFlow's layouts and "SAME" rule are the contract's. One gap: tf.nn.convolution rejects
strides > 1 together with dilation > 1, so that case pads explicitly, convolves at stride 1
and keeps every stride-th output, which selects exactly the strided windows.
"""

from __future__ import annotations

import math

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
        if max(strides) == 1 or max(dilation) == 1:
            return tf.nn.convolution(
                x, kernel, strides=strides, padding=padding, dilations=dilation
            )
        if padding == "SAME":
            sizes, kernel_sizes = x.shape[1:-1], kernel.shape[:-2]
            pads = [
                same_padding(n, k, s, d)
                for n, k, s, d in zip(sizes, kernel_sizes, strides, dilation)
            ]
            x = tf.pad(x, [(0, 0), *pads, (0, 0)])
        dense = tf.nn.convolution(x, kernel, padding="VALID", dilations=dilation)
        return dense[(slice(None), *(slice(None, None, s) for s in strides), slice(None))]

    def max_pool(self, x, pool_size, strides=None, padding="valid"):
        x = tensor(x)
        rank = spatial_rank(x.shape, "conv/pool")
        size = spatial_tuple(pool_size, rank, "pool_size")
        tiles = strides is None or spatial_tuple(strides, rank, "strides") == size
        if tiles and compiling_with_xla():
            return _tiled_max(x, size, check_padding(padding))
        return _pool(tf.nn.max_pool, x, pool_size, strides, padding)

    def avg_pool(self, x, pool_size, strides=None, padding="valid"):
        # TensorFlow's "SAME" average already leaves padded cells out of each mean.
        return _pool(tf.nn.avg_pool, x, pool_size, strides, padding)


def _pool(pool, x, pool_size, strides, padding):
    x = tensor(x)
    rank = spatial_rank(x.shape, "conv/pool")
    size = spatial_tuple(pool_size, rank, "pool_size")
    strides = size if strides is None else spatial_tuple(strides, rank, "strides")
    return pool(x, ksize=size, strides=strides, padding=check_padding(padding).upper())


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
