"""scan, a Python loop over the leading axis recorded step by step while tracing."""

from __future__ import annotations

from engine import tree
from engine.backend.numpy.indexing import getitem
from engine.backend.numpy.shapes import stack
from engine.backend.numpy.traced import unwrap


def scan(fn, init, xs):
    """fn(carry, x_t) -> (carry, y_t) for each t; returns (carry, the y_t stacked)."""
    leaves = tree.flatten(xs)
    if not leaves or len(unwrap(leaves[0])) == 0:
        raise ValueError("scan needs xs with at least one array whose leading axis is not empty.")
    carry, ys = init, []
    for t in range(len(unwrap(leaves[0]))):
        carry, y = fn(carry, tree.map_structure(lambda leaf, t=t: getitem(leaf, t), xs))
        ys.append(y)
    return carry, tree.map_structure(_stack_steps, ys[0], *ys[1:])


def _stack_steps(*steps):
    return None if steps[0] is None else stack(list(steps))

