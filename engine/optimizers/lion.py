"""Lion (evolved sign momentum), as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer, OptimizerConfigError


class Lion(Optimizer):
    """w -= lr * sign(beta_1 * m + (1 - beta_1) * g);  m = beta_2 * m + (1 - beta_2) * g"""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **common):
        super().__init__(learning_rate, **common)
        if not 0 < beta_1 <= 1:
            raise OptimizerConfigError(
                f"Lion: `beta_1` must be in (0, 1]; at 0 it degenerates to SignSGD. "
                f"Received: beta_1={beta_1}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def slot_initial_values(self):
        return {"momentum": 0.0}

    def update_step(self, gradient, weight, slots, learning_rate, iterations):
        m = slots["momentum"]
        direction = ops.sign(ops.add(ops.multiply(m, self.beta_1),
                                     ops.multiply(gradient, 1.0 - self.beta_1)))
        m = ops.add(ops.multiply(m, self.beta_2), ops.multiply(gradient, 1.0 - self.beta_2))
        return ops.subtract(weight, ops.multiply(learning_rate, direction)), {"momentum": m}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
