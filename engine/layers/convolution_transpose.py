"""Conv1DTranspose, Conv2DTranspose and Conv3DTranspose: channels-last transposed convolution
with a kernel of (*kernel_size, filters, in), sized as Keras sizes it."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from engine import ops
from engine.backend.convolution import transposed_window
from engine.errors import LayerConfigError
from engine.layers.convolution import (
    add_bias_and_activate,
    check_strides_or_dilation,
    input_channels,
    torch_forward,
    torch_kernel,
)
from engine.layers.declaration import (
    ActivationName,
    Argument,
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
from engine.layers.windows import PADDINGS, check_rank


@dataclasses.dataclass
class OutputPadding(Argument):
    """None (Keras's own output size), or cells added to the output's size: an int or one
    per spatial axis, each at least 0."""

    type: ClassVar[str] = "int_or_int_list"

    def convert(self, layer, value):
        rank = layer.rank
        values = (value,) * rank if isinstance(value, int) else value
        if not isinstance(values, (tuple, list)) or len(values) != rank or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
        ):
            raise self.error(layer, f"must be None, an int >= 0 or a tuple of {rank} of them",
                             value)
        return tuple(values)

    def form_fields(self, cls):
        return {"length": cls.rank}


class ConvTranspose(Layer):
    """activation(conv_transpose(inputs, kernel) + bias) over `rank` spatial axes."""

    rank = 0
    filters = Int(minimum=1, suggested=32)
    kernel_size = Window(suggested=3)
    strides = Window(1)
    padding = Choice("valid", choices=PADDINGS)
    output_padding = OutputPadding(None)
    data_format = DataFormat(None, choices=("channels_last",))
    dilation_rate = Window(1)
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
        if self.output_padding is not None and any(
            extra >= stride for extra, stride in zip(self.output_padding, self.strides)
        ):
            raise LayerConfigError(
                f"{type(self).__name__}: output_padding must be below strides on every axis "
                f"(as in Keras); got output_padding={self.output_padding}, "
                f"strides={self.strides}."
            )

    def build(self, input_shape):
        channels = input_channels(self, input_shape)
        self.kernel = self.add_weight(shape=(*self.kernel_size, self.filters, channels),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        outputs = ops.conv_transpose(inputs, self.kernel, strides=self.strides,
                                     padding=self.padding, output_padding=self.output_padding,
                                     dilation_rate=self.dilation_rate)
        return add_bias_and_activate(self, outputs)

    def axes(self):
        """(kernel, stride, dilation, output padding) of each spatial axis."""
        extras = self.output_padding or (None,) * self.rank
        return zip(self.kernel_size, self.strides, self.dilation_rate, extras)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        spatial = (
            None if size is None
            else transposed_window(size, kernel, stride, dilation, self.padding, extra)[0]
            for size, (kernel, stride, dilation, extra) in zip(input_shape[1:-1], self.axes())
        )
        return (input_shape[0], *spatial, self.filters)

    def crops(self):
        """(cells cropped before, cells added after: negative ones are cropped) on each axis
        of the full transposed convolution, whose output has (input - 1) * stride +
        (kernel - 1) * dilation + 1 cells: the same for every input size."""
        crops = []
        for kernel, stride, dilation, extra in self.axes():
            size, before = transposed_window(1, kernel, stride, dilation, self.padding, extra)
            crops.append((before, size + before - (kernel - 1) * dilation - 1))
        return crops


@declare("convolution")
class Conv1DTranspose(ConvTranspose):
    """Transposed convolution over the width of (batch, width, channels) inputs."""

    rank = 1


@declare("convolution")
class Conv2DTranspose(ConvTranspose):
    """Transposed convolution over height and width of (batch, height, width, channels)."""

    rank = 2


@declare("convolution")
class Conv3DTranspose(ConvTranspose):
    """Transposed convolution over depth, height and width of 5-D channels-last inputs."""

    rank = 3


# Keras's aliases
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    """torch's ConvTranspose1d/2d/3d between permutes: every cell the kernel reaches, and
    the cells past them Keras adds as its output_padding (so they get the bias too); then
    Keras's crop, as F.pad with negative amounts."""
    layer = step.layer
    crops = layer.crops()
    arguments = [str(step.input_shape[-1]), str(layer.filters),
                 f"kernel_size={torch.size(layer.kernel_size)}"]
    if max(layer.strides) > 1:
        arguments.append(f"stride={torch.size(layer.strides)}")
    if any(after > 0 for _, after in crops):
        arguments.append(f"output_padding={torch.size([max(a, 0) for _, a in crops])}")
    if max(layer.dilation_rate) > 1:
        arguments.append(f"dilation={torch.size(layer.dilation_rate)}")
    init = torch.module(step, f"nn.ConvTranspose{layer.rank}d",
                        arguments + torch.bias_flag(layer))
    pads = tuple(amount for before, after in reversed(crops) for amount in (-before, min(after, 0)))
    cropping = [f"F.pad({{}}, {torch.literal(pads)})"] if any(pads) else []
    return torch.Emitted(init, torch_forward(step, torch, after=cropping))


def torch_weights(step, torch):
    """The kernel (*window, out, in) as torch's (in, out, *window)."""
    w = torch.named_weights(step.layer)
    return {"weight": torch_kernel(w["kernel"]), **({"bias": w["bias"]} if "bias" in w else {})}


def to_arrays(step, code):
    layer = step.layer
    arguments = [code.params(step), step.args[0], f"strides={code.shape(layer.strides)}",
                 f"crops={code.literal(tuple(map(tuple, layer.crops())))}",
                 f"dilation={code.shape(layer.dilation_rate)}"]
    return code.call(step, "apply_conv_transpose", arguments, code.activation(layer.activation))


def to_onnx(b, step, onnx):
    """ONNX's ConvTranspose crops `pads` from the full output and appends `output_padding`
    cells, which the full output leaves at zero."""
    layer, w = step.layer, onnx.named_weights(step.layer)
    rank = len(step.input_shape)
    inputs = [onnx.channels_first(b, step.args[0], rank, step.name),
              b.constant(f"{step.name}/kernel", torch_kernel(w["kernel"]))]
    if "bias" in w:
        inputs.append(b.constant(f"{step.name}/bias", w["bias"]))
    crops = layer.crops()
    y = b.op("ConvTranspose", inputs, f"{step.name}/conv_transpose",
             kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
             dilations=list(layer.dilation_rate),
             pads=[before for before, _ in crops] + [max(-after, 0) for _, after in crops],
             output_padding=[max(after, 0) for _, after in crops])
    y = onnx.channels_last(b, y, rank, step.name)
    return [onnx.activation(b, layer.activation, y, f"{step.name}/activation")]


exports(Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, torch=to_torch,
        torch_weights=torch_weights, arrays=to_arrays, onnx=to_onnx)
