"""UnitNormalization, RMSNormalization and GroupNormalization: each sample normalised by
statistics of its own values (no moving statistics, the same in training and inference)."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.errors import LayerConfigError
from engine.layers.declaration import (
    Axes,
    Bool,
    ConstraintName,
    Float,
    InitializerName,
    Int,
    RegularizerName,
    declare,
    exports,
)
from engine.layers.layer import Layer

UNIT_EPSILON = 1e-12  # Keras's UnitNormalization floors the norm here


class AxesNormalization(Layer):
    """A normalization over `axis` (an int or a list of ints) of each sample."""

    def axes(self, shape) -> tuple:
        """The normalised axes as sorted non-negative ints, or a shape error."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if not all(-len(shape) <= a < len(shape) for a in axes):
            raise self.shape_error(
                f"axis={self.axis} is out of range for inputs of rank {len(shape)}.", shape)
        return tuple(sorted({a % len(shape) for a in axes}))

    def compute_output_shape(self, input_shape):
        self.axes(input_shape)
        return input_shape


@declare("normalization")
class UnitNormalization(AxesNormalization):
    """x / its L2 norm over `axis`, the norm floored at 1e-12."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    axis = Axes(-1, several=True)

    def call(self, inputs):
        squares = ops.sum(ops.square(inputs), axis=self.axes(ops.shape(inputs)), keepdims=True)
        return ops.multiply(inputs, ops.minimum(ops.divide(1.0, ops.sqrt(squares)),
                                                1.0 / UNIT_EPSILON))


@declare("normalization")
class RMSNormalization(AxesNormalization):
    """x / sqrt(mean(x ** 2) + epsilon) over `axis`, times a learned `scale` of those axes'
    sizes."""

    axis = Axes(-1, several=True)
    epsilon = Float(1e-6, minimum=0.0)
    scale_initializer = "ones"  # Keras's, not an argument

    def build(self, input_shape):
        sizes = tuple(input_shape[a] for a in self.axes(input_shape))
        if None in sizes:
            raise self.shape_error(f"needs known sizes along axis {self.axis}.", input_shape)
        self.scale = self.add_weight(shape=sizes, initializer=self.scale_initializer,
                                     name="scale")
        # as Keras's, whose config then says the axes as a sorted list
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]

    def call(self, inputs):
        shape = ops.shape(inputs)
        axes = self.axes(shape)
        mean_square = ops.mean(ops.square(inputs), axis=axes, keepdims=True)
        scale = ops.reshape(self.scale, _broadcast_shape(shape, axes))
        return ops.multiply(ops.multiply(inputs, ops.divide(
            1.0, ops.sqrt(ops.add(mean_square, self.epsilon)))), scale)

    def check_input_shapes(self, input_shape):
        sizes = tuple(input_shape[a] for a in self.axes(input_shape))
        if sizes != tuple(self.scale.shape):
            raise self.shape_error(f"was built for sizes {tuple(self.scale.shape)} along axis "
                                   f"{self.axis}; these inputs have {sizes}.", input_shape)


@declare("normalization")
class GroupNormalization(Layer):
    """The channels along `axis` split into `groups`; each sample normalised over each group
    (all its other axes), then gamma * x + beta per channel. groups=-1: one per channel."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    groups = Int(32, minimum=-1)
    axis = Axes(-1)
    epsilon = Float(1e-3, minimum=0.0)
    center = Bool(True)
    scale = Bool(True)
    beta_initializer = InitializerName("zeros")
    gamma_initializer = InitializerName("ones")
    beta_regularizer = RegularizerName(None)
    gamma_regularizer = RegularizerName(None)
    beta_constraint = ConstraintName(None)
    gamma_constraint = ConstraintName(None)

    def configure(self):
        if self.groups == 0:
            raise LayerConfigError("GroupNormalization: `groups` must be a positive number of "
                                   "groups or -1 (one per channel), got 0.")

    def channel_axis(self, shape) -> int:
        if not -len(shape) <= self.axis < len(shape) or self.axis % len(shape) == 0:
            raise self.shape_error(f"axis={self.axis} must be a non-batch axis of inputs of "
                                   f"rank {len(shape)}.", shape)
        return self.axis % len(shape)

    def group_count(self, shape) -> int:
        """The number of groups for inputs of `shape` (-1: one per channel), checked."""
        channels = shape[self.channel_axis(shape)]
        groups = channels if self.groups == -1 else self.groups
        if channels is None or channels < groups or channels % groups:
            raise self.shape_error(
                f"splits the {channels} channels along axis {self.axis} into {groups} groups; "
                "the channels must be known and a multiple of groups.", shape)
        return groups

    def build(self, input_shape):
        self.groups = self.group_count(input_shape)  # as Keras's: -1 becomes the channels
        channels = (input_shape[self.channel_axis(input_shape)],)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape=channels, initializer=self.gamma_initializer,
                                         name="gamma", regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=channels, initializer=self.beta_initializer,
                                        name="beta", regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def call(self, inputs):
        shape = ops.shape(inputs)
        axis, groups = self.channel_axis(shape), self.group_count(shape)
        grouped = ops.reshape(inputs, (-1, *shape[1:axis], groups, shape[axis] // groups,
                                       *shape[axis + 1:]))
        axes = tuple(a for a in range(1, len(shape) + 1) if a != axis)
        mean, variance = ops.moments(grouped, axes, keepdims=True)
        inverse = ops.divide(1.0, ops.sqrt(ops.add(variance, self.epsilon)))
        normalized = ops.reshape(ops.multiply(ops.subtract(grouped, mean), inverse), shape)
        broadcast = _broadcast_shape(shape, (axis,))
        if self.gamma is not None:
            normalized = ops.multiply(normalized, ops.reshape(self.gamma, broadcast))
        if self.beta is not None:
            normalized = ops.add(normalized, ops.reshape(self.beta, broadcast))
        return normalized

    def compute_output_shape(self, input_shape):
        self.group_count(input_shape)
        return input_shape

    def check_input_shapes(self, input_shape):
        weight = self.gamma if self.gamma is not None else self.beta
        channels = input_shape[self.channel_axis(input_shape)]
        if weight is not None and (channels,) != tuple(weight.shape):
            raise self.shape_error(f"was built for {weight.shape[0]} channels along axis "
                                   f"{self.axis}; these inputs have {channels}.", input_shape)


