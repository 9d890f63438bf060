"""Adagrad, as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """s += g²;  w -= lr * g / sqrt(s + epsilon), s starting at `initial_accumulator_value`."""

    def __init__(
        self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
        **common,
    ):
        super().__init__(learning_rate, **common)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def slot_initial_values(self):
        return {"accumulator": self.initial_accumulator_value}

    def update_step(self, gradient, weight, slots, learning_rate, iterations):
        s = ops.add(slots["accumulator"], ops.square(gradient))
        step = ops.divide(ops.multiply(learning_rate, gradient), ops.sqrt(ops.add(s, self.epsilon)))
        return ops.subtract(weight, step), {"accumulator": s}

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
