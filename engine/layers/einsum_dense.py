"""EinsumDense: a dense layer whose product with the kernel is an einsum equation, so the
kernel may have any shape (a projection to several heads, say): Keras's layer, its weights
laid out as Keras lays them out."""

from __future__ import annotations

import dataclasses
import math
import re

from engine import activations, initializers, ops
from engine.errors import LayerConfigError
from engine.layers.declaration import (
    ActivationName,
    Argument,
    ConstraintName,
    InitializerName,
    RegularizerName,
    Sizes,
    declare,
    exports,
)
from engine.layers.layer import Layer

# The equations Keras takes: "ab,bc->ac", "...b,bc->...c" and "abc...,cd->abd...".
FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), None),
    (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)"), "left"),
    (re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\."), "right"),
)
# Initializers that scale by fan-in and fan-out, which EinsumDense counts as Keras does: the
# kernel axes shared with the input, and those shared with the output.
FAN_SCALED = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
              "lecun_normal")


class Equation(Argument):
    """An einsum equation of the input and the kernel, in one of Keras's three forms."""

    def convert(self, layer, value):
        if not isinstance(value, str) or _parse(value) is None:
            raise self.error(layer, "must be an einsum equation of the form 'ab,bc->ac', "
                             "'...b,bc->...c' or 'abc...,cd->abd...'", value)
        return value


class OutputSizes(Sizes):
    """The output's sizes without the batch axis (and without the axes '...' stands for): an
    int for one axis; None where the input gives the size."""

    def convert(self, layer, value):
        return super().convert(layer, (value,) if isinstance(value, int) else value)

    def form(self, cls):
        return {**super().form(cls), "type": "int_or_int_list"}


class BiasAxes(Argument):
    """The letters of the output axes that the bias spans, or None for no bias."""

    def convert(self, layer, value):
        if not isinstance(value, str) or not value.isalpha():
            raise self.error(layer, "must be a string of output letters (e.g. 'c') or None",
                             value)
        return value


@dataclasses.dataclass(frozen=True)
class Layout:
    """What an equation makes of one input shape: the full output shape, the kernel's and
    the bias's shapes (bias None when there is none), and which kernel axes count as fan-in
    (shared with the input) and fan-out (shared with the output)."""

    output: tuple
    kernel: tuple
    bias: tuple | None
    input_axes: tuple
    output_axes: tuple