def _broadcast_shape(shape, axes) -> tuple:
    return tuple(shape[a] if a in axes else 1 for a in range(len(shape)))


# ---------------------------------------------------------------------------------- exports
def _axes_argument(axes) -> str:
    return str(axes[0]) if len(axes) == 1 else str(tuple(axes))


def unit_to_torch(step, torch):
    x, axes, output = step.args[0], _axes_argument(step.layer.axes(step.input_shape)), \
        step.outputs[0]
    inverse = f"{x}.square().sum(dim={axes}, keepdim=True).rsqrt()"
    scaled = f"{x} * {output}.clamp(max={1 / UNIT_EPSILON:g})"
    return torch.Emitted([], [*torch.assign(step, inverse), *torch.assign(step, scaled)])


def unit_to_arrays(step, code):
    axes = code.shape(step.layer.axes(step.input_shape))
    return code.call(step, "apply_unit_normalization", [step.args[0], f"axes={axes}"])


def unit_to_onnx(b, step, onnx):
    x, name = step.args[0], step.name
    squares = b.op("ReduceSumSquare", [x], f"{name}/squares",
                   axes=list(step.layer.axes(step.input_shape)), keepdims=1)
    inverse = b.op("Reciprocal", [b.op("Sqrt", [squares], f"{name}/norm")], f"{name}/inverse")
    ceiling = b.constant(f"{name}/ceiling", np.float32(1 / UNIT_EPSILON))
    return [b.op("Mul", [x, b.op("Min", [inverse, ceiling], f"{name}/floored")], name)]


def rms_to_torch(step, torch):
    """torch's RMSNorm normalises trailing axes: others are moved there and back."""
    layer, rank = step.layer, len(step.input_shape)
    axes = layer.axes(step.input_shape)
    trailing = tuple(range(rank - len(axes), rank))
    sizes = tuple(step.input_shape[a] for a in axes)
    init = torch.module(step, "nn.RMSNorm", [torch.literal(sizes), f"eps={layer.epsilon!r}"])
    if axes == trailing:
        return torch.Emitted(init, torch.chain(step, [f"self.{step.name}({{}})"]))
    there, back = _axes_argument(axes), _axes_argument(trailing)
    wrappers = [f"{{}}.movedim({there}, {back})", f"self.{step.name}({{}})",
                f"{{}}.movedim({back}, {there})"]
    return torch.Emitted(init, torch.chain(step, wrappers))


def rms_torch_weights(step, torch):
    return {"weight": torch.named_weights(step.layer)["scale"]}


def rms_to_arrays(step, code):
    layer = step.layer
    arguments = [code.params(step), step.args[0],
                 f"axes={code.shape(layer.axes(step.input_shape))}",
                 f"epsilon={layer.epsilon!r}"]
    return code.call(step, "apply_rms_normalization", arguments)


