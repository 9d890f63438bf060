"""Identity: its input, unchanged (Keras's placeholder layer)."""

from __future__ import annotations

from engine.layers.declaration import declare, exports
from engine.layers.layer import Layer


@declare("core")
class Identity(Layer):
    """The input passed through as it is, its mask with it."""

    supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    return torch.Emitted([], torch.assign(step, step.args[0]))


def to_arrays(step, code):
    return code.assign(step, step.args[0])


def to_onnx(b, step, onnx):
    return [b.op("Identity", [step.args[0]], step.name)]


exports(Identity, torch=to_torch, arrays=to_arrays, onnx=to_onnx)
