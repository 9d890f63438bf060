"""Adadelta, as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """a = rho * a + (1 - rho) * g²;  delta = -sqrt(d + epsilon) * g / sqrt(a + epsilon)
    d = rho * d + (1 - rho) * delta²;  w += lr * delta"""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **common):
        super().__init__(learning_rate, **common)
        self.rho = rho
        self.epsilon = epsilon

    def slot_initial_values(self):
        return {"accumulated_grad": 0.0, "accumulated_delta_var": 0.0}

    def update_step(self, gradient, weight, slots, learning_rate, iterations):
        rho = self.rho

        def rms(x):
            return ops.sqrt(ops.add(x, self.epsilon))

        def average(old, new):
            return ops.add(ops.multiply(rho, old), ops.multiply(1 - rho, new))

        grad_average = average(slots["accumulated_grad"], ops.square(gradient))
        delta = ops.negative(ops.divide(
            ops.multiply(rms(slots["accumulated_delta_var"]), gradient), rms(grad_average)))
        delta_average = average(slots["accumulated_delta_var"], ops.square(delta))
        new_slots = {"accumulated_grad": grad_average, "accumulated_delta_var": delta_average}
        return ops.add(weight, ops.multiply(learning_rate, delta)), new_slots

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
