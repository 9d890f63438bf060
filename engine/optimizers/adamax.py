"""Adamax, Adam with the infinity norm, as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer, step_number


class Adamax(Optimizer):
    """m += (g - m) * (1 - beta_1);  u = max(beta_2 * u, |g|)
    w -= lr * m / ((1 - beta_1^t) * (u + epsilon)),  t = iterations + 1"""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **common):
        super().__init__(learning_rate, **common)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def slot_initial_values(self):
        return {"momentum": 0.0, "norm": 0.0}

    def step_size(self, learning_rate, iterations, scalars):
        """(learning rate, 1 - beta_1^t)."""
        t = step_number(iterations)
        return learning_rate, ops.subtract(1.0, ops.power(self.beta_1, t))

    def update_step(self, gradient, weight, slots, step_size, iterations):
        learning_rate, correction = step_size
        m = ops.add(slots["momentum"], ops.multiply(
            ops.subtract(gradient, slots["momentum"]), 1 - self.beta_1))
        u = ops.maximum(ops.multiply(self.beta_2, slots["norm"]), ops.abs(gradient))
        step = ops.divide(ops.multiply(learning_rate, m),
                          ops.multiply(correction, ops.add(u, self.epsilon)))
        return ops.subtract(weight, step), {"momentum": m, "norm": u}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
