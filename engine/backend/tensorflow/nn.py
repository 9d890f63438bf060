"""Convolution and pooling for the TensorFlow backend, in the contract's channels-last layout.

TensorFlow's layouts and "SAME" rule are the contract's. One gap: tf.nn.convolution rejects
strides > 1 together with dilation > 1, so that case pads explicitly, convolves at stride 1
and keeps every stride-th output, which selects exactly the strided windows.
"""

from __future__ import annotations

from engine.backend.tensorflow.core import promoted, tensor
from engine.backend.tensorflow.framework import tf


class NNOps:
    """Convolution and pooling ops of the contract."""

    def conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        x, kernel = promoted(x, kernel)
        rank = _spatial_rank(x)
        strides = _per_axis(strides, rank, "strides")
        dilation = _per_axis(dilation_rate, rank, "dilation_rate")
        padding = _padding(padding)
        if max(strides) == 1 or max(dilation) == 1:
            return tf.nn.convolution(
                x, kernel, strides=strides, padding=padding, dilations=dilation
            )
        if padding == "SAME":
            sizes, kernel_sizes = x.shape[1:-1], kernel.shape[:-2]
            pads = [
                _same_padding(n, k, s, d)
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
    rank = _spatial_rank(x)
    size = _per_axis(pool_size, rank, "pool_size")
    strides = size if strides is None else _per_axis(strides, rank, "strides")
    return pool(x, ksize=size, strides=strides, padding=_padding(padding))


def _same_padding(size, kernel_size, stride, dilation) -> tuple:
    """(before, after) padding of one axis under TensorFlow's "same" rule."""
    span = (kernel_size - 1) * dilation + 1
    total = max((-(-size // stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _spatial_rank(x) -> int:
    rank = x.shape.rank - 2
    if rank not in (1, 2):
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
