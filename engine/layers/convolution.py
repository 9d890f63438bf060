"""Conv1D and Conv2D: channels-last convolution with a kernel of (*kernel_size, in, filters)."""

from __future__ import annotations

from engine import activations, ops
from engine.errors import LayerConfigError
from engine.layers.declaration import (
    ActivationName,
    Bool,
    Choice,
    InitializerName,
    Int,
    Window,
    declare,
    exports,
)
from engine.layers.layer import Layer
from engine.layers.windows import LAYOUTS, PADDINGS, check_rank, spatial_output_shape


class Conv(Layer):
    """activation(conv(inputs, kernel) + bias) over `rank` spatial axes."""

    rank = 0
    filters = Int(minimum=1, suggested=32)
    kernel_size = Window(suggested=3)
    strides = Window(1)
    padding = Choice("valid", choices=PADDINGS)
    dilation_rate = Window(1)
    activation = ActivationName(None)
    use_bias = Bool(True)
    kernel_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")

    def configure(self):
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise LayerConfigError(
                f"{type(self).__name__}: strides > 1 cannot be combined with dilation_rate > 1 "
                f"(as in Keras); got strides={self.strides}, dilation_rate={self.dilation_rate}."
            )

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


@declare("convolution")
class Conv1D(Conv):
    """Convolution over the width of (batch, width, channels) inputs."""

    rank = 1


@declare("convolution")
class Conv2D(Conv):
    """Convolution over height and width of (batch, height, width, channels) inputs."""

    rank = 2


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    """torch's Conv1d/Conv2d between permutes to channels first and back; "same" padding with
    strides as an explicit F.pad, which torch's own padding="same" does not take."""
    layer = step.layer
    first, last = torch.CHANNELS[layer.rank]
    arguments = [str(step.input_shape[-1]), str(layer.filters),
                 f"kernel_size={torch.size(layer.kernel_size)}"]
    if max(layer.strides) > 1:
        arguments.append(f"stride={torch.size(layer.strides)}")
    pads = ()
    if layer.padding == "same" and max(layer.strides) == 1:
        arguments.append('padding="same"')
    elif layer.padding == "same":
        pads = torch.same_padding(step, layer.kernel_size, layer.strides, layer.dilation_rate)
    if max(layer.dilation_rate) > 1:
        arguments.append(f"dilation={torch.size(layer.dilation_rate)}")
    init = torch.module(step, f"nn.Conv{layer.rank}d", arguments + torch.bias_flag(layer))
    padding = [f"F.pad({{}}, {torch.literal(pads)})"] if any(pads) else []
    wrappers = [f"{{}}.permute{first}", *padding, f"self.{step.name}({{}})",
                f"{{}}.permute{last}", torch.activation(layer.activation)]
    return torch.Emitted(init, torch.chain(step, wrappers))


def torch_weights(step, torch):
    w = torch.named_weights(step.layer)
    rank = step.layer.rank
    order = (rank + 1, rank, *range(rank))  # (*window, in, out) -> (out, in, *window)
    return {"weight": w["kernel"].transpose(order), **({"bias": w["bias"]} if "bias" in w else {})}


def to_arrays(step, code):
    layer = step.layer
    arguments = [code.params(step), step.args[0], f"strides={code.shape(layer.strides)}",
                 f"padding={code.literal(layer.padding.upper())}",
                 f"dilation={code.shape(layer.dilation_rate)}"]
    return code.call(step, "apply_conv", arguments, code.activation(layer.activation))


def to_onnx(b, step, onnx):
    layer, w = step.layer, onnx.named_weights(step.layer)
    rank = len(step.input_shape)
    kernel = w["kernel"].transpose((rank - 1, rank - 2, *range(rank - 2)))
    inputs = [onnx.channels_first(b, step.args[0], rank, step.name),
              b.constant(f"{step.name}/kernel", kernel)]
    if "bias" in w:
        inputs.append(b.constant(f"{step.name}/bias", w["bias"]))
    y = b.op("Conv", inputs, f"{step.name}/conv", kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), dilations=list(layer.dilation_rate),
             **onnx.padding(step, layer.kernel_size, layer.strides, layer.dilation_rate))
    y = onnx.channels_last(b, y, rank, step.name)
    return [onnx.activation(b, layer.activation, y, f"{step.name}/activation")]


exports(Conv1D, Conv2D, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
