"""Masking: time steps whose features all equal `mask_value` become padding."""

from __future__ import annotations

from engine import ops
from engine.layers import masks
from engine.layers.declaration import Float, declare, exports
from engine.layers.layer import Layer


@declare("core")
class Masking(Layer):
    """(batch, steps, features) -> the same, zero at the steps whose features all equal
    `mask_value`; the outputs carry a (batch, steps) mask, False at those steps, for the
    layers after it (LSTM skips them), as Keras's."""

    mask_value = Float(0.0)

    def call(self, inputs):
        return ops.where(self._kept(inputs, keepdims=True), inputs, 0.0)

    def compute_mask(self, inputs, previous_mask):
        return self._kept(inputs)

    def _kept(self, inputs, keepdims=False):
        kept = masks.any_along(ops.not_equal(inputs, self.mask_value), axis=-1)
        return ops.expand_dims(kept, -1) if keepdims else kept

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


# ---------------------------------------------------------------------------------- exports
# The exported code computes the outputs; a layer after it that uses the mask is refused by
# the exporters (engine/export/program.py refuse_masks).
def to_torch(step, torch):
    value = repr(step.layer.mask_value)
    x = step.args[0]
    return torch.Emitted([], torch.assign(
        step, f"{x} * ({x} != {value}).any(dim=-1, keepdim=True)"))


def to_arrays(step, code):
    x, value = step.args[0], repr(step.layer.mask_value)
    return code.chain(step, [f"abs({{}} - {value})",
                             code.template("max", axes="-1", keep=", keepdims=True"),
                             code.template("float", x="{} > 0"), f"{x} * {{}}"])


def to_onnx(b, step, onnx):
    x, name = step.args[0], step.name
    differs = b.op("Not", [b.op("Equal", [x, b.constant(f"{name}/mask_value",
                                                        step.layer.mask_value)],
                                f"{name}/equal")], f"{name}/differs")
    kept = b.op("ReduceMax", [b.op("Cast", [differs], f"{name}/differs_float", to=1)],
                f"{name}/kept", axes=[-1], keepdims=1)  # 1: FLOAT
    return [b.op("Mul", [x, kept], name)]


exports(Masking, torch=to_torch, arrays=to_arrays, onnx=to_onnx)
