"""keras.ops.nn's ops that regroup spatial positions: adaptive pooling, depth_to_space and
space_to_depth, unfold and fold (PyTorch's im2col and col2im, channels first)."""

from __future__ import annotations

import numpy as np

from engine.composed_ops.inputs import as_array, current
from engine.ops import graph_aware


def _pair(value, count=2):
    return (int(value),) * count if np.isscalar(value) else tuple(int(v) for v in value)


# ------------------------------------------------------------------------ adaptive pooling
def _windows(size: int, output_size: int) -> list[tuple[int, int]]:
    """(start, stop) of each output point's window: floor(i * size / output_size) up to
    ceil((i + 1) * size / output_size), as PyTorch's and Keras's adaptive pooling."""
    return [(i * size // output_size, -(-(i + 1) * size // output_size))
            for i in range(output_size)]


def _adaptive_pool(function, reduce, inputs, output_size, data_format):
    from engine import config

    b, x = current(), as_array(inputs)
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{function}: data_format must be 'channels_last' or "
                         f"'channels_first'; got {data_format!r}.")
    rank = len(b.shape(x))
    if rank not in (3, 4, 5):
        raise ValueError(f"{function}: inputs must be (batch, *spatial, channels) with 1 to 3 "
                         f"spatial axes; got shape {b.shape(x)}.")
    sizes = _pair(output_size, rank - 2)
    if len(sizes) != rank - 2 or min(sizes) < 1:
        raise ValueError(f"{function}: output_size must be a positive int or {rank - 2} of "
                         f"them; got {output_size!r}.")
    first = 2 if data_format == "channels_first" else 1
    for axis, out in zip(range(first, first + rank - 2), sizes):
        x = reduce(x, axis, _windows(b.shape(x)[axis], out))
    return x


def _average_along(x, axis, windows):
    """The mean of each window along `axis`, as one contraction with a (windows, size)
    matrix of 1 / window size."""
    b = current()
    size = b.shape(x)[axis]
    matrix = np.zeros((len(windows), size))
    for row, (start, stop) in enumerate(windows):
        matrix[row, start:stop] = 1.0 / (stop - start)
    rank = len(b.shape(x))
    letters = "abcdefgh"[:rank]
    target = letters[:axis] + "z" + letters[axis + 1:]
    return b.einsum(f"{letters},z{letters[axis]}->{target}", x,
                    b.convert(matrix, b.dtype(x)))


def _max_along(x, axis, windows):
    """The maximum of each window along `axis`."""
    b = current()
    lead = (slice(None),) * axis
    return b.concatenate([b.max(b.getitem(x, (*lead, slice(start, stop))), axis=axis,
                                keepdims=True) for start, stop in windows], axis=axis)


@graph_aware
def adaptive_average_pool(inputs, output_size, data_format=None):
    """The mean over `output_size` windows per spatial axis that tile it (neighbours may
    share a point), for 1-D, 2-D and 3-D inputs."""
    return _adaptive_pool("adaptive_average_pool", _average_along, inputs, output_size,
                          data_format)


@graph_aware
def adaptive_max_pool(inputs, output_size, data_format=None):
    """The maximum over `output_size` windows per spatial axis that tile it."""
    return _adaptive_pool("adaptive_max_pool", _max_along, inputs, output_size, data_format)


# ----------------------------------------------------------------------- depth and space
def _blocks(function, x, block_size, data_format):
    b, x = current(), as_array(x)
    if len(b.shape(x)) != 4:
        raise ValueError(f"{function}: x must be a batch of images (rank 4); got shape "
                         f"{b.shape(x)}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{function}: data_format must be 'channels_last' or "
                         f"'channels_first'; got {data_format!r}.")
    if not isinstance(block_size, (int, np.integer)) or block_size < 2:
        raise ValueError(f"{function}: block_size must be an int of at least 2; got "
                         f"{block_size!r}.")
    return b, x


