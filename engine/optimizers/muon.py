"""Muon (momentum orthogonalised by Newton-Schulz), with AdamW for the other weights, as
Keras 3 computes it."""

from __future__ import annotations

import re

import numpy as np

from engine import ops
from engine.optimizers.base import Optimizer, OptimizerConfigError, step_number


class Muon(Optimizer):
    """Muon for 2-D weights, AdamW for the rest, as Keras 3 chooses:

        AdamW for a weight that is not 2-D, whose path contains "embedding" (with
        `exclude_embeddings`), or whose path matches a pattern of `exclude_layers`;
        Muon otherwise:  m = momentum * m + g;  u = g + momentum * m (nesterov) or m
                         w -= lr * NS5(u) * sqrt(max(rows, columns)) * rms_rate

    NS5 is `ns_steps` quintic Newton-Schulz iterations (coefficients muon_a, muon_b, muon_c)
    on u scaled to unit Frobenius norm. The AdamW weights step with `lr * adam_lr_ratio` and
    decay by `adam_weight_decay`, the Muon weights by `weight_decay` (both times lr).
    Muon weights keep a "momentum" slot; AdamW weights "momentum" and "velocity".
    """

    def __init__(
        self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
        epsilon=1e-7, weight_decay=0.004, exclude_layers=None, exclude_embeddings=True,
        muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95,
        ns_steps=5, nesterov=True, rms_rate=0.2, **common,
    ):
        super().__init__(learning_rate, weight_decay=weight_decay, **common)
        if not (isinstance(ns_steps, int) and not isinstance(ns_steps, bool) and ns_steps >= 0):
            raise OptimizerConfigError(
                f"Muon: `ns_steps` must be a non-negative integer. Received: ns_steps={ns_steps!r}."
            )
        if exclude_layers is not None and not isinstance(exclude_layers, (list, tuple)):
            raise OptimizerConfigError(
                f"Muon: `exclude_layers` must be a list of name patterns. Received: "
                f"exclude_layers={exclude_layers!r}."
            )
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.adam_weight_decay = adam_weight_decay
        self.epsilon = epsilon
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = exclude_embeddings
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.rms_rate = rms_rate

    def uses_adamw(self, weight) -> bool:
        """Keras's rule for the weights Muon leaves to AdamW."""
        if len(weight.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in weight.path.lower():
            return True
        return any(re.search(pattern, weight.path) for pattern in self.exclude_layers)

    def slot_initial_values(self):
        return {"momentum": 0.0}

    def weight_slot_values(self, weight):
        if self.uses_adamw(weight):
            return {"momentum": 0.0, "velocity": 0.0}
        return {"momentum": 0.0}

    def weight_decay_rate(self, weight):
        if self.excluded_from_weight_decay(weight):
            return None
        return self.adam_weight_decay if self.uses_adamw(weight) else self.weight_decay

    def update_step(self, gradient, weight, slots, learning_rate, iterations):
        if "velocity" in slots:
            return self._adamw_step(gradient, weight, slots, learning_rate, iterations)
        m = ops.add(ops.multiply(slots["momentum"], self.momentum), gradient)
        direction = ops.add(gradient, ops.multiply(m, self.momentum)) if self.nesterov else m
        update = ops.multiply(self.orthogonalise(direction), learning_rate)
        if self.rms_rate is not None:
            rows, columns = ops.shape(weight)
            scale = float(np.sqrt(np.float32(max(rows, columns))))
            update = ops.multiply(ops.multiply(update, scale), self.rms_rate)
        return ops.subtract(weight, update), {"momentum": m}

    def _adamw_step(self, gradient, weight, slots, learning_rate, iterations):
        if isinstance(learning_rate, float):  # on the host: in float32, as on the device
            rate, t = np.float32(learning_rate) * np.float32(self.adam_lr_ratio), np.float32(
                iterations + 1)
            b1, b2 = np.float32(self.adam_beta_1) ** t, np.float32(self.adam_beta_2) ** t
            alpha = float(rate * np.sqrt(np.float32(1) - b2) / (np.float32(1) - b1))
        else:
            rate = ops.multiply(learning_rate, self.adam_lr_ratio)
            t = step_number(iterations, ops.dtype(rate))
            alpha = ops.divide(
                ops.multiply(rate, ops.sqrt(ops.subtract(1.0, ops.power(self.adam_beta_2, t)))),
                ops.subtract(1.0, ops.power(self.adam_beta_1, t)),
            )
        m, v = slots["momentum"], slots["velocity"]
        m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.adam_beta_1))
        v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.adam_beta_2))
        step = ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon))
        return ops.subtract(weight, step), {"momentum": m, "velocity": v}

    def orthogonalise(self, x):
        """`ns_steps` Newton-Schulz iterations towards the orthogonal factor of `x` (2-D),
        done on its wide orientation."""
        tall = ops.shape(x)[0] > ops.shape(x)[1]
        if tall:
            x = ops.transpose(x)
        x = ops.divide(x, ops.add(ops.sqrt(ops.sum(ops.square(x))), 1e-7))
        for _ in range(self.ns_steps):
            gram = ops.matmul(x, ops.transpose(x))
            mix = ops.add(ops.multiply(gram, self.muon_b),
                          ops.matmul(ops.multiply(gram, self.muon_c), gram))
            x = ops.add(ops.multiply(x, self.muon_a), ops.matmul(mix, x))
        return ops.transpose(x) if tall else x

    def get_config(self):
        return {
            **super().get_config(),
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        }
