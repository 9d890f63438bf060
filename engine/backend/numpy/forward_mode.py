"""jvp on the NumPy backend, from its reverse mode: one backward pass per output value.

The tangent of each output value is the gradient of that value dotted with the tangents;
exact, and cheap for the small outputs jvp is used on here (its cost grows with their size).
"""

from __future__ import annotations

import numpy as np

from engine import tree
from engine.backend.numpy.autodiff import backward
from engine.backend.numpy.indexing import getitem
from engine.backend.numpy.shapes import reshape
from engine.backend.numpy.traced import Traced, unwrap


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), J @ tangents[, aux]) as jax.jvp returns them."""
    leaves = [np.asarray(unwrap(leaf)) for leaf in tree.flatten(primals)]
    directions = [np.asarray(unwrap(t)) for t in tree.flatten(tangents)]
    if [np.shape(t) for t in directions] != [np.shape(leaf) for leaf in leaves]:
        raise ValueError(
            "jvp: `tangents` must hold one array per array of `primals`, in the same shape; "
            f"got shapes {[np.shape(t) for t in directions]} for "
            f"{[np.shape(leaf) for leaf in leaves]}."
        )
    traced = [Traced(leaf) if leaf.dtype.kind == "f" else leaf for leaf in leaves]
    result = fun(*tree.unflatten_as(primals, traced))
    out, aux = result if has_aux else (result, None)
    outputs = tree.flatten(out)
    values = tree.unflatten_as(out, [unwrap(o) for o in outputs])
    derivatives = tree.unflatten_as(out, [_tangent(o, traced, directions) for o in outputs])
    if has_aux:
        return values, derivatives, tree.map_structure(unwrap, aux)
    return values, derivatives


def _tangent(output, traced, directions):
    """d output along `directions`: its gradient, value by value, dotted with them."""
    value = np.asarray(unwrap(output))
    tangent = np.zeros(value.size, dtype=value.dtype)
    if isinstance(output, Traced):
        flat = reshape(output, (-1,))
        for i in range(value.size):
            grads = backward(getitem(flat, i))
            tangent[i] = sum(np.vdot(grads[id(leaf)], direction)
                             for leaf, direction in zip(traced, directions)
                             if id(leaf) in grads)
    return tangent.reshape(value.shape)
