"""Nested structures of arrays: dicts, lists and tuples whose leaves are anything else.

Dicts keep their insertion order, so a structure flattens the same way every time it is built
the same way. `None` is a leaf.
"""

from __future__ import annotations

from engine.keras_namespaces import missing_attribute


def flatten(structure) -> list:
    """The leaves of `structure`, depth first."""
    leaves = []
    _collect(structure, leaves)
    return leaves


_CONTAINERS = (dict, list, tuple)


def _collect(node, leaves):
    if isinstance(node, dict):
        node = node.values()
    elif not isinstance(node, (list, tuple)):
        leaves.append(node)
        return
    for value in node:  # leaves inline: states are mostly flat lists of arrays
        if isinstance(value, _CONTAINERS):
            _collect(value, leaves)
        else:
            leaves.append(value)


def unflatten_as(structure, leaves):
    """A structure shaped like `structure` holding `leaves` in flatten's order."""
    iterator = iter(leaves)
    result = _rebuild(structure, iterator)
    if next(iterator, _END) is not _END:
        raise ValueError("More leaves than the structure has places for.")
    return result


_END = object()


def _rebuild(node, iterator):
    if isinstance(node, dict):
        return {key: _rebuild(value, iterator) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        values = [
            _rebuild(value, iterator) if isinstance(value, _CONTAINERS) else _next(iterator)
            for value in node
        ]
        if isinstance(node, list):
            return values
        return type(node)(*values) if hasattr(node, "_fields") else tuple(values)
    return _next(iterator)


def _next(iterator):
    leaf = next(iterator, _END)
    if leaf is _END:
        raise ValueError("Fewer leaves than the structure has places for.")
    return leaf


def layout(structure):
    """A hashable description of how `structure` nests, without its leaves: structures with
    the same layout flatten and rebuild alike."""
    if isinstance(structure, dict):
        return (dict, tuple((key, layout(value)) for key, value in structure.items()))
    if isinstance(structure, (list, tuple)):
        return (type(structure), tuple(layout(value) for value in structure))
    return None


def map_structure(fn, structure, *others):
    """fn applied leaf by leaf to `structure` and same-shaped `others`."""
    leaves = [flatten(s) for s in (structure, *others)]
    if any(len(other) != len(leaves[0]) for other in leaves[1:]):
        raise ValueError("Structures passed to map_structure have different numbers of leaves.")
    return unflatten_as(structure, [fn(*group) for group in zip(*leaves)])

__getattr__ = missing_attribute(__name__)
