"""Conv3D, grouped, transposed, depthwise and separable convolution."""

from engine import layers
from tests.layers.table import row


def _conv2d_transpose(config, kernel_size, output_shape, slow=False):
    filters = config["filters"]
    return row(layers.Conv2DTranspose, config, (2, 4, 3, 3), slow=slow,
               expected_output_shape=output_shape,
               expected_weights=[("kernel", (*kernel_size, filters, 3)), ("bias", (filters,))])


ROWS = [
    row(layers.Conv1DTranspose, {"filters": 4, "kernel_size": 3}, (2, 5, 3),
        expected_output_shape=(2, 7, 4)),
    row(layers.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2,
                                 "padding": "same"}, (2, 5, 3), slow=True,
        expected_output_shape=(2, 10, 2)),
    row(layers.Conv1DTranspose, {"filters": 2, "kernel_size": 4, "strides": 2,
                                 "output_padding": 1}, (2, 5, 3),
        expected_output_shape=(2, 13, 2)),
    row(layers.Conv1DTranspose, {"filters": 3, "kernel_size": 2, "padding": "same",
                                 "dilation_rate": 2, "activation": "relu", "use_bias": False},
        (2, 5, 3), slow=True, expected_output_shape=(2, 5, 3)),
    _conv2d_transpose({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
                      (3, 3), (2, 8, 6, 3)),
    _conv2d_transpose({"filters": 2, "kernel_size": (2, 3), "strides": (2, 1)}, (2, 3),
                      (2, 8, 5, 2), slow=True),
    _conv2d_transpose({"filters": 2, "kernel_size": 3, "strides": 3, "padding": "same",
                       "output_padding": (2, 1)}, (3, 3), (2, 12, 8, 2)),
    row(layers.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2,
                                 "padding": "same"}, (1, 2, 3, 2, 2),
        expected_output_shape=(1, 4, 6, 4, 2)),
    row(layers.Conv3D, {"filters": 2, "kernel_size": 2}, (1, 3, 4, 3, 2), slow=True,
        expected_output_shape=(1, 2, 3, 2, 2)),
    row(layers.Conv3D, {"filters": 4, "kernel_size": (1, 2, 2), "strides": 2,
                        "padding": "same", "groups": 2}, (1, 3, 4, 3, 2),
        expected_output_shape=(1, 2, 2, 2, 4)),
    # grouped: each of the 2 groups sees 2 of the 4 input channels
    row(layers.Conv1D, {"filters": 6, "kernel_size": 3, "padding": "same", "groups": 2},
        (2, 6, 4), expected_output_shape=(2, 6, 6),
        expected_weights=[("kernel", (3, 2, 6)), ("bias", (6,))]),
    row(layers.Conv2D, {"filters": 6, "kernel_size": 3, "padding": "same", "groups": 2},
        (2, 5, 4, 4), expected_output_shape=(2, 5, 4, 6),
        expected_weights=[("kernel", (3, 3, 2, 6)), ("bias", (6,))]),
    row(layers.DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 6, 4),
        slow=True, expected_output_shape=(2, 4, 8)),
    row(layers.DepthwiseConv1D, {"kernel_size": 2, "strides": 2, "dilation_rate": 2,
                                 "padding": "same", "use_bias": False}, (2, 6, 4),
        expected_output_shape=(2, 3, 4)),
    row(layers.SeparableConv1D, {"filters": 3, "kernel_size": 3, "padding": "same",
                                 "activation": "relu"}, (2, 6, 4),
        expected_output_shape=(2, 6, 3)),
    row(layers.SeparableConv1D, {"filters": 2, "kernel_size": 2, "strides": 2,
                                 "depth_multiplier": 2}, (2, 6, 4), slow=True,
        expected_output_shape=(2, 3, 2)),
    row(layers.DepthwiseConv2D, {"kernel_size": 3, "strides": 2, "padding": "same",
                                 "depth_multiplier": 2}, (2, 5, 4, 3),
        expected_output_shape=(2, 3, 2, 6),
        expected_weights=[("kernel", (3, 3, 3, 2)), ("bias", (6,))]),
    row(layers.SeparableConv2D, {"filters": 4, "kernel_size": (2, 1), "dilation_rate": 2,
                                 "depth_multiplier": 2}, (2, 5, 4, 3), slow=True,
        expected_output_shape=(2, 3, 4, 4)),
    row(layers.SeparableConv2D, {"filters": 4, "kernel_size": 2, "padding": "same"},
        (2, 5, 4, 3), expected_output_shape=(2, 5, 4, 4),
        expected_weights=[("depthwise_kernel", (2, 2, 3, 1)),
                          ("pointwise_kernel", (1, 1, 3, 4)), ("bias", (4,))]),
]
