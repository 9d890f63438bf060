"""Argument checks and geometry every backend's convolutions share (no framework imports).

Kernels are channels-last like the inputs: a convolution's is (*kernel_size, in_channels /
groups, out_channels), so its feature groups are read off the kernel as keras.ops.conv does;
a transposed convolution's is (*kernel_size, out_channels, in_channels), as Keras lays it out.
"""

from __future__ import annotations

from engine.backend.windows import check_padding, spatial_rank, spatial_tuple


def feature_groups(x_shape: tuple, kernel_shape: tuple, op: str = "conv") -> int:
    """How many groups a convolution of `x_shape` by `kernel_shape` splits its channels into:
    in_channels / kernel_shape[-2], which must divide both channel counts."""
    rank = spatial_rank(x_shape, op)
    channels, group_channels, filters = x_shape[-1], kernel_shape[-2], kernel_shape[-1]
    if (len(kernel_shape) != rank + 2 or channels % group_channels
            or filters % (channels // group_channels)):
        raise ValueError(
            f"{op} of an input of shape {tuple(x_shape)} needs a kernel of shape "
            f"(*kernel_size, {channels} / groups, out_channels) with {rank} kernel_size values "
            f"and out_channels a multiple of groups, got {tuple(kernel_shape)}."
        )
    return channels // group_channels


def transposed_window(size: int, kernel: int, stride: int, dilation: int, padding: str,
                      output_padding: int | None) -> tuple[int, int]:
    """One axis of a transposed convolution, as Keras sizes it: (output size, cells of the
    output cropped before), so that input cell i and kernel tap t add into output cell
    i * stride + t * dilation - before. That is the adjoint of a convolution of the output
    padded by `before` cells first (TensorFlow's "same" rule where its sizes allow)."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return (size - 1) * stride + span + extra, 0
    if output_padding is None:
        out, total = size * stride, stride + span - 2
    else:
        out = (size - 1) * stride + span % 2 + output_padding
        total = span + span % 2 - 2 + output_padding
    return out, span - 1 - min((total + 1) // 2, span - 1)


def transposed_geometry(x_shape: tuple, kernel_shape: tuple, strides, padding, output_padding,
                        dilation_rate) -> tuple[tuple, tuple, tuple, tuple]:
    """(strides, dilation, output sizes, cells cropped before) of each spatial axis of a
    transposed convolution of `x_shape` by a (*kernel_size, out, in) kernel."""
    rank = spatial_rank(x_shape, "conv_transpose")
    if len(kernel_shape) != rank + 2 or kernel_shape[-1] != x_shape[-1]:
        raise ValueError(
            f"conv_transpose of an input of shape {tuple(x_shape)} needs a kernel of shape "
            f"(*kernel_size, out_channels, {x_shape[-1]}) with {rank} kernel_size values, got "
            f"{tuple(kernel_shape)}."
        )
    strides = spatial_tuple(strides, rank, "strides")
    dilation = spatial_tuple(dilation_rate, rank, "dilation_rate")
    padding = check_padding(padding)
    extras = (None,) * rank if output_padding is None else (
        (output_padding,) * rank if isinstance(output_padding, int) else tuple(output_padding))
    if len(extras) != rank or any(
        e is not None and not 0 <= e < s for e, s in zip(extras, strides)
    ):
        raise ValueError(
            f"output_padding must be None or {rank} ints each >= 0 and below its stride "
            f"(strides={strides}), got {output_padding!r}."
        )
    axes = [transposed_window(n, k, s, d, padding, e) for n, k, s, d, e in
            zip(x_shape[1:-1], kernel_shape[:rank], strides, dilation, extras)]
    return strides, dilation, tuple(a[0] for a in axes), tuple(a[1] for a in axes)
