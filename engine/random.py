"""Keras's `keras.random`: random tensors on the active backend, with Keras's arguments.

A seed is an int (the same values every call), a SeedGenerator (new values every call, its
state in a Variable so it moves with a backend switch and advances inside compiled steps), or
None (a fresh seed drawn from the engine's generator, so `engine.set_random_seed` makes it
reproducible).
"""

from __future__ import annotations

import numbers

import numpy as np

from engine import naming, ops
from engine.initializers import draw_seed
from engine.keras_namespaces import missing_attribute
from engine.variables import Variable


class SeedGenerator:
    """A random stream (Keras 3's `keras.random.SeedGenerator(seed=None, name=None)`): each
    `next()` gives the seed to draw with and advances the state. Assigned to a layer's
    attribute, its state is one of the layer's variables: a compiled step reads it and writes
    it back, so every step draws anew."""

    def __init__(self, seed=None, name=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"SeedGenerator: seed must be an int or None, got {seed!r}.")
        self.name = name or naming.unique_name("seed_generator")
        self._initial_seed = seed
        self.state = Variable(
            seed_array(draw_seed() if seed is None else seed), trainable=False,
            name=f"{self.name}/seed_generator_state",
        )

    def next(self):
        return advance_seed(self.state)

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def advance_seed(state: Variable):
    """The seed a (2,) int32 state Variable gives now; the state moves on so the next draw
    differs."""
    seed = state.value
    state.assign(ops.add(seed, ops.convert(np.array([0, 1], dtype=np.int32))))
    return seed


def seed_array(seed: int) -> np.ndarray:
    """The (2,) int32 seed of an int, whose low 32 bits are kept (as Keras keeps them)."""
    low_bits = (int(seed) & 0xFFFFFFFF ^ 0x80000000) - 0x80000000
    return np.array([low_bits, 0], dtype=np.int32)


def _seed_of(seed):
    """The backend's (2,) int32 seed for a Keras `seed` argument."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        seed = draw_seed()
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, a SeedGenerator or None, got {seed!r}.")
    return ops.convert(seed_array(seed))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values drawn from a normal distribution of `mean` and `stddev`."""
    return ops.random_normal(tuple(shape), _seed_of(seed), mean, stddev, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values drawn uniformly from [minval, maxval)."""
    return ops.random_uniform(tuple(shape), _seed_of(seed), minval, maxval, dtype)


__getattr__ = missing_attribute(__name__)