@declare("core")
class EinsumDense(Layer):
    """activation(einsum(equation, inputs, kernel) + bias); `output_shape` gives the sizes
    of the output axes (batch excluded) and so the kernel's; `bias_axes` names the output
    letters the bias spans."""

    equation = Equation(suggested="ab,bc->ac")
    output_shape = OutputSizes(unknown=True, suggested=(32,))
    activation = ActivationName(None)
    bias_axes = BiasAxes(None)
    kernel_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")
    kernel_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    kernel_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)

    def configure(self):
        _, _, output_spec = _parse(self.equation)[0]
        missing = set(self.bias_axes or "") - set(output_spec)
        if missing:
            raise LayerConfigError(
                f"EinsumDense: `bias_axes` {self.bias_axes!r} names {''.join(sorted(missing))}, "
                f"which the output '{output_spec}' of equation {self.equation!r} lacks.")

    def layout(self, input_shape) -> Layout:
        """The shapes this layer's equation gives for `input_shape`, or a shape error."""
        (input_spec, weight_spec, output_spec), side = _parse(self.equation)
        rank = len(input_shape)
        elided = rank - len(input_spec)
        if (elided != 0) != (side is not None) or elided < 0:
            raise self.shape_error(
                f"equation {self.equation!r} names {len(input_spec)} input axes"
                f"{' and more' if side else ''}, but the input has {rank}.", input_shape)
        outputs = list(self.output_shape)
        if side == "left":
            full, offset = [*input_shape[:elided], *outputs], elided
        else:
            full, offset = [input_shape[0], *outputs, *input_shape[rank - elided:]], 0
        named = len(output_spec) - (side != "left")  # the output letters after the batch's
        if len(outputs) != named:
            raise self.shape_error(
                f"output_shape={self.output_shape} gives {len(outputs)} sizes, but equation "
                f"{self.equation!r} has {named} output axes after the batch axis.",
                input_shape)
        input_axis = {letter: i + (elided if side == "left" else 0)
                      for i, letter in enumerate(input_spec)}
        output_axis = {letter: i + offset for i, letter in enumerate(output_spec)}
        for letter in set(input_spec) & set(output_spec):
            size, wanted = input_shape[input_axis[letter]], full[output_axis[letter]]
            if wanted is None:
                full[output_axis[letter]] = size
            elif size is not None and size != wanted:
                raise self.shape_error(
                    f"axis '{letter}' has size {size} in the input but {wanted} in "
                    f"output_shape={self.output_shape}.", input_shape)
        kernel, input_axes, output_axes = [], [], []
        for i, letter in enumerate(weight_spec):
            if letter in output_axis:
                kernel.append(full[output_axis[letter]])
                output_axes.append(i)
            elif letter in input_axis:
                kernel.append(input_shape[input_axis[letter]])
                input_axes.append(i)
            else:
                raise self.shape_error(
                    f"kernel axis '{letter}' of equation {self.equation!r} is in neither the "
                    "input nor the output, so its size is unknown.", input_shape)
        for letter in output_spec:
            if letter not in input_spec and letter not in weight_spec:
                raise self.shape_error(
                    f"output axis '{letter}' of equation {self.equation!r} is in neither the "
                    "input nor the kernel.", input_shape)
        if None in kernel:
            raise self.shape_error(
                f"needs the sizes of every kernel axis '{weight_spec}' known; the input "
                f"{input_shape} and output_shape={self.output_shape} leave one unknown.",
                input_shape)
        return Layout(tuple(full), tuple(kernel), self._bias_shape(full, output_spec, offset,
                                                                   side, elided),
                      tuple(input_axes), tuple(output_axes))

    def _bias_shape(self, full, output_spec, offset, side, elided):
        """Keras's bias shape: from the first bias letter to the last output axis, size 1
        on axes the bias does not span (and on axes '...' stands for at the right)."""
        if self.bias_axes is None:
            return None
        first = min(output_spec.index(letter) for letter in self.bias_axes)
        shape = [full[i + offset] if letter in self.bias_axes else 1
                 for i, letter in enumerate(output_spec) if i >= first]
        return (*shape, *(1,) * (elided if side == "right" else 0))

    def build(self, input_shape):
        layout = self.layout(input_shape)
        self.kernel = self.add_weight(shape=layout.kernel,
                                      initializer=self._kernel_initializer(layout),
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if layout.bias is not None:
            self.bias = self.add_weight(shape=layout.bias, initializer=self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _kernel_initializer(self, layout):
        """The kernel's initializer; a fan-scaled one draws as for a (fan_in, fan_out) matrix,
        Keras's fans for EinsumDense, then takes the kernel's shape."""
        name = self.kernel_initializer
        if name not in FAN_SCALED:
            return name
        fan_in = math.prod(layout.kernel[i] for i in layout.input_axes)
        fan_out = math.prod(layout.kernel[i] for i in layout.output_axes)
        return lambda shape, dtype: initializers.initialize(name, (fan_in, fan_out), dtype)

    def call(self, inputs):
        out = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            out = ops.add(out, self.bias)
        return activations.apply(self.activation, out)

    def compute_output_shape(self, input_shape):
        return self.layout(input_shape).output


def _parse(equation):
    """((input, kernel, output) letters, where '...' stands: None, "left" or "right"), or None
    for an equation Keras does not take."""
    for pattern, side in FORMS:
        match = pattern.fullmatch(equation.replace(" ", ""))
        if match:
            return match.groups(), side
    return None


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    """The generated `EinsumDense` module, its kernel and bias shaped as Keras's."""
    layer = step.layer
    bias = [torch.literal(tuple(layer.bias.shape))] if layer.bias is not None else []
    init = torch.module(step, "EinsumDense", [repr(layer.equation),
                                              torch.literal(tuple(layer.kernel.shape)), *bias])
    wrappers = [f"self.{step.name}({{}})", torch.activation(layer.activation)]
    return torch.Emitted(init, torch.chain(step, wrappers), ("EinsumDense",))


def torch_weights(step, torch):
    return dict(torch.named_weights(step.layer))


def to_arrays(step, code):
    return code.call(step, "apply_einsum_dense",
                     [code.params(step), step.args[0], code.literal(step.layer.equation)],
                     code.activation(step.layer.activation))


def to_onnx(b, step, onnx):
    w = onnx.named_weights(step.layer)
    kernel = b.constant(f"{step.name}/kernel", w["kernel"])
    y = b.op("Einsum", [step.args[0], kernel], f"{step.name}/einsum",
             equation=step.layer.equation.replace(" ", ""))
    if "bias" in w:
        y = b.op("Add", [y, b.constant(f"{step.name}/bias", w["bias"])], f"{step.name}/biased")
    return [onnx.activation(b, step.layer.activation, y, f"{step.name}/activation")]


exports(EinsumDense, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
