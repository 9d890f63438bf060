"""Sliding-window sizes shared by convolution and pooling (channels-last inputs)."""

from __future__ import annotations

PADDINGS = ("valid", "same")


def output_size(size, window: int, stride: int, padding: str, dilation: int = 1):
    """The output length along one axis; None (unknown) stays None.

    "valid" keeps only windows inside the input; "same" is ceil(size / stride), TensorFlow's rule.
    """
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    return (size - (window - 1) * dilation - 1) // stride + 1


def spatial_output_shape(layer, input_shape, windows, strides, padding, dilations, what,
                         first_axis=1):
    """Output sizes of the spatial axes (first_axis .. rank-2: 2 after a time axis), or a
    shape error naming both sizes.

    `what` names the window in the message ("kernel", "pool").
    """
    sizes = []
    for axis, window, stride, dilation in zip(range(first_axis, len(input_shape) - 1), windows,
                                              strides, dilations):
        size = output_size(input_shape[axis], window, stride, padding, dilation)
        if size is not None and size <= 0:
            span = (window - 1) * dilation + 1
            raise layer.shape_error(
                f"its {what} spans {span} along axis {axis} but the input has only "
                f"{input_shape[axis]} there, so padding='valid' leaves no output. Use a smaller "
                f"{what}, a larger input or padding='same'.",
                input_shape,
            )
        sizes.append(size)
    return tuple(sizes)


LAYOUTS = {3: "(batch, width, channels)", 4: "(batch, height, width, channels)",
           5: "(batch, depth, height, width, channels)"}


def check_rank(layer, input_shape, rank: int) -> None:
    """A shape error unless `input_shape` is channels-last of `rank` axes."""
    if len(input_shape) != rank:
        raise layer.shape_error(
            f"expects inputs of rank {rank} {LAYOUTS[rank]}, got rank {len(input_shape)}.",
            input_shape,
        )
