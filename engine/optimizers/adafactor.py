"""Adafactor (factored second moments), as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer, step_number


def _rms(x):
    return ops.sqrt(ops.mean(ops.square(x)))


class Adafactor(Optimizer):
    """A weight of 2 or more dimensions keeps row and column means of g² + epsilon_1
    ("row_factor", "column_factor") instead of a full second moment; smaller ones keep the
    full "velocity". With t = iterations + 1 and beta = 1 - t^beta_2_decay:
    u = g / sqrt(v);  w -= max(epsilon_2, rms(w)) * min(lr, 1/sqrt(t))
                          * u / max(1, rms(u) / clip_threshold)"""

    def __init__(
        self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
        clip_threshold=1.0, relative_step=True, **common,
    ):
        super().__init__(learning_rate, **common)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        # Keras caps the rate at 1/sqrt(t) whether or not this is set; kept for its config.
        self.relative_step = relative_step

    def slot_initial_values(self):
        return {"row_factor": 0.0, "column_factor": 0.0, "velocity": 0.0}

    def slot_shape(self, slot, weight_shape):
        if slot == "velocity":
            return weight_shape
        if len(weight_shape) < 2:
            return ()  # unused: such a weight keeps the full velocity
        if slot == "row_factor":
            return weight_shape[:-1]
        return weight_shape[:-2] + weight_shape[-1:]

    def step_size(self, learning_rate, iterations, scalars):
        """(min(lr, 1/sqrt(t)), beta)."""
        t = step_number(iterations)
        rate = ops.minimum(learning_rate, ops.divide(1.0, ops.sqrt(t)))
        return rate, ops.subtract(1.0, ops.power(t, self.beta_2_decay))

    def update_step(self, gradient, weight, slots, step_size, iterations):
        rate, beta = step_size
        alpha = ops.multiply(ops.maximum(self.epsilon_2, _rms(weight)), rate)
        squared = ops.add(ops.square(gradient), self.epsilon_1)

        def average(old, new):
            return ops.add(ops.multiply(beta, old), ops.multiply(ops.subtract(1.0, beta), new))

        new_slots = dict(slots)
        if len(ops.shape(weight)) >= 2:
            r = new_slots["row_factor"] = average(slots["row_factor"], ops.mean(squared, axis=-1))
            c = new_slots["column_factor"] = average(
                slots["column_factor"], ops.mean(squared, axis=-2))
            v = ops.multiply(
                ops.expand_dims(ops.divide(r, ops.mean(r, axis=-1, keepdims=True)), -1),
                ops.expand_dims(c, -2),
            )
        else:
            v = average(slots["velocity"], squared)
        new_slots["velocity"] = v
        u = ops.divide(gradient, ops.sqrt(v))
        u = ops.divide(u, ops.maximum(1.0, ops.divide(_rms(u), self.clip_threshold)))
        return ops.subtract(weight, ops.multiply(alpha, u)), new_slots

    def get_config(self):
        return {
            **super().get_config(),
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        }
