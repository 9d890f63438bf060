"""Keeping dict order through JAX's transformations.

JAX flattens a dict in sorted key order and rebuilds it in that order, while engine.tree
keeps insertion order: a dict that went through jax.jit or lax.scan would flatten
differently afterwards. Structures cross those transformations with their dicts held as
OrderedNodes, dicts that JAX flattens in insertion order, and come back as plain dicts.
"""

from __future__ import annotations

import jax


class OrderedNode(dict):
    """A dict that JAX flattens in insertion order."""


jax.tree_util.register_pytree_node(
    OrderedNode,
    lambda node: (list(node.values()), tuple(node.keys())),
    lambda keys, values: OrderedNode(zip(keys, values)),
)


def keep_order(structure):
    """`structure` with every dict as an OrderedNode."""
    return _with_dicts_as(structure, OrderedNode)


def release_order(structure):
    """`structure` with every OrderedNode back as a plain dict."""
    return _with_dicts_as(structure, dict)


_CONTAINERS = (dict, list, tuple)


def _with_dicts_as(node, dict_type):
    if isinstance(node, dict):
        return dict_type((key, _with_dicts_as(value, dict_type)) for key, value in node.items())
    if isinstance(node, (list, tuple)):
        if not any(isinstance(value, _CONTAINERS) for value in node):
            return node  # a flat sequence (a step's state leaves): nothing to change
        values = [_with_dicts_as(value, dict_type) for value in node]
        if isinstance(node, list):
            return values
        return type(node)(*values) if hasattr(node, "_fields") else tuple(values)
    return node
