"""DepthwiseConv1D/2D (each channel convolved on its own, by `depth_multiplier` filters) and
SeparableConv1D/2D (that, then a pointwise convolution mixing the channels), channels-last."""

from __future__ import annotations

from engine import ops
from engine.layers.convolution import (
    add_bias_and_activate,
    input_channels,
    onnx_conv,
    torch_conv,
    torch_forward,
    torch_kernel,
)
from engine.layers.declaration import (
    ActivationName,
    Bool,
    Choice,
    ConstraintName,
    InitializerName,
    Int,
    RegularizerName,
    Window,
    declare,
    exports,
)
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat
from engine.layers.windows import PADDINGS, check_rank, spatial_output_shape


class WindowedLayer(Layer):
    """A layer sliding a window of kernel_size over `rank` spatial axes, as a convolution
    does (each subclass declares its arguments in Keras's order)."""

    rank = 0

    def output_channels(self, channels):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        spatial = spatial_output_shape(self, input_shape, self.kernel_size, self.strides,
                                       self.padding, self.dilation_rate, "kernel")
        channels = None if input_shape[-1] is None else self.output_channels(input_shape[-1])
        return (input_shape[0], *spatial, channels)


class DepthwiseConv(WindowedLayer):
    """activation(depthwise_conv(inputs, kernel) + bias): kernel (*kernel_size, channels,
    depth_multiplier), output channel c * depth_multiplier + m."""

    kernel_size = Window(suggested=3)
    strides = Window(1)
    padding = Choice("valid", choices=PADDINGS)
    depth_multiplier = Int(1, minimum=1)
    data_format = DataFormat(None, choices=("channels_last",))
    dilation_rate = Window(1)
    activation = ActivationName(None)
    use_bias = Bool(True)
    depthwise_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")
    depthwise_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    activity_regularizer = RegularizerName(None)
    depthwise_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)

    def output_channels(self, channels):
        return channels * self.depth_multiplier

    def build(self, input_shape):
        channels = input_channels(self, input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, name="kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.output_channels(channels),),
                                        initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        outputs = ops.depthwise_conv(inputs, self.kernel, strides=self.strides,
                                     padding=self.padding, dilation_rate=self.dilation_rate)
        return add_bias_and_activate(self, outputs)


@declare("convolution")
class DepthwiseConv1D(DepthwiseConv):
    """Each channel of (batch, width, channels) inputs convolved on its own."""

    rank = 1


@declare("convolution")
class DepthwiseConv2D(DepthwiseConv):
    """Each channel of (batch, height, width, channels) inputs convolved on its own."""

    rank = 2


class SeparableConv(WindowedLayer):
    """activation(separable_conv(inputs, depthwise_kernel, pointwise_kernel) + bias):
    depthwise_kernel (*kernel_size, channels, depth_multiplier), pointwise_kernel (1, ...,
    channels * depth_multiplier, filters)."""

    filters = Int(minimum=1, suggested=32)
    kernel_size = Window(suggested=3)
    strides = Window(1)
    padding = Choice("valid", choices=PADDINGS)
    data_format = DataFormat(None, choices=("channels_last",))
    dilation_rate = Window(1)
    depth_multiplier = Int(1, minimum=1)
    activation = ActivationName(None)
    use_bias = Bool(True)
    depthwise_initializer = InitializerName("glorot_uniform")
    pointwise_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")
    depthwise_regularizer = RegularizerName(None)
    pointwise_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    activity_regularizer = RegularizerName(None)
    depthwise_constraint = ConstraintName(None)
    pointwise_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)

    def output_channels(self, channels):
        return self.filters

    def build(self, input_shape):
        channels = input_channels(self, input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, name="depthwise_kernel",
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            shape=(*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        outputs = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                     strides=self.strides, padding=self.padding,
                                     dilation_rate=self.dilation_rate)
        return add_bias_and_activate(self, outputs)


@declare("convolution")
class SeparableConv1D(SeparableConv):
    """A depthwise, then a pointwise convolution of (batch, width, channels) inputs."""

    rank = 1


@declare("convolution")
class SeparableConv2D(SeparableConv):
    """A depthwise, then a pointwise convolution of (batch, height, width, channels) inputs."""

    rank = 2


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D  # Keras's


# ---------------------------------------------------------------------------------- exports
def _grouped(kernel):
    """A depthwise kernel (*window, channels, multiplier) as the grouped convolution's
    (*window, 1, channels * multiplier)."""
    return kernel.reshape(*kernel.shape[:-2], 1, -1)


def depthwise_to_torch(step, torch):
    """torch's Conv1d/2d with one group per input channel."""
    layer, channels = step.layer, step.input_shape[-1]
    arguments, padding = torch_conv(step, torch, layer.output_channels(channels), channels)
    init = torch.module(step, f"nn.Conv{layer.rank}d", arguments + torch.bias_flag(layer))
    return torch.Emitted(init, torch_forward(step, torch, before=padding))


def depthwise_torch_weights(step, torch):
    w = torch.named_weights(step.layer)
    weight = torch_kernel(_grouped(w["kernel"]))
    return {"weight": weight, **({"bias": w["bias"]} if "bias" in w else {})}


def separable_to_torch(step, torch):
    """A torch nn.Sequential of the depthwise Conv1d/2d (one group per channel) and a
    pointwise one."""
    layer, channels = step.layer, step.input_shape[-1]
    middle = channels * layer.depth_multiplier
    arguments, padding = torch_conv(step, torch, middle, channels)
    convolution = f"nn.Conv{layer.rank}d"
    depthwise = f"{convolution}({', '.join([*arguments, 'bias=False'])})"
    pointwise = [str(middle), str(layer.filters), "kernel_size=1", *torch.bias_flag(layer)]
    pointwise = f"{convolution}({', '.join(pointwise)})"
    init = torch.module(step, "nn.Sequential", [depthwise, pointwise])
    return torch.Emitted(init, torch_forward(step, torch, before=padding))


def separable_torch_weights(step, torch):
    w = torch.named_weights(step.layer)
    weights = {"0.weight": torch_kernel(_grouped(w["depthwise_kernel"])),
               "1.weight": torch_kernel(w["pointwise_kernel"])}
    return {**weights, **({"1.bias": w["bias"]} if "bias" in w else {})}


def _arrays(helper):
    def to_arrays(step, code):
        layer = step.layer
        arguments = [code.params(step), step.args[0], f"strides={code.shape(layer.strides)}",
                     f"padding={code.literal(layer.padding.upper())}",
                     f"dilation={code.shape(layer.dilation_rate)}"]
        return code.call(step, helper, arguments, code.activation(layer.activation))

    return to_arrays


def depthwise_to_onnx(b, step, onnx):
    layer, w = step.layer, onnx.named_weights(step.layer)
    rank = len(step.input_shape)
    x = onnx.channels_first(b, step.args[0], rank, step.name)
    y = onnx_conv(b, step, onnx, x, _grouped(w["kernel"]), w.get("bias"),
                  f"{step.name}/depthwise", groups=step.input_shape[-1])
    y = onnx.channels_last(b, y, rank, step.name)
    return [onnx.activation(b, layer.activation, y, f"{step.name}/activation")]


def separable_to_onnx(b, step, onnx):
    layer, w = step.layer, onnx.named_weights(step.layer)
    rank = len(step.input_shape)
    x = onnx.channels_first(b, step.args[0], rank, step.name)
    y = onnx_conv(b, step, onnx, x, _grouped(w["depthwise_kernel"]), None,
                  f"{step.name}/depthwise", groups=step.input_shape[-1])
    y = onnx_conv(b, step, onnx, y, w["pointwise_kernel"], w.get("bias"),
                  f"{step.name}/pointwise", window=False)
    y = onnx.channels_last(b, y, rank, step.name)
    return [onnx.activation(b, layer.activation, y, f"{step.name}/activation")]


exports(DepthwiseConv1D, DepthwiseConv2D, torch=depthwise_to_torch,
        torch_weights=depthwise_torch_weights, arrays=_arrays("apply_depthwise_conv"),
        onnx=depthwise_to_onnx)
exports(SeparableConv1D, SeparableConv2D, torch=separable_to_torch,
        torch_weights=separable_torch_weights, arrays=_arrays("apply_separable_conv"),
        onnx=separable_to_onnx)
