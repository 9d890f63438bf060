"""SimpleRNN and SimpleRNNCell: h_t = activation(x_t W + h_{t-1} U + b)."""

from __future__ import annotations

from engine import activations, ops
from engine.layers.declaration import declare, exports
from engine.layers.recurrent import (
    CELL_ALONE,
    CELL_PORTS,
    Cell,
    Gated,
    Recurrent,
    RecurrentExports,
    project,
)
from engine.layers.recurrent_dropout import NO_DROPOUT


class SimpleRNNStep(Gated):
    """The step SimpleRNN and SimpleRNNCell share: a fully connected recurrence whose state
    is its output."""

    def step(self, x, states, masks=NO_DROPOUT):
        (h,) = states
        z = ops.add(self.affine(x, self.kernel, self.bias, masks.inputs),
                    self.affine(h, self.recurrent_kernel, masks=masks.recurrent))
        return [activations.apply(self.activation, z)]


@declare("recurrent")
class SimpleRNN(SimpleRNNStep, Recurrent):
    """Keras 3's SimpleRNN: layers.RNN(SimpleRNNCell(...)) in one layer."""


@declare("recurrent", CELL_PORTS)
class SimpleRNNCell(SimpleRNNStep, Cell):
    """Keras 3's SimpleRNNCell: one step, state_size units."""


# ---------------------------------------------------------------------------------- exports
def onnx_cell(b, onnx, layer, weights, x_t, states, hint):
    """One step in ONNX ops: h = activation(x_t W + b + h U)."""
    z = b.op("Add", [project(b, x_t, weights, "kernel", "input_bias", hint),
                     project(b, states[0], weights, "recurrent_kernel", None, hint)], f"{hint}/z")
    return [onnx.activation(b, layer.activation, z, f"{hint}/h")]


exports(SimpleRNN, **RecurrentExports(
    torch_layer="nn.RNN",
    torch_gates=(0,),
    torch_native=lambda layer: layer.activation in ("tanh", "relu"),
    onnx_op="RNN",
    onnx_gates=(0,),
    onnx_activations=lambda layer: [layer.activation],
    onnx_cell=onnx_cell,
).translations())
exports(SimpleRNNCell, **CELL_ALONE)
