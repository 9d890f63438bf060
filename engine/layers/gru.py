"""GRU and GRUCell: Keras 3's gated recurrent unit (gates z, r, h)."""

from __future__ import annotations

import numpy as np

from engine import activations, ops
from engine.layers.declaration import ActivationName, Bool, declare, exports
from engine.layers.recurrent import (
    CELL_ALONE,
    CELL_PORTS,
    Cell,
    Gated,
    Recurrent,
    RecurrentExports,
    project,
)
from engine.layers.recurrent_dropout import NO_DROPOUT, gate_input


class GRUStep(Gated):
    """The step GRU and GRUCell share: h_t = z * h_{t-1} + (1 - z) * candidate.

    With reset_after (Keras's default, cuDNN's form) the reset gate scales the recurrent
    projection, which has its own bias: the bias is (2, 3*units), input bias then recurrent
    bias. Without it the reset gate scales h_{t-1} before its projection; bias (3*units,).
    """

    gates = 3

    recurrent_activation = ActivationName("sigmoid", after="activation")
    reset_after = Bool(True, keyword_only=True)

    def make_bias(self):
        return super().make_bias(shape=(2, 3 * self.units) if self.reset_after else None)

    def step(self, x, states, masks=NO_DROPOUT):
        (h,) = states  # dropout reaches the gates' products; the mix keeps h itself, as Keras
        input_bias, recurrent_bias = self._biases()
        x_z, x_r, x_h = self.blocks(self.affine(x, self.kernel, input_bias, masks.inputs))
        if self.reset_after:
            h_z, h_r, h_h = self.blocks(self.affine(h, self.recurrent_kernel, recurrent_bias,
                                                    masks.recurrent))
            z, r = self._gate(x_z, h_z), self._gate(x_r, h_r)
            reset_h = ops.multiply(r, h_h)
        else:
            u_z, u_r, u_h = self.blocks(self.recurrent_kernel)
            h_z, h_r, h_h = (gate_input(h, masks.recurrent, g) for g in range(3))
            z, r = self._gate(x_z, ops.matmul(h_z, u_z)), self._gate(x_r, ops.matmul(h_r, u_r))
            reset_h = ops.matmul(ops.multiply(r, h_h), u_h)
        candidate = activations.apply(self.activation, ops.add(x_h, reset_h))
        return [ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1.0, z), candidate))]

    def _gate(self, from_input, from_state):
        return activations.apply(self.recurrent_activation, ops.add(from_input, from_state))

    def _biases(self):
        """(input bias, recurrent bias); either may be None."""
        if self.bias is None:
            return None, None
        if self.reset_after:
            return ops.getitem(self.bias, 0), ops.getitem(self.bias, 1)
        return self.bias, None


@declare("recurrent")
class GRU(GRUStep, Recurrent):
    """Keras 3's GRU: layers.RNN(GRUCell(...)) in one layer."""


@declare("recurrent", CELL_PORTS)
class GRUCell(GRUStep, Cell):
    """Keras 3's GRUCell: one step, state_size units."""


# ---------------------------------------------------------------------------------- exports
def onnx_cell(b, onnx, layer, weights, x_t, states, hint):
    """One step in ONNX ops: the new h, the reset gate applied as `reset_after` says."""
    (h,) = states
    x_z, x_r, x_h = b.op("Split", [project(b, x_t, weights, "kernel", "input_bias", hint)],
                         f"{hint}/x_gates", outputs=3, axis=-1)
    gate = layer.recurrent_activation
    if layer.reset_after:
        recurrent = project(b, h, weights, "recurrent_kernel", "recurrent_bias", hint)
        h_z, h_r, h_h = b.op("Split", [recurrent], f"{hint}/h_gates", outputs=3, axis=-1)
        z = onnx.activation(b, gate, b.op("Add", [x_z, h_z], f"{hint}/z_in"), f"{hint}/z")
        r = onnx.activation(b, gate, b.op("Add", [x_r, h_r], f"{hint}/r_in"), f"{hint}/r")
        reset = b.op("Mul", [r, h_h], f"{hint}/reset")
    else:
        for i, part in enumerate(("u_z", "u_r", "u_h")):
            if part not in weights:
                weights[part] = np.split(weights["recurrent_kernel"], 3, axis=-1)[i]
        z_in = b.op("Add", [x_z, project(b, h, weights, "u_z", None, hint)], f"{hint}/z_in")
        r_in = b.op("Add", [x_r, project(b, h, weights, "u_r", None, hint)], f"{hint}/r_in")
        z = onnx.activation(b, gate, z_in, f"{hint}/z")
        r = onnx.activation(b, gate, r_in, f"{hint}/r")
        reset = project(b, b.op("Mul", [r, h], f"{hint}/r_h"), weights, "u_h", None, hint)
    candidate = onnx.activation(b, layer.activation,
                                b.op("Add", [x_h, reset], f"{hint}/h_in"), f"{hint}/candidate")
    one_minus_z = b.op("Sub", [b.constant(f"{hint}/one", 1.0), z], f"{hint}/one_minus_z")
    return [b.op("Add", [b.op("Mul", [z, h], f"{hint}/kept"),
                         b.op("Mul", [one_minus_z, candidate], f"{hint}/new")], f"{hint}/h")]


def torch_native(layer) -> bool:
    """Whether torch's nn.GRU computes what the layer does: fixed activations, and the reset
    gate applied after the recurrent product."""
    return (layer.activation == "tanh" and layer.recurrent_activation == "sigmoid"
            and layer.reset_after)


exports(GRU, **RecurrentExports(
    torch_layer="nn.GRU",
    torch_gates=(1, 0, 2),  # torch's (r, z, n)
    torch_native=torch_native,
    onnx_op="GRU",
    onnx_gates=(0, 1, 2),
    onnx_activations=lambda layer: [layer.recurrent_activation, layer.activation],
    onnx_cell=onnx_cell,
    onnx_attributes=lambda layer: {"linear_before_reset": int(layer.reset_after)},
).translations())
exports(GRUCell, **CELL_ALONE)
