"""Convolution and pooling for the torch backend, in the contract's channels-last layout.

torch computes channels-first (N, C, *spatial) with OIHW kernels, so inputs are permuted on
the way in and out. "same" padding follows TensorFlow's rule, which can pad one more cell
after than before; torch's own padding is symmetric, so we pad explicitly with F.pad.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from engine.backend.convolution import feature_groups, transposed_geometry
from engine.backend.torch.core import promoted, tensor
from engine.backend.windows import check_padding, same_padding, spatial_rank, spatial_tuple

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class NNOps:
    """Convolution and pooling ops of the contract."""

    def conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        x, kernel = promoted(x, kernel)
        rank = spatial_rank(x.shape, "conv/pool")
        strides = spatial_tuple(strides, rank, "strides")
        dilation = spatial_tuple(dilation_rate, rank, "dilation_rate")
        size, groups = kernel.shape[:rank], feature_groups(x.shape, kernel.shape)
        x = _pad_same(_channels_first(x), size, strides, dilation, padding, value=0.0)
        weight = kernel.permute(rank + 1, rank, *range(rank))  # (*k, in, out) -> (out, in, *k)
        return _channels_last(
            _CONV[rank](x, weight, stride=strides, dilation=dilation, groups=groups)
        )

    def conv_transpose(self, x, kernel, strides=1, padding="valid", output_padding=None,
                       dilation_rate=1):
        x, kernel = promoted(x, kernel)
        strides, dilation, sizes, befores = transposed_geometry(
            x.shape, kernel.shape, strides, padding, output_padding, dilation_rate)
        rank = len(strides)
        weight = kernel.permute(rank + 1, rank, *range(rank))  # (*k, out, in) -> (in, out, *k)
        full = _CONV_TRANSPOSE[rank](_channels_first(x), weight, stride=strides,
                                     dilation=dilation)
        # keep `size` cells from `before` on: negative padding crops, positive adds zeros
        pairs = [(-before, size + before - whole) for before, size, whole in
                 zip(befores, sizes, full.shape[2:])]
        return _channels_last(F.pad(full, [amount for pair in reversed(pairs) for amount in pair]))

    def max_pool(self, x, pool_size, strides=None, padding="valid"):
        return _pool(_MAX_POOL, tensor(x), pool_size, strides, padding, -math.inf)

    def avg_pool(self, x, pool_size, strides=None, padding="valid"):
        x = tensor(x)
        means = _pool(_AVG_POOL, x, pool_size, strides, padding, 0.0)
        if padding != "same":
            return means
        # Divide by the number of real cells per window, not the window size (TF's rule):
        # the mean over a zero-padded ones tensor is exactly count / window size.
        mask = torch.ones((1, *x.shape[1:-1], 1), dtype=x.dtype, device=x.device)
        return means / _pool(_AVG_POOL, mask, pool_size, strides, padding, 0.0)


def _pool(pools, x, pool_size, strides, padding, fill):
    """Pool channels-last `x` with pools[rank], padding "same" windows with `fill`."""
    rank = spatial_rank(x.shape, "conv/pool")
    size = spatial_tuple(pool_size, rank, "pool_size")
    strides = size if strides is None else spatial_tuple(strides, rank, "strides")
    padded = _pad_same(_channels_first(x), size, strides, (1,) * rank, padding, fill)
    return _channels_last(pools[rank](padded, size, strides))


def _channels_first(x):
    return x.movedim(-1, 1)


def _channels_last(x):
    return x.movedim(1, -1)


def _pad_same(x, size, strides, dilation, padding, value):
    """`x` (channels-first) padded by TensorFlow's "same" rule, or unchanged for "valid"."""
    if check_padding(padding) == "valid":
        return x
    pairs = map(same_padding, x.shape[2:], size, strides, dilation)
    flat = [amount for pair in reversed(list(pairs)) for amount in pair]
    return F.pad(x, flat, value=value)
