"""Adam (and AMSGrad), as Keras 3 computes it."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam with Keras's bias correction folded into the step size:

        m += (g - m) * (1 - beta_1);  v += (g² - v) * (1 - beta_2)
        alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t),  t = iterations + 1
        w -= alpha * m / (sqrt(v) + epsilon)

    With `amsgrad`, v is replaced by its running maximum.
    """

    def __init__(
        self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
        **common,
    ):
        super().__init__(learning_rate, **common)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def slot_initial_values(self):
        names = ["momentum", "velocity"] + (["velocity_hat"] if self.amsgrad else [])
        return dict.fromkeys(names, 0.0)

    def step_size(self, learning_rate, iterations, scalars):
        """alpha, the learning rate with the bias correction of step t folded in."""
        if isinstance(learning_rate, float):  # on the host: in float32, as on the device
            t, one = np.float32(iterations + 1), np.float32(1.0)
            beta_1_power = np.float32(self.beta_1) ** t
            beta_2_power = np.float32(self.beta_2) ** t
            return float(
                np.float32(learning_rate) * np.sqrt(one - beta_2_power) / (one - beta_1_power)
            )
        t = ops.cast(ops.add(iterations, 1), ops.dtype(learning_rate))
        beta_1_power = ops.power(self.beta_1, t)
        beta_2_power = ops.power(self.beta_2, t)
        return ops.divide(
            ops.multiply(learning_rate, ops.sqrt(ops.subtract(1.0, beta_2_power))),
            ops.subtract(1.0, beta_1_power),
        )

    def update_weights(self, gradients, weights, slots, alpha, iterations, in_place=False):
        """Every weight at once through the backend's adam_update (fused where it can be)."""
        if self.amsgrad:
            return super().update_weights(gradients, weights, slots, alpha, iterations)
        momentums = [s["momentum"] for s in slots]
        velocities = [s["velocity"] for s in slots]
        weights, momentums, velocities = ops.adam_update(
            weights, gradients, momentums, velocities, alpha, self.beta_1, self.beta_2,
            self.epsilon, in_place,
        )
        new_slots = [{"momentum": m, "velocity": v} for m, v in zip(momentums, velocities)]
        return weights, new_slots

    def update_step(self, gradient, weight, slots, alpha, iterations):
        m, v = slots["momentum"], slots["velocity"]
        m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        new_slots = {"momentum": m, "velocity": v}
        if self.amsgrad:
            v = new_slots["velocity_hat"] = ops.maximum(slots["velocity_hat"], v)
        step = ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon))
        return ops.subtract(weight, step), new_slots

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
