"""FTRL-Proximal (follow the regularised leader), as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer, OptimizerConfigError


class Ftrl(Optimizer):
    """With n the accumulator of g², p = -learning_rate_power and sigma = (n'^p - n^p) / lr:
    z += g + 2 * l2_shrinkage * w - sigma * w
    w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 * (l2 + beta / (2 * lr)))"""

    def __init__(
        self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
        l1_regularization_strength=0.0, l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0, beta=0.0, **common,
    ):
        super().__init__(learning_rate, **common)
        for argument, value, wanted in (
            ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
            ("learning_rate_power", -learning_rate_power, "negative or zero"),
            ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
            ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
             "positive or zero"),
        ):
            if value < 0:
                raise OptimizerConfigError(
                    f"Ftrl: `{argument}` must be {wanted}. Received: {argument}="
                    f"{value if argument != 'learning_rate_power' else -value}."
                )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def slot_initial_values(self):
        return {"accumulator": self.initial_accumulator_value, "linear": 0.0}

    def step_size(self, learning_rate, iterations, scalars):
        """(lr, 2 * (l2 + beta / (2 * lr))), in Python numbers where lr is one (they then
        take the weights' dtype)."""
        l2 = self.l2_regularization_strength
        if isinstance(learning_rate, float):
            return learning_rate, 2.0 * (l2 + self.beta / (2.0 * learning_rate))
        l2 = ops.add(l2, ops.divide(self.beta, ops.multiply(2.0, learning_rate)))
        return learning_rate, ops.multiply(2.0, l2)

    def update_step(self, gradient, weight, slots, step_size, iterations):
        learning_rate, doubled_l2 = step_size
        power = -self.learning_rate_power
        accumulator, linear = slots["accumulator"], slots["linear"]
        shrunk = ops.add(gradient,
                         ops.multiply(2 * self.l2_shrinkage_regularization_strength, weight))
        new_accumulator = ops.add(accumulator, ops.square(gradient))
        sigma = ops.divide(ops.subtract(ops.power(new_accumulator, power),
                                        ops.power(accumulator, power)), learning_rate)
        linear = ops.add(linear, ops.subtract(shrunk, ops.multiply(sigma, weight)))
        quadratic = ops.add(ops.divide(ops.power(new_accumulator, power), learning_rate),
                            doubled_l2)
        l1 = self.l1_regularization_strength
        weight = ops.divide(ops.subtract(ops.clip(linear, -l1, l1), linear), quadratic)
        return weight, {"accumulator": new_accumulator, "linear": linear}

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }
