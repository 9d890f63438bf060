"""GRU: Keras 3's gated recurrent unit (gates z, r, h)."""

from __future__ import annotations

from engine import activations, ops
from engine.layers.recurrent import Recurrent


class GRU(Recurrent):
    """h_t = z * h_{t-1} + (1 - z) * candidate.

    With reset_after (Keras's default, cuDNN's form) the reset gate scales the recurrent
    projection, which has its own bias: the bias is (2, 3*units), input bias then recurrent
    bias. Without it the reset gate scales h_{t-1} before its projection; bias (3*units,).
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 *, reset_after=True, **kwargs):
        super().__init__(units, activation, use_bias, **kwargs)
        self.recurrent_activation = activations.check(recurrent_activation)
        self.reset_after = bool(reset_after)

    def make_bias(self):
        if not self.reset_after:
            return super().make_bias()
        return self.add_weight(shape=(2, 3 * self.units), initializer=self.bias_initializer,
                               name=f"{self.cell_name}/bias")

    def step(self, x, states):
        (h,) = states
        input_bias, recurrent_bias = self._biases()
        x_z, x_r, x_h = self.blocks(self.affine(x, self.kernel, input_bias))
        if self.reset_after:
            h_z, h_r, h_h = self.blocks(self.affine(h, self.recurrent_kernel, recurrent_bias))
            z, r = self._gate(x_z, h_z), self._gate(x_r, h_r)
            reset_h = ops.multiply(r, h_h)
        else:
            u_z, u_r, u_h = self.blocks(self.recurrent_kernel)
            z, r = self._gate(x_z, ops.matmul(h, u_z)), self._gate(x_r, ops.matmul(h, u_r))
            reset_h = ops.matmul(ops.multiply(r, h), u_h)
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

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self.recurrent_activation,
                "reset_after": self.reset_after}
