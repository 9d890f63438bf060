"""Reverse-mode autodiff: the backward pass over traced arrays, and value_and_grad.

`value_and_grad(fn)` wraps the float leaves of `params` as leaf Traced arrays, runs `fn`
(every primitive it calls records a node), then walks the recorded graph from the loss back
to the leaves in reverse topological order, applying each primitive's gradient rule.
"""

from __future__ import annotations

import numpy as np

from engine import tree
from engine.backend.numpy.arrays import numpy_dtype
from engine.backend.numpy.traced import Traced, primitive, unwrap


def backward(root: Traced) -> dict:
    """id(leaf) -> d root / d leaf for every leaf Traced that `root` depends on."""
    grads = {id(root): np.ones_like(root.value)}
    for node in reversed(_topological_order(root)):
        if node.primitive is None:
            continue  # a leaf: keep its gradient for the caller
        g = grads.pop(id(node), None)
        if g is None:
            continue
        values = [unwrap(a) for a in node.args]
        for argnum, parent in enumerate(node.args):
            if not isinstance(parent, Traced):
                continue
            contribution = node.primitive.gradient(argnum, g, node.value, *values, **node.options)
            if contribution is None:
                continue
            contribution = _fit(np.asarray(contribution), parent.value)
            previous = grads.get(id(parent))
            grads[id(parent)] = contribution if previous is None else previous + contribution
    return grads


def _topological_order(root: Traced) -> list:
    """Every Traced `root` depends on, each after all of its traced arguments."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, arguments_done = stack.pop()
        if arguments_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))  # popped again once all its arguments are in order
            stack.extend((arg, False) for arg in node.args if isinstance(arg, Traced))
    return order


def _fit(grad: np.ndarray, value) -> np.ndarray:
    """`grad` summed over the axes broadcasting added, in the shape and dtype of `value`."""
    shape = np.shape(value)
    if grad.shape != shape:
        grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        grad = grad.sum(axis=stretched, keepdims=True).reshape(shape)
    return grad.astype(np.result_type(value), copy=False)


def value_and_grad(fn, has_aux=False):
    """g(params, *args) -> (value, grads): see Backend.value_and_grad."""

    def wrapped(params, *args):
        leaves = tree.flatten(params)
        traced = [Traced(np.asarray(leaf)) if _is_float(leaf) else leaf for leaf in leaves]
        result = fn(tree.unflatten_as(params, traced), *args)
        loss, aux = result if has_aux else (result, None)
        grads = _loss_gradients(loss)
        leaf_grads = [_leaf_gradient(leaf, t, grads) for leaf, t in zip(leaves, traced)]
        value = unwrap(loss)
        if has_aux:
            value = (value, tree.map_structure(unwrap, aux))
        return value, tree.unflatten_as(params, leaf_grads)

    return wrapped


def _loss_gradients(loss) -> dict:
    if not isinstance(loss, Traced):
        return {}  # the loss does not depend on params: every gradient is zero
    if loss.size != 1:
        raise ValueError(
            f"value_and_grad needs fn to return a scalar loss, got shape {loss.shape}. "
            "Reduce it first, e.g. with mean()."
        )
    return backward(loss)


def _leaf_gradient(leaf, traced, grads):
    if leaf is None:
        return None
    grad = grads.get(id(traced))
    return np.zeros_like(np.asarray(leaf)) if grad is None else grad


def _is_float(leaf) -> bool:
    return leaf is not None and np.asarray(leaf).dtype.kind in "fc"


def tap_zeros(shape, dtype=None):
    """A broadcast zero that holds no memory: `tap` never reads it."""
    return np.broadcast_to(np.zeros((), numpy_dtype(dtype or "float32")), tuple(shape))


def _pass_on(g, out, x, tap):
    return g


# x itself; the gradient reaching it goes on, unchanged, to x and to the tap (no addition).
tap = primitive(_pass_on, _pass_on)(lambda x, tap: x)


def stop_gradient(x):
    """The value of `x`, cut off from the graph."""
    return unwrap(x)
