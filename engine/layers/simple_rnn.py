"""SimpleRNN: h_t = activation(x_t W + h_{t-1} U + b)."""

from __future__ import annotations

from engine import activations, ops
from engine.layers.recurrent import Recurrent


class SimpleRNN(Recurrent):
    """Keras 3's SimpleRNN: a fully connected recurrence whose state is its output."""

    def step(self, x, states):
        (h,) = states
        z = ops.add(self.affine(x, self.kernel, self.bias), ops.matmul(h, self.recurrent_kernel))
        return [activations.apply(self.activation, z)]
