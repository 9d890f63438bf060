"""Activation: an activation function as a layer of its own."""

from __future__ import annotations

from engine import activations
from engine.layers.declaration import ActivationName, declare, exports
from engine.layers.layer import Layer


@declare("core")
class Activation(Layer):
    """activation(inputs), elementwise (softmax: over the last axis)."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    activation = ActivationName(suggested="relu")

    def call(self, inputs):
        return activations.apply(self.activation, inputs)

    def compute_output_shape(self, input_shape):
        if self.activation != "glu":
            return input_shape
        size = input_shape[-1]
        if size is not None and size % 2:
            raise self.shape_error("glu splits the last axis in two halves, which needs an even "
                                   "size.", input_shape)
        return (*input_shape[:-1], None if size is None else size // 2)


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    expression = torch.activation(step.layer.activation).format(step.args[0])
    return torch.Emitted([], torch.assign(step, expression))


def to_arrays(step, code):
    return code.chain(step, [code.activation(step.layer.activation)])


def to_onnx(b, step, onnx):
    return [onnx.activation(b, step.layer.activation, step.args[0], step.name)]


exports(Activation, torch=to_torch, arrays=to_arrays, onnx=to_onnx)
