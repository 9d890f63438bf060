"""Stochastic gradient descent with optional (Nesterov) momentum, as Keras 3 computes it."""

from __future__ import annotations

import numbers

from engine import ops
from engine.optimizers.base import Optimizer, OptimizerConfigError


class SGD(Optimizer):
    """w -= lr * g. With momentum: m = momentum * m - lr * g, then w += m
    (Nesterov: w += momentum * m - lr * g, with the new m)."""

    def __init__(
        self, learning_rate=0.01, momentum=0.0, nesterov=False, **common,
    ):
        super().__init__(learning_rate, **common)
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not (
            0 <= momentum <= 1
        ):
            raise OptimizerConfigError(
                f"SGD: `momentum` must be a float in [0, 1]. Received: momentum={momentum!r}."
            )
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def slot_initial_values(self):
        return {"momentum": 0.0} if self.momentum != 0 else {}

    def update_step(self, gradient, weight, slots, learning_rate, iterations):
        step = ops.multiply(gradient, learning_rate)
        if self.momentum == 0:
            return ops.subtract(weight, step), slots
        m = ops.subtract(ops.multiply(slots["momentum"], self.momentum), step)
        if self.nesterov:
            weight = ops.add(weight, ops.subtract(ops.multiply(m, self.momentum), step))
        else:
            weight = ops.add(weight, m)
        return weight, {"momentum": m}

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
