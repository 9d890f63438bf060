"""AdamW: Adam with decoupled weight decay (w -= w * weight_decay * lr before each step)."""

from __future__ import annotations

from engine.optimizers.adam import Adam
from engine.optimizers.base import OptimizerConfigError


class AdamW(Adam):
    """Adam whose weights also decay by `weight_decay * learning_rate` each step."""

    def __init__(
        self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
        amsgrad=False, **common,
    ):
        if weight_decay is None:
            raise OptimizerConfigError(
                "AdamW needs a float `weight_decay` (default 0.004). Received: "
                "weight_decay=None. Use Adam for no weight decay."
            )
        super().__init__(
            learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
            weight_decay=weight_decay, **common,
        )
