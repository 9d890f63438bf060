"""Nadam (Adam with Nesterov momentum and a momentum schedule), as Keras 3 computes it."""

from __future__ import annotations

from engine import ops
from engine.optimizers.base import Optimizer, step_number


class Nadam(Optimizer):
    """With u_t = beta_1 * (1 - 0.5 * 0.96^t) and U its running product (a scalar of the
    optimizer, updated once per step):
    m̂ = u_{t+1} * m / (1 - U * u_{t+1}) + (1 - u_t) * g / (1 - U)
    w -= lr * m̂ / (sqrt(v / (1 - beta_2^t)) + epsilon)"""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **common):
        super().__init__(learning_rate, **common)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def slot_initial_values(self):
        return {"momentum": 0.0, "velocity": 0.0}

    def scalar_initial_values(self):
        return {"u_product": 1.0}

    def _momentum_at(self, t):
        return ops.multiply(self.beta_1, ops.subtract(1.0, ops.multiply(0.5, ops.power(0.96, t))))

    def update_scalars(self, scalars, iterations):
        u_t = self._momentum_at(step_number(iterations))
        return {"u_product": ops.multiply(scalars["u_product"], u_t)}

    def step_size(self, learning_rate, iterations, scalars):
        """(lr, u_t, u_{t+1}, U, U * u_{t+1}, 1 - beta_2^t)."""
        t, next_t = step_number(iterations), step_number(iterations, offset=2)
        u_t, u_next = self._momentum_at(t), self._momentum_at(next_t)
        product = scalars["u_product"]
        return (learning_rate, u_t, u_next, product, ops.multiply(product, u_next),
                ops.subtract(1.0, ops.power(self.beta_2, t)))

    def update_step(self, gradient, weight, slots, step_size, iterations):
        learning_rate, u_t, u_next, product, next_product, correction_2 = step_size
        m, v = slots["momentum"], slots["velocity"]
        m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        m_hat = ops.add(
            ops.divide(ops.multiply(u_next, m), ops.subtract(1.0, next_product)),
            ops.divide(ops.multiply(ops.subtract(1.0, u_t), gradient),
                       ops.subtract(1.0, product)),
        )
        v_hat = ops.divide(v, correction_2)
        step = ops.divide(ops.multiply(m_hat, learning_rate),
                          ops.add(ops.sqrt(v_hat), self.epsilon))
        return ops.subtract(weight, step), {"momentum": m, "velocity": v}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
