"""Nested structures of arrays: dicts, lists and tuples whose leaves are anything else.

Dicts keep their insertion order, so a structure flattens the same way every time it is built
the same way (Keras sorts plain dicts by key: the orders agree where the keys were inserted
sorted). `None` is a leaf. The functions are Keras's `keras.tree`.
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


class MAP_TO_NONE:  # noqa: N801 - Keras's name for it
    """What `traverse`'s function returns to put None in place of a sub-structure."""


def is_nested(structure) -> bool:
    """Whether `structure` is a dict, list or tuple (a namedtuple included)."""
    return isinstance(structure, _CONTAINERS)


def flatten_with_path(structure) -> list:
    """(path, leaf) pairs in flatten's order; a path is the tuple of keys and indices that
    leads to the leaf."""
    pairs = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                walk(value, (*path, index))
        else:
            pairs.append((path, node))

    walk(structure, ())
    return pairs


def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence` in the nesting of `structure` (flatten's inverse); for a leaf
    `structure`, the one item of `flat_sequence`."""
    if not isinstance(flat_sequence, (list, tuple)):
        raise TypeError(f"pack_sequence_as: `flat_sequence` must be a list or tuple. "
                        f"Received: {type(flat_sequence).__name__}.")
    expected = len(flatten(structure))
    if len(flat_sequence) != expected:
        raise ValueError(f"pack_sequence_as: the structure has {expected} leaves but "
                         f"`flat_sequence` has {len(flat_sequence)} items.")
    return unflatten_as(structure, flat_sequence)


def assert_same_structure(a, b, check_types=None):
    """ValueError unless `a` and `b` nest alike: the same container types (dicts of the same
    keys count as one type; lists, tuples and each namedtuple class differ) with the same
    lengths. `check_types` is accepted, and ignored, as in Keras."""
    del check_types
    problem = _structure_difference(a, b, ())
    if problem:
        raise ValueError(f"The two structures don't have the same nested structure: {problem}"
                         f"\nFirst structure: {a!r:.300}\nSecond structure: {b!r:.300}")


def _structure_difference(a, b, path):
    where = f"at path {path}" if path else "at the top"
    if is_nested(a) != is_nested(b):
        return f"{where} one is a leaf and the other a {type(a if is_nested(a) else b).__name__}."
    if not is_nested(a):
        return None
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            return f"{where} {a!r:.100} and {b!r:.100} differ in type or keys."
        pairs = [(a[key], b[key], key) for key in a]
    else:
        if type(a) is not type(b) or len(a) != len(b):
            return (f"{where} a {type(a).__name__} of {len(a)} and a {type(b).__name__} of "
                    f"{len(b)}.")
        pairs = [(x, y, index) for index, (x, y) in enumerate(zip(a, b))]
    for x, y, step in pairs:
        problem = _structure_difference(x, y, (*path, step))
        if problem:
            return problem
    return None


def assert_same_paths(a, b):
    """ValueError unless `a` and `b` have the same paths (container types aside)."""
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(f"`a` and `b` don't have the same paths.\nPaths in `a` missing in "
                         f"`b`:\n{paths_a - paths_b}\nPaths in `b` missing in `a`:\n"
                         f"{paths_b - paths_a}")


def map_structure_up_to(shallow_structure, func, *structures):
    """`func` applied to the sub-structures of `structures` found at the leaves of
    `shallow_structure` (the structures may nest deeper there, not shallower)."""
    if not structures:
        raise TypeError("map_structure_up_to needs at least one structure to map.")
    if not callable(func):
        raise TypeError(f"map_structure_up_to: `func` must be callable. Received: {func!r}.")

    def walk(shallow, nodes):
        if not is_nested(shallow):
            return func(*nodes)
        for node in nodes:
            problem = _structure_difference(_top_level(shallow), _top_level(node), ())
            if problem:
                raise ValueError(f"Structures don't have the same nested structure as "
                                 f"`shallow_structure`: {problem}")
        if isinstance(shallow, dict):
            return {key: walk(value, [node[key] for node in nodes])
                    for key, value in shallow.items()}
        values = [walk(value, [node[i] for node in nodes]) for i, value in enumerate(shallow)]
        if isinstance(shallow, list):
            return values
        return type(shallow)(*values) if hasattr(shallow, "_fields") else tuple(values)

    return walk(shallow_structure, structures)


def _top_level(node):
    """`node` with its children made leaves: what nests at its first level only."""
    if isinstance(node, dict):
        return dict.fromkeys(node, 0)
    if isinstance(node, (list, tuple)):
        values = [0] * len(node)
        if isinstance(node, list):
            return values
        return type(node)(*values) if hasattr(node, "_fields") else tuple(values)
    return node


def _is_shape(structure) -> bool:
    return isinstance(structure, (tuple, list)) and all(
        d is None or isinstance(d, int) for d in structure
    )


def map_shape_structure(func, structure):
    """`func` applied to every shape (a tuple or list of ints and Nones) in `structure`."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    if isinstance(structure, dict):
        return {key: map_shape_structure(func, value) for key, value in structure.items()}
    values = [map_shape_structure(func, value) for value in structure]
    if isinstance(structure, list):
        return values
    return type(structure)(*values) if hasattr(structure, "_fields") else tuple(values)


def lists_to_tuples(structure):
    """The same structure with every list made a tuple."""
    if isinstance(structure, dict):
        return {key: lists_to_tuples(value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        values = [lists_to_tuples(value) for value in structure]
        if isinstance(structure, tuple) and hasattr(structure, "_fields"):
            return type(structure)(*values)
        return tuple(values)
    return structure


def traverse(func, structure, top_down=True):
    """Depth first, `func` on every sub-structure and leaf. Top down: where `func` returns
    something other than None, that replaces the sub-structure and its inside is skipped.
    Bottom up: children first; a non-None result replaces the node. `MAP_TO_NONE` means
    None."""
    if not callable(func):
        raise TypeError(f"traverse: `func` must be callable. Received: {func!r}.")

    def rebuilt(node, visit):
        if isinstance(node, dict):
            return {key: visit(value) for key, value in node.items()}
        values = [visit(value) for value in node]
        if isinstance(node, list):
            return values
        return type(node)(*values) if hasattr(node, "_fields") else tuple(values)

    def visit(node):
        if top_down:
            result = func(node)
            if result is not None:
                return None if result is MAP_TO_NONE else result
            return rebuilt(node, visit) if is_nested(node) else node
        node = rebuilt(node, visit) if is_nested(node) else node
        result = func(node)
        if result is None:
            return node
        return None if result is MAP_TO_NONE else result

    return visit(structure)

__getattr__ = missing_attribute(__name__)
