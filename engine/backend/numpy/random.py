"""Random numbers that depend only on a seed of two int32s (a Philox counter-based stream)."""

from __future__ import annotations

import numpy as np

from engine.backend.numpy.arrays import numpy_dtype
from engine.backend.numpy.traced import unwrap


def _generator(seed) -> np.random.Generator:
    """A generator whose Philox key packs both seed ints (as uint32) into 64 bits."""
    high, low = np.asarray(unwrap(seed)).astype(np.int64).reshape(2) & 0xFFFFFFFF
    return np.random.Generator(np.random.Philox(key=(int(high) << 32) | int(low)))


def _draw_dtype(dtype) -> tuple:
    """(dtype to draw in: float32 or float64, dtype to return)."""
    target = numpy_dtype(dtype or "float32")
    return (np.float64 if target == np.float64 else np.float32), target


def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=None):
    draw, target = _draw_dtype(dtype)
    unit = _generator(seed).random(tuple(shape), dtype=draw)
    return (minval + (maxval - minval) * unit).astype(target)


def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    draw, target = _draw_dtype(dtype)
    standard = _generator(seed).standard_normal(tuple(shape), dtype=draw)
    return (mean + stddev * standard).astype(target)
