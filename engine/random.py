"""Keras's `keras.random`: random tensors on the active backend, with Keras's arguments.

A seed is an int (the same values every call), a SeedGenerator (new values every call, its
state in a Variable so it moves with a backend switch), or None (a fresh seed drawn from the
engine's generator, so `engine.set_random_seed` makes it reproducible).
"""

from __future__ import annotations

import numbers

import numpy as np

from engine import ops
from engine.initializers import draw_seed
from engine.keras_namespaces import missing_attribute
from engine.variables import Variable


class SeedGenerator:
    """A random stream: each `next()` gives the seed to draw with and advances the state."""

    def __init__(self, seed=None):
        seed = draw_seed() if seed is None else int(seed)
        self.state = Variable(
            np.array([seed, 0], dtype=np.int32), name="seed_generator_state", trainable=False
        )

    def next(self):
        seed = self.state.value
        self.state.assign(ops.add(seed, ops.convert(np.array([0, 1], dtype=np.int32))))
        return seed


def _seed_array(seed):
    """The backend's (2,) int32 seed for a Keras `seed` argument."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        seed = draw_seed()
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, a SeedGenerator or None, got {seed!r}.")
    return ops.convert(np.array([int(seed), 0], dtype=np.int32))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values drawn from a normal distribution of `mean` and `stddev`."""
    return ops.random_normal(tuple(shape), _seed_array(seed), mean, stddev, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values drawn uniformly from [minval, maxval)."""
    return ops.random_uniform(tuple(shape), _seed_array(seed), minval, maxval, dtype)


__getattr__ = missing_attribute(__name__)
