"""LayerNormalization: normalise each sample over its feature axes."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers import precision
from engine.layers.declaration import (
    Axes,
    Bool,
    ConstraintName,
    Float,
    InitializerName,
    RegularizerName,
    declare,
    exports,
)
from engine.layers.layer import Layer


@declare("normalization")
class LayerNormalization(Layer):
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta, with per-sample statistics.

    The statistics are taken over `axis` (an int or a list of ints); gamma and beta have the
    sizes of those axes.
    """

    supports_masking = True  # passes its input's mask on, as Keras's does
    autocast = False  # Keras's: inputs and weights as they are, normalised in float32

    axis = Axes(-1, several=True)
    epsilon = Float(1e-3, minimum=0.0, above=True)
    center = Bool(True)
    scale = Bool(True)
    beta_initializer = InitializerName("zeros")
    gamma_initializer = InitializerName("ones")
    beta_regularizer = RegularizerName(None)
    gamma_regularizer = RegularizerName(None)
    beta_constraint = ConstraintName(None)
    gamma_constraint = ConstraintName(None)

    def build(self, input_shape):
        axes = self._axes(input_shape)
        features = tuple(input_shape[a] for a in axes)
        if None in features:
            raise self.shape_error(f"needs known sizes along axis {self.axis}.", input_shape)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=features, initializer=self.gamma_initializer, name="gamma",
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(
                shape=features, initializer=self.beta_initializer, name="beta",
                regularizer=self.beta_regularizer, constraint=self.beta_constraint)

    def call(self, inputs):
        axes = self._axes(ops.shape(inputs))
        return precision.downcast(self, ops.layer_norm(
            precision.upcast(inputs), axes, self.epsilon, self.gamma, self.beta))

    def _axes(self, shape):
        """The normalised axes as sorted non-negative ints, or a shape error."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if not all(-len(shape) <= a < len(shape) for a in axes):
            raise self.shape_error(
                f"axis={self.axis} is out of range for inputs of rank {len(shape)}.", shape
            )
        return tuple(sorted({a % len(shape) for a in axes}))

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return input_shape

    def check_input_shapes(self, input_shape):
        """The sizes along `axis` must stay those the weights were made for."""
        weight = self.gamma if self.gamma is not None else self.beta
        axes = self._axes(input_shape)
        if weight is not None and tuple(input_shape[a] for a in axes) != weight.shape:
            raise self.shape_error(
                f"was built for sizes {weight.shape} along axis {self.axis}; these inputs have "
                f"{tuple(input_shape[a] for a in axes)}.",
                input_shape,
            )


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    """torch's LayerNorm normalises trailing axes: others are moved there and back."""
    layer = step.layer
    rank = len(step.input_shape)
    axes = layer._axes(step.input_shape)
    trailing = tuple(range(rank - len(axes), rank))
    sizes = tuple(step.input_shape[a] for a in axes)
    arguments = [torch.size(sizes) if len(sizes) == 1 else torch.literal(sizes),
                 f"eps={layer.epsilon!r}"]
    if not (layer.center or layer.scale):
        arguments.append("elementwise_affine=False")
    elif not layer.center:
        arguments.append("bias=False")
    init = torch.module(step, "nn.LayerNorm", arguments)
    if layer.center and not layer.scale:
        init.append(torch.frozen(step, "weight", "scale=False: gamma stays 1"))
    if axes == trailing:
        return torch.Emitted(init, torch.chain(step, [f"self.{step.name}({{}})"]))
    there, back = _axes_literal(axes, torch), _axes_literal(trailing, torch)
    wrappers = [f"{{}}.movedim({there}, {back})", f"self.{step.name}({{}})",
                f"{{}}.movedim({back}, {there})"]
    return torch.Emitted(init, torch.chain(step, wrappers))


def _axes_literal(axes, torch) -> str:
    return str(axes[0]) if len(axes) == 1 else torch.literal(tuple(axes))


def torch_weights(step, torch):
    layer, w = step.layer, torch.named_weights(step.layer)
    state = {}
    if layer.center or layer.scale:
        size = next(iter(w.values())).shape
        state["weight"] = w.get("gamma", np.ones(size, np.float32))
    if layer.center:
        state["bias"] = w["beta"]
    return state


def to_arrays(step, code):
    layer = step.layer
    axes = code.shape(layer._axes(step.input_shape))
    arguments = [code.params(step), step.args[0], f"axes={axes}", f"epsilon={layer.epsilon!r}"]
    return code.call(step, "apply_layer_normalization", arguments)


def to_onnx(b, step, onnx):
    layer, w = step.layer, onnx.named_weights(step.layer)
    rank = len(step.input_shape)
    axes = list(layer._axes(step.input_shape))
    shape = [step.input_shape[a] if a in axes else 1 for a in range(rank)]
    x, name = step.args[0], step.name
    mean = b.op("ReduceMean", [x], f"{name}/mean", axes=axes, keepdims=1)
    centered = b.op("Sub", [x, mean], f"{name}/deviation")
    variance = b.op("ReduceMean", [b.op("Mul", [centered, centered], f"{name}/square")],
                    f"{name}/variance", axes=axes, keepdims=1)
    epsilon = b.constant(f"{name}/epsilon", layer.epsilon)
    root = b.op("Sqrt", [b.op("Add", [variance, epsilon], f"{name}/plus_epsilon")], f"{name}/std")
    inverse = b.op("Reciprocal", [root], f"{name}/inverse")
    if "gamma" in w:
        gamma = b.constant(f"{name}/gamma", w["gamma"].reshape(shape))
        inverse = b.op("Mul", [inverse, gamma], f"{name}/inverse_gamma")
    beta = b.constant(f"{name}/beta", w["beta"].reshape(shape)) if "beta" in w else None
    return [onnx.normalize(b, step, x, mean, inverse, beta)]


exports(LayerNormalization, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