@graph_aware
def depth_to_space(x, block_size, data_format="channels_last"):
    """Channels moved into block_size x block_size spatial blocks (pixel shuffle)."""
    b, x = _blocks("depth_to_space", x, block_size, data_format)
    k = int(block_size)
    if data_format == "channels_last":
        n, h, w, c = b.shape(x)
        _check_divides("depth_to_space", c, k * k, "channels")
        x = b.transpose(b.reshape(x, (n, h, w, k, k, c // (k * k))), (0, 1, 3, 2, 4, 5))
        return b.reshape(x, (n, h * k, w * k, c // (k * k)))
    n, c, h, w = b.shape(x)
    _check_divides("depth_to_space", c, k * k, "channels")
    x = b.transpose(b.reshape(x, (n, c // (k * k), k, k, h, w)), (0, 1, 4, 2, 5, 3))
    return b.reshape(x, (n, c // (k * k), h * k, w * k))


@graph_aware
def space_to_depth(x, block_size, data_format="channels_last"):
    """Each block_size x block_size spatial block moved into the channels (pixel unshuffle)."""
    b, x = _blocks("space_to_depth", x, block_size, data_format)
    k = int(block_size)
    if data_format == "channels_last":
        n, h, w, c = b.shape(x)
        _check_divides("space_to_depth", h, k, "height")
        _check_divides("space_to_depth", w, k, "width")
        x = b.transpose(b.reshape(x, (n, h // k, k, w // k, k, c)), (0, 1, 3, 2, 4, 5))
        return b.reshape(x, (n, h // k, w // k, c * k * k))
    n, c, h, w = b.shape(x)
    _check_divides("space_to_depth", h, k, "height")
    _check_divides("space_to_depth", w, k, "width")
    x = b.transpose(b.reshape(x, (n, c, h // k, k, w // k, k)), (0, 1, 3, 5, 2, 4))
    return b.reshape(x, (n, c * k * k, h // k, w // k))


def _check_divides(function, size, block, what):
    if size % block:
        raise ValueError(f"{function}: the {what} ({size}) must be a multiple of {block}.")


# ------------------------------------------------------------------------ unfold and fold
def _counts(size, kernel, dilation, padding, stride):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@graph_aware
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) as its sliding blocks (N, C * kh * kw, blocks), PyTorch's Unfold."""
    b, x = current(), as_array(x)
    if len(b.shape(x)) != 4:
        raise ValueError(f"unfold: x must be (N, C, H, W); got shape {b.shape(x)}.")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (
        _pair(v) for v in (kernel_size, dilation, padding, stride))
    n, c, h, w = b.shape(x)
    rows, columns = _counts(h, kh, dh, ph, sh), _counts(w, kw, dw, pw, sw)
    x = b.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    blocks = [b.getitem(x, (slice(None), slice(None),
                            slice(i * dh, i * dh + (rows - 1) * sh + 1, sh),
                            slice(j * dw, j * dw + (columns - 1) * sw + 1, sw)))
              for i in range(kh) for j in range(kw)]
    return b.reshape(b.stack(blocks, axis=2), (n, c * kh * kw, rows * columns))


def _spread(x, axis, stride, before, length):
    """`x` with stride - 1 zeros after each point along `axis`, then zeros before and after
    up to `length` points."""
    b = current()
    shape = list(b.shape(x))
    if stride > 1:
        x = b.expand_dims(x, axis + 1)
        pads = [(0, 0)] * len(shape) + [(0, 0)]
        pads[axis + 1] = (0, stride - 1)
        x = b.reshape(b.pad(x, pads), (*shape[:axis], shape[axis] * stride, *shape[axis + 1:]))
        x = b.getitem(x, (slice(None),) * axis + (slice(0, (shape[axis] - 1) * stride + 1),))
    pads = [(0, 0)] * len(shape)
    pads[axis] = (before, length - before - b.shape(x)[axis])
    return b.pad(x, pads)


@graph_aware
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks (N, C * kh * kw, blocks) summed back into (N, C, H, W), PyTorch's Fold
    (unfold's adjoint)."""
    b, x = current(), as_array(x)
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (
        _pair(v) for v in (output_size, kernel_size, dilation, padding, stride))
    if len(b.shape(x)) != 3:
        raise ValueError(f"fold: x must be (N, C * kh * kw, blocks); got shape {b.shape(x)}.")
    n, features, count = b.shape(x)
    rows, columns = _counts(oh, kh, dh, ph, sh), _counts(ow, kw, dw, pw, sw)
    if features % (kh * kw) or count != rows * columns:
        raise ValueError(
            f"fold: x of shape {b.shape(x)} does not hold {kh}x{kw} blocks of {rows}x{columns} "
            f"positions for output_size {(oh, ow)}.")
    x = b.reshape(x, (n, features // (kh * kw), kh, kw, rows, columns))
    total = None
    for i in range(kh):
        for j in range(kw):
            block = b.getitem(x, (slice(None), slice(None), i, j))
            block = _spread(_spread(block, 2, sh, i * dh, oh + 2 * ph), 3, sw, j * dw,
                            ow + 2 * pw)
            total = block if total is None else b.add(total, block)
    return b.getitem(total, (slice(None), slice(None), slice(ph, ph + oh), slice(pw, pw + ow)))