def rms_to_onnx(b, step, onnx):
    x, name, layer = step.args[0], step.name, step.layer
    axes = layer.axes(step.input_shape)
    mean_square = b.op("ReduceMean", [b.op("Mul", [x, x], f"{name}/square")],
                       f"{name}/mean_square", axes=list(axes), keepdims=1)
    epsilon = b.constant(f"{name}/epsilon", np.float32(layer.epsilon))
    root = b.op("Sqrt", [b.op("Add", [mean_square, epsilon], f"{name}/plus_epsilon")],
                f"{name}/rms")
    scaled = b.op("Mul", [x, b.op("Reciprocal", [root], f"{name}/inverse")], f"{name}/scaled")
    scale = onnx.named_weights(layer)["scale"].reshape(_broadcast_shape(step.input_shape, axes))
    return [b.op("Mul", [scaled, b.constant(f"{name}/scale", scale)], name)]


def group_to_torch(step, torch):
    """torch's GroupNorm takes the channels on axis 1: they are moved there and back."""
    layer, shape = step.layer, step.input_shape
    axis = layer.channel_axis(shape)
    arguments = [str(layer.group_count(shape)), str(shape[axis]), f"eps={layer.epsilon!r}"]
    if not (layer.center or layer.scale):
        arguments.append("affine=False")
    init = torch.module(step, "nn.GroupNorm", arguments)
    if layer.center and not layer.scale:
        init.append(torch.frozen(step, "weight", "scale=False: gamma stays 1"))
    if layer.scale and not layer.center:
        init.append(torch.frozen(step, "bias", "center=False: beta stays 0"))
    if axis == 1:
        return torch.Emitted(init, torch.chain(step, [f"self.{step.name}({{}})"]))
    wrappers = [f"{{}}.movedim({axis}, 1)", f"self.{step.name}({{}})",
                f"{{}}.movedim(1, {axis})"]
    return torch.Emitted(init, torch.chain(step, wrappers))


def group_torch_weights(step, torch):
    layer, w = step.layer, torch.named_weights(step.layer)
    if not (layer.center or layer.scale):
        return {}
    channels = step.input_shape[layer.channel_axis(step.input_shape)]
    return {"weight": w.get("gamma", np.ones(channels, np.float32)),
            "bias": w.get("beta", np.zeros(channels, np.float32))}


def group_to_arrays(step, code):
    layer, shape = step.layer, step.input_shape
    arguments = [code.params(step), step.args[0], f"axis={layer.channel_axis(shape)}",
                 f"groups={layer.group_count(shape)}", f"epsilon={layer.epsilon!r}"]
    return code.call(step, "apply_group_normalization", arguments)


def group_to_onnx(b, step, onnx):
    layer, shape, x, name = step.layer, step.input_shape, step.args[0], step.name
    if None in shape[1:]:
        raise onnx.ExportError(f"{name}: GroupNormalization exports to ONNX with known sizes "
                               f"but the batch's; its inputs are {shape}.")
    axis, groups = layer.channel_axis(shape), layer.group_count(shape)
    grouped_shape = [0, *shape[1:axis], groups, shape[axis] // groups, *shape[axis + 1:]]
    grouped = b.op("Reshape", [x, b.constant(f"{name}/grouped_shape", grouped_shape, np.int64)],
                   f"{name}/grouped")
    axes = [a for a in range(1, len(shape) + 1) if a != axis]
    mean = b.op("ReduceMean", [grouped], f"{name}/mean", axes=axes, keepdims=1)
    centered = b.op("Sub", [grouped, mean], f"{name}/deviation")
    variance = b.op("ReduceMean", [b.op("Mul", [centered, centered], f"{name}/square")],
                    f"{name}/variance", axes=axes, keepdims=1)
    epsilon = b.constant(f"{name}/epsilon", np.float32(layer.epsilon))
    root = b.op("Sqrt", [b.op("Add", [variance, epsilon], f"{name}/plus_epsilon")],
                f"{name}/std")
    normalized = b.op("Mul", [centered, b.op("Reciprocal", [root], f"{name}/inverse")],
                      f"{name}/normalized")
    y = b.op("Reshape", [normalized, b.constant(f"{name}/shape", [0, *shape[1:]], np.int64)],
             f"{name}/ungrouped")
    w, broadcast = onnx.named_weights(layer), _broadcast_shape(shape, (axis,))
    if "gamma" in w:
        y = b.op("Mul", [y, b.constant(f"{name}/gamma", w["gamma"].reshape(broadcast))],
                 f"{name}/scaled")
    if "beta" in w:
        y = b.op("Add", [y, b.constant(f"{name}/beta", w["beta"].reshape(broadcast))],
                 f"{name}/shifted")
    return [y]


exports(UnitNormalization, torch=unit_to_torch, arrays=unit_to_arrays, onnx=unit_to_onnx)
exports(RMSNormalization, torch=rms_to_torch, torch_weights=rms_torch_weights,
        arrays=rms_to_arrays, onnx=rms_to_onnx)
exports(GroupNormalization, torch=group_to_torch, torch_weights=group_torch_weights,
        arrays=group_to_arrays, onnx=group_to_onnx)
