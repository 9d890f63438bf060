"""LSTM and LSTMCell: Keras 3's long short-term memory (gates i, f, c, o)."""

from __future__ import annotations

from engine import activations, initializers, ops
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
from engine.layers.recurrent_dropout import NO_DROPOUT


class LSTMStep(Gated):
    """The step LSTM and LSTMCell share. States are (h, c); with unit_forget_bias the forget
    gate's bias starts at one."""

    gates = 4
    state_count = 2

    recurrent_activation = ActivationName("sigmoid", after="activation")
    unit_forget_bias = Bool(True, keyword_only=True)

    def make_bias(self):
        return super().make_bias(self._unit_forget_bias if self.unit_forget_bias else None)

    def _unit_forget_bias(self, shape, dtype):
        """The bias initializer's values with the forget gate's block set to one."""
        value = initializers.initialize(self.bias_initializer, shape, dtype)
        value[self.units:2 * self.units] = 1.0
        return value

    def step(self, x, states, masks=NO_DROPOUT):
        h, c = states
        z = ops.add(self.affine(x, self.kernel, self.bias, masks.inputs),
                    self.affine(h, self.recurrent_kernel, masks=masks.recurrent))
        i, f, g, o = self.blocks(z)
        i, f, o = (activations.apply(self.recurrent_activation, v) for v in (i, f, o))
        c = ops.add(ops.multiply(f, c), ops.multiply(i, activations.apply(self.activation, g)))
        h = ops.multiply(o, activations.apply(self.activation, c))
        return [h, c]


@declare("recurrent")
class LSTM(LSTMStep, Recurrent):
    """Keras 3's LSTM: layers.RNN(LSTMCell(...)) in one layer."""

    def steps(self, sequences, states, mask, dropout):
        """With Keras's activations and nothing masked or dropped, the backend's `lstm` op
        (one fused kernel on PyTorch, as Keras uses cuDNN's where it can)."""
        plain = (mask is None and dropout.inputs is None and dropout.recurrent is None
                 and self.activation == "tanh" and self.recurrent_activation == "sigmoid")
        if not plain:
            return super().steps(sequences, states, mask, dropout)
        outputs, h, c = ops.lstm(sequences, *states, self.kernel, self.recurrent_kernel,
                                 self.bias, self.go_backwards)
        return (outputs if self.return_sequences else h), [h, c]


@declare("recurrent", CELL_PORTS)
class LSTMCell(LSTMStep, Cell):
    """Keras 3's LSTMCell: one step, state_size [units, units]."""


# ---------------------------------------------------------------------------------- exports
def onnx_cell(b, onnx, layer, weights, x_t, states, hint):
    """One step in ONNX ops: the new (h, c)."""
    h, c = states
    z = b.op("Add", [project(b, x_t, weights, "kernel", "input_bias", hint),
                     project(b, h, weights, "recurrent_kernel", None, hint)], f"{hint}/z")
    i, f, g, o = b.op("Split", [z], f"{hint}/gates", outputs=4, axis=-1)
    i, f, o = (onnx.activation(b, layer.recurrent_activation, v, f"{hint}/gate")
               for v in (i, f, o))
    g = onnx.activation(b, layer.activation, g, f"{hint}/candidate")
    c = b.op("Add", [b.op("Mul", [f, c], f"{hint}/kept"), b.op("Mul", [i, g], f"{hint}/new")],
             f"{hint}/c")
    h = b.op("Mul", [o, onnx.activation(b, layer.activation, c, f"{hint}/c_out")], f"{hint}/h")
    return [h, c]


def torch_native(layer) -> bool:
    """Whether torch's nn.LSTM computes what the layer does: its activations are fixed."""
    return layer.activation == "tanh" and layer.recurrent_activation == "sigmoid"


exports(LSTM, **RecurrentExports(
    torch_layer="nn.LSTM",
    torch_gates=(0, 1, 2, 3),
    torch_native=torch_native,
    onnx_op="LSTM",
    onnx_gates=(0, 3, 1, 2),  # ONNX's (i, o, f, c)
    onnx_activations=lambda layer: [layer.recurrent_activation, layer.activation,
                                    layer.activation],
    onnx_cell=onnx_cell,
).translations())
exports(LSTMCell, **CELL_ALONE)
