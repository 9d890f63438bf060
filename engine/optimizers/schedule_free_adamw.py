"""Schedule-Free AdamW (Defazio et al., 2024), as Keras 3 computes it."""

from __future__ import annotations

import numbers

import numpy as np

from engine import ops
from engine.optimizers.base import Optimizer, OptimizerConfigError


class ScheduleFreeAdamW(Optimizer):
    """AdamW without a learning-rate schedule: the gradient steps go to a "momentum" sequence
    z (which starts at the weights), their running average x is kept implicitly, and the
    weights are the interpolation y = (1 - beta_1) * z + beta_1 * x. With t = iterations + 1:

        v += (g² - v) * (1 - beta_2)
        z_new = z - lr_t * g / (sqrt(v / (1 - beta_2^t)) + epsilon)
        x = (y - (1 - beta_1) * z) / beta_1;   x_new = (1 - 1/t) * x + z_new / t
        y_new = (1 - beta_1) * z_new + beta_1 * x_new

    lr_t rises linearly to the learning rate over the first `warmup_steps` steps. As in
    Keras 3, the model always holds y: fit and evaluate swap nothing.
    """

    def __init__(
        self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
        **common,
    ):
        _check("beta_1", beta_1, 0 < _real(beta_1) <= 1, "in (0, 1]; x is y divided by it")
        _check("beta_2", beta_2, 0 <= _real(beta_2) < 1, "in [0, 1)")
        _check("epsilon", epsilon, _real(epsilon) >= 0, "a float >= 0")
        _check("warmup_steps", warmup_steps,
               isinstance(warmup_steps, numbers.Integral) and not isinstance(warmup_steps, bool)
               and warmup_steps >= 0, "an integer >= 0")
        super().__init__(learning_rate, **common)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def slot_initial_values(self):
        return {"momentum": 0.0, "velocity": 0.0}

    def build(self, trainable_variables):
        """The slots, each weight's "momentum" starting as a copy of the weight."""
        if self.built:
            return
        super().build(trainable_variables)
        for weight, slots in zip(self._weights, self._slots):
            slots["momentum"].assign(np.array(weight.numpy()))

    def step_size(self, learning_rate, iterations, scalars):
        """(warmed-up learning rate, 1 - beta_2^t, 1/t) for this step, in float32 as Keras."""
        if isinstance(learning_rate, float):  # on the host: Python floats of float32 values
            t = np.float32(iterations + 1)
            rate = np.float32(learning_rate)
            if self.warmup_steps > 0:
                rate = rate * np.minimum(t / np.float32(self.warmup_steps), np.float32(1.0))
            correction = np.float32(1.0) - np.float32(self.beta_2) ** t
            return float(rate), float(correction), float(np.float32(1.0) / t)
        t = ops.cast(ops.add(iterations, 1), ops.dtype(learning_rate))
        rate = learning_rate
        if self.warmup_steps > 0:
            rate = ops.multiply(rate, ops.minimum(ops.divide(t, float(self.warmup_steps)), 1.0))
        correction = ops.subtract(1.0, ops.power(self.beta_2, t))
        return rate, correction, ops.divide(1.0, t)

    def update_step(self, gradient, weight, slots, step, iterations):
        rate, correction, average_weight = step
        keep = (float(np.float32(1.0) - np.float32(average_weight))
                if isinstance(average_weight, float)
                else ops.subtract(1.0, average_weight))
        beta_1, rest_1 = float(np.float32(self.beta_1)), float(1 - np.float32(self.beta_1))
        rest_2 = float(1 - np.float32(self.beta_2))
        z_old, v = slots["momentum"], slots["velocity"]
        v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v), rest_2))
        denominator = ops.add(ops.sqrt(ops.divide(v, correction)), self.epsilon)
        z = ops.subtract(z_old, ops.divide(ops.multiply(gradient, rate), denominator))
        x_old = ops.divide(ops.subtract(weight, ops.multiply(z_old, rest_1)), beta_1)
        x = ops.add(ops.multiply(x_old, keep), ops.multiply(z, average_weight))
        y = ops.add(ops.multiply(z, rest_1), ops.multiply(x, beta_1))
        return y, {"momentum": z, "velocity": v}

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "warmup_steps": self.warmup_steps,
        }


def _real(value) -> float:
    """The number, or NaN (which fails every range check) for anything else."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return float("nan")


def _check(argument, value, ok, expected):
    if not ok:
        raise OptimizerConfigError(
            f"ScheduleFreeAdamW: `{argument}` must be {expected}. Received: "
            f"{argument}={value!r}."
        )
