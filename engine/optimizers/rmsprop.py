"""RMSprop, optionally centred and with momentum, as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """v = rho * v + (1 - rho) * g²;  step = lr * g / sqrt(v + epsilon)

    Centred: a = rho * a + (1 - rho) * g and the denominator is sqrt(v - a² + epsilon).
    With momentum: m = momentum * m + step, and w -= m; otherwise w -= step.
    """

    def __init__(
        self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
        **common,
    ):
        super().__init__(learning_rate, **common)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def slot_initial_values(self):
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return dict.fromkeys(names, 0.0)

    def update_step(self, gradient, weight, slots, learning_rate, iterations):
        rho = self.rho
        v = ops.add(
            ops.multiply(rho, slots["velocity"]), ops.multiply(1 - rho, ops.square(gradient))
        )
        new_slots = {"velocity": v}
        if self.centered:
            a = ops.add(
                ops.multiply(rho, slots["average_gradient"]), ops.multiply(1 - rho, gradient)
            )
            new_slots["average_gradient"] = a
            denominator = ops.add(ops.subtract(v, ops.square(a)), self.epsilon)
        else:
            denominator = ops.add(v, self.epsilon)
        step = ops.divide(ops.multiply(learning_rate, gradient), ops.sqrt(denominator))
        if self.momentum > 0:
            step = new_slots["momentum"] = ops.add(
                ops.multiply(self.momentum, slots["momentum"]), step
            )
        return ops.subtract(weight, step), new_slots

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
