"""What every composed op does with its arguments: the active backend, arrays from Variables,
lists and scalars, floats for the math that needs them."""

from __future__ import annotations

import numpy as np

from engine.backend import active
from engine.ops import read


def current():
    """The active backend."""
    return active()


def as_array(x):
    """A backend array of `x` (Variables read, lists and scalars converted)."""
    x = read(x)
    b = current()
    return x if b.is_array(x) else b.convert(np.asarray(x))


def as_float(x):
    """`as_array(x)`, cast to float32 unless it is a float already."""
    x = as_array(x)
    b = current()
    return x if b.dtype(x).startswith(("float", "bfloat")) else b.cast(x, "float32")


def moved_last(x, axis):
    """x with `axis` moved last."""
    b = current()
    rank = len(b.shape(x))
    axis %= rank
    return b.transpose(x, [a for a in range(rank) if a != axis] + [axis])
