"""Conv1D and Conv2D: channels-last convolution with a kernel of (*kernel_size, in, filters)."""

from __future__ import annotations

from engine import activations, initializers, ops
from engine.errors import LayerConfigError
from engine.layers.arguments import choice, int_tuple, positive_int
from engine.layers.layer import Layer
from engine.layers.windows import LAYOUTS, PADDINGS, check_rank, spatial_output_shape


class Conv(Layer):
    """activation(conv(inputs, kernel) + bias) over `rank` spatial axes."""

    rank = 0

    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.filters = positive_int(layer, "filters", filters)
        self.kernel_size = int_tuple(layer, "kernel_size", kernel_size, self.rank)
        self.strides = int_tuple(layer, "strides", strides, self.rank)
        self.padding = choice(layer, "padding", padding, PADDINGS)
        self.dilation_rate = int_tuple(layer, "dilation_rate", dilation_rate, self.rank)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise LayerConfigError(
                f"{layer}: strides > 1 cannot be combined with dilation_rate > 1 (as in Keras); "
                f"got strides={self.strides}, dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.check(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.check(kernel_initializer)
        self.bias_initializer = initializers.check(bias_initializer)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        channels = input_shape[-1]
        if channels is None:
            raise self.shape_error(
                f"needs a known number of channels, the last axis of {LAYOUTS[self.rank + 2]}.",
                input_shape,
            )
        self.kernel = self.add_weight(shape=(*self.kernel_size, channels, self.filters),
                                      initializer=self.kernel_initializer, name="kernel")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        name="bias")

    def call(self, inputs):
        outputs = ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                           dilation_rate=self.dilation_rate)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return activations.apply(self.activation, outputs)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        spatial = spatial_output_shape(self, input_shape, self.kernel_size, self.strides,
                                       self.padding, self.dilation_rate, "kernel")
        return (input_shape[0], *spatial, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "dilation_rate": self.dilation_rate, "activation": self.activation,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}


class Conv1D(Conv):
    """Convolution over the width of (batch, width, channels) inputs."""

    rank = 1


class Conv2D(Conv):
    """Convolution over height and width of (batch, height, width, channels) inputs."""

    rank = 2
