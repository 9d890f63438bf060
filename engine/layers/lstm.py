"""LSTM: Keras 3's long short-term memory layer (gates i, f, c, o)."""

from __future__ import annotations

from engine import activations, initializers, ops
from engine.layers.recurrent import Recurrent


class LSTM(Recurrent):
    """States are (h, c); with unit_forget_bias the forget gate's bias starts at one."""

    gates = 4
    state_count = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 *, unit_forget_bias=True, **kwargs):
        super().__init__(units, activation, use_bias, **kwargs)
        self.recurrent_activation = activations.check(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def make_bias(self):
        return super().make_bias(self._unit_forget_bias if self.unit_forget_bias else None)

    def _unit_forget_bias(self, shape, dtype):
        """The bias initializer's values with the forget gate's block set to one."""
        value = initializers.initialize(self.bias_initializer, shape, dtype)
        value[self.units:2 * self.units] = 1.0
        return value

    def step(self, x, states):
        h, c = states
        z = ops.add(self.affine(x, self.kernel, self.bias), ops.matmul(h, self.recurrent_kernel))
        i, f, g, o = self.blocks(z)
        i, f, o = (activations.apply(self.recurrent_activation, v) for v in (i, f, o))
        c = ops.add(ops.multiply(f, c), ops.multiply(i, activations.apply(self.activation, g)))
        h = ops.multiply(o, activations.apply(self.activation, c))
        return [h, c]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": self.recurrent_activation,
                "unit_forget_bias": self.unit_forget_bias}
