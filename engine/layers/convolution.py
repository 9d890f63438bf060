"""Conv1D, Conv2D and Conv3D: channels-last convolution with a kernel of (*kernel_size,
in / groups, filters); the helpers every convolution layer shares."""

from __future__ import annotations

from engine import activations, ops
from engine.errors import LayerConfigError
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
from engine.layers.windows import LAYOUTS, PADDINGS, check_rank, spatial_output_shape


def input_channels(layer, input_shape) -> int:
    """The known channel count of channels-last `input_shape` of the layer's rank."""
    check_rank(layer, input_shape, layer.rank + 2)
    if input_shape[-1] is None:
        raise layer.shape_error(
            f"needs a known number of channels, the last axis of {LAYOUTS[layer.rank + 2]}.",
            input_shape,
        )
    return input_shape[-1]


def check_strides_or_dilation(layer):
    """Keras's rule: strides > 1 and dilation_rate > 1 do not go together."""
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise LayerConfigError(
            f"{type(layer).__name__}: strides > 1 cannot be combined with dilation_rate > 1 "
            f"(as in Keras); got strides={layer.strides}, dilation_rate={layer.dilation_rate}."
        )


def add_bias_and_activate(layer, outputs):
    """activation(outputs + bias), the bias left out where the layer has none."""
    if layer.use_bias:
        outputs = ops.add(outputs, layer.bias)
    return activations.apply(layer.activation, outputs)


class Conv(Layer):
    """activation(conv(inputs, kernel) + bias) over `rank` spatial axes."""

    rank = 0
    filters = Int(minimum=1, suggested=32)
    kernel_size = Window(suggested=3)
    strides = Window(1)
    padding = Choice("valid", choices=PADDINGS)
    data_format = DataFormat(None, choices=("channels_last",))
    dilation_rate = Window(1)
    groups = Int(1, minimum=1)
    activation = ActivationName(None)
    use_bias = Bool(True)
    kernel_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")
    kernel_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    activity_regularizer = RegularizerName(None)
    kernel_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)

    def configure(self):
        check_strides_or_dilation(self)
        if self.filters % self.groups:
            raise LayerConfigError(
                f"{type(self).__name__}: filters ({self.filters}) must be a multiple of groups "
                f"({self.groups}), as in Keras."
            )

    def build(self, input_shape):
        channels = input_channels(self, input_shape)
        if channels % self.groups:
            raise self.shape_error(
                f"has groups={self.groups}, which must divide the input's {channels} channels.",
                input_shape,
            )
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels // self.groups, self.filters),
            initializer=self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        outputs = ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                           dilation_rate=self.dilation_rate)
        return add_bias_and_activate(self, outputs)

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


@declare("convolution")
class Conv3D(Conv):
    """Convolution over depth, height and width of (batch, depth, height, width, channels)."""

    rank = 3


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D  # Keras's aliases


# ---------------------------------------------------------------------------------- exports
def torch_conv(step, torch, filters, groups):
    """nn.Conv{rank}d's arguments for the layer's window, from its input's channels to
    `filters` in `groups`, and the F.pad before it that "same" padding with strides needs
    (torch's own padding="same" takes no strides)."""
    layer = step.layer
    arguments = [str(step.input_shape[-1]), str(filters),
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
    if groups > 1:
        arguments.append(f"groups={groups}")
    return arguments, [f"F.pad({{}}, {torch.literal(pads)})"] if any(pads) else []


def torch_forward(step, torch, before=(), after=()):
    """The step's module, with the wrappers `before` and `after` it, between permutes to
    channels first and back, then its activation."""
    first, last = torch.CHANNELS[step.layer.rank]
    wrappers = [f"{{}}.permute{first}", *before, f"self.{step.name}({{}})", *after,
                f"{{}}.permute{last}", torch.activation(step.layer.activation)]
    return torch.chain(step, wrappers)


def to_torch(step, torch):
    layer = step.layer
    arguments, padding = torch_conv(step, torch, layer.filters, layer.groups)
    init = torch.module(step, f"nn.Conv{layer.rank}d", arguments + torch.bias_flag(layer))
    return torch.Emitted(init, torch_forward(step, torch, padding))


def torch_kernel(kernel):
    """A (*window, in, out) kernel as torch's (out, in, *window)."""
    rank = kernel.ndim - 2
    return kernel.transpose((rank + 1, rank, *range(rank)))


def torch_weights(step, torch):
    w = torch.named_weights(step.layer)
    return {"weight": torch_kernel(w["kernel"]), **({"bias": w["bias"]} if "bias" in w else {})}


def to_arrays(step, code):
    layer = step.layer
    arguments = [code.params(step), step.args[0], f"strides={code.shape(layer.strides)}",
                 f"padding={code.literal(layer.padding.upper())}",
                 f"dilation={code.shape(layer.dilation_rate)}"]
    return code.call(step, "apply_conv", arguments, code.activation(layer.activation))


def onnx_conv(b, step, onnx, x, kernel, bias, hint, groups=1, window=True):
    """ONNX's Conv of channels-first x by a (*window, in / groups, out) kernel: with the
    layer's strides, dilation and padding, or (window=False) a pointwise one."""
    layer = step.layer
    inputs = [x, b.constant(f"{hint}/kernel", torch_kernel(kernel))]
    if bias is not None:
        inputs.append(b.constant(f"{hint}/bias", bias))
    options = {}
    if window:
        options = dict(strides=list(layer.strides), dilations=list(layer.dilation_rate),
                       **onnx.padding(step, layer.kernel_size, layer.strides,
                                      layer.dilation_rate))
    return b.op("Conv", inputs, hint, kernel_shape=list(kernel.shape[:-2]), group=groups,
                **options)


def to_onnx(b, step, onnx):
    layer, w = step.layer, onnx.named_weights(step.layer)
    rank = len(step.input_shape)
    x = onnx.channels_first(b, step.args[0], rank, step.name)
    y = onnx_conv(b, step, onnx, x, w["kernel"], w.get("bias"), f"{step.name}/conv",
                  layer.groups)
    y = onnx.channels_last(b, y, rank, step.name)
    return [onnx.activation(b, layer.activation, y, f"{step.name}/activation")]


exports(Conv1D, Conv2D, Conv3D, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
