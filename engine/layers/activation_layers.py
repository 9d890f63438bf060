"""Keras's activation layers with arguments: ReLU, LeakyReLU, ELU, Softmax, and PReLU (a
learned slope per value)."""

from __future__ import annotations

from engine import ops
from engine.layers.declaration import (
    Axes,
    ConstraintName,
    Float,
    InitializerName,
    RegularizerName,
    declare,
    exports,
)
from engine.layers.layer import Layer


class Elementwise(Layer):
    """An activation applied value by value (Softmax: along its axes); shapes are kept."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    def compute_output_shape(self, input_shape):
        return input_shape


@declare("activation")
class ReLU(Elementwise):
    """x above `threshold` (clipped at `max_value`), negative_slope * (x - threshold) below,
    computed as Keras's activations.relu does."""

    max_value = Float(None, minimum=0.0)
    negative_slope = Float(0.0, minimum=0.0)
    threshold = Float(0.0, minimum=0.0)

    def call(self, inputs):
        x = inputs
        if self.threshold:
            x = x * ops.cast(ops.greater(x, self.threshold), ops.dtype(x))
        else:
            x = ops.relu(x)
        if self.max_value is not None:
            x = ops.clip(x, 0.0, self.max_value)
        if self.negative_slope:
            x = x - self.negative_slope * ops.relu(-inputs + self.threshold)
        return x


@declare("activation")
class LeakyReLU(Elementwise):
    """x for x >= 0, negative_slope * x below."""

    negative_slope = Float(0.3, minimum=0.0)

    def call(self, inputs):
        return ops.leaky_relu(inputs, self.negative_slope)


@declare("activation")
class ELU(Elementwise):
    """x for x > 0, alpha * (exp(x) - 1) below."""

    alpha = Float(1.0)

    def call(self, inputs):
        negative = self.alpha * (ops.exp(ops.minimum(inputs, 0.0)) - 1.0)
        return ops.where(ops.greater(inputs, 0.0), inputs, negative)


@declare("activation")
class Softmax(Elementwise):
    """exp(x) / sum(exp(x)) over `axis` (an axis or a list of them). A `mask` (True or > 0.5:
    keep; broadcastable to the inputs) leaves masked values out and gives them 0, as Keras's."""

    axis = Axes(-1, several=True)

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._checked_mask(inputs, mask)
            inputs = ops.where(mask, inputs, -3e4 if ops.dtype(inputs) == "float16" else -1e9)
        if isinstance(self.axis, list):
            axes = tuple(self.axis)
            outputs = ops.exp(inputs - ops.logsumexp(inputs, axis=axes, keepdims=True))
        else:
            outputs = ops.softmax(inputs, axis=self.axis)
        # a fully masked axis would otherwise be uniform
        return outputs if mask is None else ops.where(mask, outputs, 0.0)

    def _checked_mask(self, inputs, mask):
        """`mask` as bools, or a shape error when it does not broadcast to the inputs."""
        shape, mask_shape = ops.shape(inputs), ops.shape(mask)
        if len(mask_shape) > len(shape) or any(
                m not in (1, i) for m, i in zip(mask_shape[::-1], shape[::-1])
                if m is not None and i is not None):
            raise self.shape_error(
                f"takes a mask that broadcasts to its inputs (each size 1 or the input's, no "
                f"more axes); got a mask of shape {mask_shape}.", shape)
        return mask if ops.dtype(mask) == "bool" else ops.greater(mask, 0.5)


@declare("activation")
class PReLU(Elementwise):
    """x for x >= 0, alpha * x below, with a learned `alpha` per value of a sample (one value
    along each of `shared_axes`), shaped like a sample as Keras's is."""

    alpha_initializer = InitializerName("zeros")
    alpha_regularizer = RegularizerName(None)
    alpha_constraint = ConstraintName(None)
    shared_axes = Axes(None, several=True)

    def configure(self):
        if isinstance(self.shared_axes, int):
            self.shared_axes = [self.shared_axes]

    def build(self, input_shape):
        rank = len(input_shape)
        shared = self.shared_axes or []
        wrong = [a for a in shared if not 1 <= a < rank]
        if rank < 2 or wrong:
            raise self.shape_error(
                f"shares alpha along axes {shared}, but these must be axes 1 to {rank - 1} "
                "of the input (axis 0, the batch, is always shared). Choose shared_axes among "
                "them, or None.",
                input_shape,
            )
        shape = [1 if axis in shared else size for axis, size in enumerate(input_shape)][1:]
        if None in shape:
            raise self.shape_error(
                "needs a known size on every axis that is not in shared_axes, as alpha has one "
                "value per position there. Give the Input a fixed size, or share that axis.",
                input_shape,
            )
        self.alpha = self.add_weight(shape=tuple(shape), initializer=self.alpha_initializer,
                                     name="alpha", regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)

    def call(self, inputs):
        return ops.relu(inputs) - ops.multiply(self.alpha, ops.relu(-inputs))


# ---------------------------------------------------------------------------------- exports
def _number(value) -> str:
    return repr(float(value))


def relu_to_torch(step, torch):
    """Keras's steps as a chain: F.threshold keeps x above the threshold."""
    layer = step.layer
    if layer.max_value is None and not layer.threshold and layer.negative_slope:
        return leaky_relu_to_torch(step, torch)
    if layer.threshold:
        wrappers = [f"F.threshold({{}}, {_number(layer.threshold)}, 0.0)"]
    else:
        wrappers = ["torch.relu({})"]
    if layer.max_value is not None:
        wrappers.append(f"torch.clamp({{}}, 0.0, {_number(layer.max_value)})")
    if layer.negative_slope:
        below = f"torch.relu({_number(layer.threshold)} - {step.args[0]})"
        wrappers.append(f"{{}} - {_number(layer.negative_slope)} * {below}")
    return torch.Emitted([], torch.chain(step, wrappers))


