"""Dropout: random zeroing while training, scaled so the expected output equals the input."""

from __future__ import annotations

import numbers

from engine import ops
from engine.errors import LayerConfigError
from engine.layers.layer import Layer


class Dropout(Layer):
    """Inverted dropout while training; the identity at inference.

    Each value is kept with probability 1 - rate and divided by 1 - rate. `seed` makes the
    sequence of masks reproducible.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
            raise LayerConfigError(
                f"Dropout: `rate` is the fraction of inputs to drop and must be in [0, 1), "
                f"got {rate!r}."
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise LayerConfigError(f"Dropout: `seed` must be an int or None, got {seed!r}.")
        self.rate = float(rate)
        self.seed = seed

    def build(self, input_shape):
        self.seed_state = self.add_seed_state(self.seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        dtype = ops.dtype(inputs)
        noise = ops.random_uniform(ops.shape(inputs), self.next_seed(self.seed_state), dtype=dtype)
        keep = ops.cast(ops.greater_equal(noise, self.rate), dtype)
        return ops.multiply(inputs, ops.divide(keep, 1.0 - self.rate))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
