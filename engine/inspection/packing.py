"""One array per capture: the step packs its many small summaries into one float32 vector,
so they travel to the host in one transfer, and the host unpacks it.

Which arrays a vector holds, and their shapes, depend on the shapes a step was traced for
(the last batch of an epoch may be smaller), so each distinct layout is kept as a *plan*
and the vector's first value says which plan it follows.
"""

from __future__ import annotations

import math

import numpy as np

from engine import ops
from engine.inspection.summaries import float32


class Packer:
    """Packs named lists of arrays on the device and unpacks them on the host."""

    def __init__(self):
        self._plans: dict[tuple, int] = {}
        self._order: list[tuple] = []

    def pack(self, parts: dict):
        """`parts` (name -> list of arrays) as one float32 vector, inside any step."""
        plan = tuple(
            (name, tuple(tuple(ops.shape(a)) for a in arrays)) for name, arrays in parts.items()
        )
        if plan not in self._plans:
            self._plans[plan] = len(self._order)
            self._order.append(plan)
        flat = []
        for (_, shapes), arrays in zip(plan, parts.values()):
            for shape, array in zip(shapes, arrays):
                array = float32(array)
                flat.append(array if len(shape) == 1 else ops.reshape(array, (-1,)))
        index = ops.convert(np.array([self._plans[plan]], np.float32))
        return ops.concatenate([index, *flat])

    def unpack(self, packed: np.ndarray) -> dict:
        """The host copy of a packed vector as name -> list of NumPy arrays."""
        plan = self._order[int(packed[0])]
        parts, start = {}, 1
        for name, shapes in plan:
            arrays = []
            for shape in shapes:
                stop = start + math.prod(shape)
                arrays.append(packed[start:stop].reshape(shape))
                start = stop
            parts[name] = arrays
        return parts