def relu_to_arrays(step, code):
    """The plain and the leaky ReLU as the framework's own; other settings by `apply_relu`."""
    layer = step.layer
    if layer.max_value is None and not layer.threshold:
        if not layer.negative_slope:
            return code.chain(step, [code.activation("relu")])
        slope = _number(layer.negative_slope)
        return code.chain(step, [code.template("leaky_relu", slope=slope)])
    maximum = "None" if layer.max_value is None else _number(layer.max_value)
    arguments = [step.args[0], _number(layer.negative_slope), maximum,
                 _number(layer.threshold)]
    return code.call(step, "apply_relu", arguments)


def relu_to_onnx(b, step, onnx):
    layer, x = step.layer, step.args[0]
    if layer.threshold:
        threshold = b.constant(f"{step.name}/threshold", layer.threshold)
        above = b.op("Cast", [b.op("Greater", [x, threshold], f"{step.name}/greater")],
                     f"{step.name}/above", to=1)  # 1: FLOAT
        y = b.op("Mul", [x, above], f"{step.name}/kept")
    else:
        y = b.op("Relu", [x], f"{step.name}/relu")
    if layer.max_value is not None:
        bounds = [b.constant(f"{step.name}/low", 0.0),
                  b.constant(f"{step.name}/high", layer.max_value)]
        y = b.op("Clip", [y, *bounds], f"{step.name}/clip")
    if layer.negative_slope:
        shifted = b.op("Sub", [b.constant(f"{step.name}/threshold", layer.threshold), x],
                       f"{step.name}/below")
        below = b.op("Mul", [b.op("Relu", [shifted], f"{step.name}/below_relu"),
                             b.constant(f"{step.name}/slope", layer.negative_slope)],
                     f"{step.name}/negative")
        y = b.op("Sub", [y, below], f"{step.name}/leaky")
    return [y]


exports(ReLU, torch=relu_to_torch, arrays=relu_to_arrays, onnx=relu_to_onnx)


def leaky_relu_to_torch(step, torch):
    slope = _number(step.layer.negative_slope)
    return torch.Emitted([], torch.chain(step, [f"F.leaky_relu({{}}, {slope})"]))


def leaky_relu_to_arrays(step, code):
    slope = _number(step.layer.negative_slope)
    return code.chain(step, [code.template("leaky_relu", slope=slope)])


def leaky_relu_to_onnx(b, step, onnx):
    return [b.op("LeakyRelu", [step.args[0]], step.name, alpha=step.layer.negative_slope)]


exports(LeakyReLU, torch=leaky_relu_to_torch, arrays=leaky_relu_to_arrays,
        onnx=leaky_relu_to_onnx)


def elu_to_torch(step, torch):
    alpha = _number(step.layer.alpha)
    return torch.Emitted([], torch.chain(step, [f"F.elu({{}}, {alpha})"]))


def elu_to_arrays(step, code):
    return code.chain(step, [code.template("elu", alpha=_number(step.layer.alpha))])


def elu_to_onnx(b, step, onnx):
    return [b.op("Elu", [step.args[0]], step.name, alpha=step.layer.alpha)]


exports(ELU, torch=elu_to_torch, arrays=elu_to_arrays, onnx=elu_to_onnx)


def softmax_to_torch(step, torch):
    """torch.softmax over one axis; over several, exp(x - logsumexp(x)) in two statements."""
    axis, x = step.layer.axis, step.args[0]
    if not isinstance(axis, list):
        return torch.Emitted([], torch.chain(step, [f"torch.softmax({{}}, dim={axis})"]))
    dims = torch.literal(tuple(axis))
    total = torch.assign(step, f"torch.logsumexp({x}, dim={dims}, keepdim=True)")
    return torch.Emitted([], [*total, *torch.assign(step, f"torch.exp({x} - {step.outputs[0]})")])


def softmax_to_arrays(step, code):
    axis = step.layer.axis
    axes = code.literal(tuple(axis)) if isinstance(axis, list) else str(axis)
    return code.chain(step, [code.template("softmax", axis=axes)])


def softmax_to_onnx(b, step, onnx):
    axis, x = step.layer.axis, step.args[0]
    if not isinstance(axis, list):
        return [b.op("Softmax", [x], step.name, axis=axis)]
    total = b.op("ReduceLogSumExp", [x], f"{step.name}/logsumexp", axes=axis, keepdims=1)
    return [b.op("Exp", [b.op("Sub", [x, total], f"{step.name}/shifted")], step.name)]


exports(Softmax, torch=softmax_to_torch, arrays=softmax_to_arrays, onnx=softmax_to_onnx)


def prelu_to_torch(step, torch):
    """The generated `PReLU` module, its alpha shaped as Keras's."""
    init = torch.module(step, "PReLU", [torch.literal(tuple(step.layer.alpha.shape))])
    return torch.Emitted(init, torch.chain(step, [f"self.{step.name}({{}})"]), ("PReLU",))


def prelu_torch_weights(step, torch):
    return {"alpha": torch.named_weights(step.layer)["alpha"]}


def prelu_to_arrays(step, code):
    return code.call(step, "apply_prelu", [code.params(step), step.args[0]])


def prelu_to_onnx(b, step, onnx):
    alpha = b.constant(f"{step.name}/alpha", onnx.named_weights(step.layer)["alpha"])
    return [b.op("PRelu", [step.args[0], alpha], step.name)]


exports(PReLU, torch=prelu_to_torch, torch_weights=prelu_torch_weights, arrays=prelu_to_arrays,
        onnx=prelu_to_onnx)
