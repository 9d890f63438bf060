"""Lamb (layer-wise adaptive Adam), as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer, step_number


class Lamb(Optimizer):
    """Adam's bias-corrected step r = m̂ / (sqrt(v̂) + epsilon), scaled per weight by the
    trust ratio |w| / |r| (1 where either norm is 0):  w -= ratio * lr * r"""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **common):
        super().__init__(learning_rate, **common)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def slot_initial_values(self):
        return {"momentum": 0.0, "velocity": 0.0}

    def step_size(self, learning_rate, iterations, scalars):
        """(learning rate, 1 - beta_1^t, 1 - beta_2^t)."""
        t = step_number(iterations)
        return (learning_rate, ops.subtract(1.0, ops.power(self.beta_1, t)),
                ops.subtract(1.0, ops.power(self.beta_2, t)))

    def update_step(self, gradient, weight, slots, step_size, iterations):
        learning_rate, correction_1, correction_2 = step_size
        m, v = slots["momentum"], slots["velocity"]
        m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        update = ops.divide(ops.divide(m, correction_1),
                            ops.add(ops.sqrt(ops.divide(v, correction_2)), self.epsilon))
        weight_norm = ops.sqrt(ops.sum(ops.square(weight)))
        update_norm = ops.sqrt(ops.sum(ops.square(update)))
        ratio = ops.where(
            ops.greater(weight_norm, 0),
            ops.where(ops.greater(update_norm, 0), ops.divide(weight_norm, update_norm), 1.0),
            1.0,
        )
        step = ops.multiply(ops.multiply(ratio, learning_rate), update)
        return ops.subtract(weight, step), {"momentum": m, "velocity": v}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
