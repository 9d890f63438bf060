"""Convolution and pooling for the TensorFlow backend, in the contract's channels-last layout.

TensorFlow's layouts and "SAME" rule are the contract's. One gap: tf.nn.convolution rejects
strides > 1 together with dilation > 1, so that case pads explicitly, convolves at stride 1
and keeps every stride-th output, which selects exactly the strided windows.
"""

from __future__ import annotations

from engine.backend.tensorflow.core import promoted, tensor
from engine.backend.tensorflow.framework import tf
from engine.backend.windows import check_padding, same_padding, spatial_rank, spatial_tuple


class NNOps:
    """Convolution and pooling ops of the contract."""

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
