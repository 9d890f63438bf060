"""keras.tree: each function gives Keras's result (on structures whose dict keys are inserted
sorted, where the engine's insertion order and Keras's sorted order agree) and Keras's
errors."""

from __future__ import annotations

import collections

import keras
import numpy as np
import pytest

from engine import tree
from engine.keras_names import KERAS_NAMES

Point = collections.namedtuple("Point", ["x", "y"])
OtherPoint = collections.namedtuple("OtherPoint", ["x", "y"])
STRUCTURES = [
    42,
    [(1, 2), [3], {"a": 4}],
    {"a": [1, (2, 3)], "b": {"c": None, "d": 5}},
    Point(1, [2, 3]),
    ((), [], {}),
]


def _call(library, name, *args, **kwargs):
    return getattr(library.tree, name)(*args, **kwargs)


class _Engine:
    tree = tree


@pytest.mark.parametrize("structure", STRUCTURES)
def test_flattening_and_packing_match_keras(structure):
    for name in ("is_nested", "flatten", "flatten_with_path", "lists_to_tuples"):
        assert _call(_Engine, name, structure) == _call(keras, name, structure), name
    flat = [f"leaf{i}" for i in range(len(tree.flatten(structure)))]
    assert tree.pack_sequence_as(structure, flat) == keras.tree.pack_sequence_as(structure, flat)


@pytest.mark.parametrize("structure", STRUCTURES[1:])
@pytest.mark.parametrize("top_down", [True, False])
def test_traverse_matches_keras(structure, top_down):
    def visit(seen):
        def func(node):
            seen.append(repr(node))
            if node == 3:
                return tree.MAP_TO_NONE if seen is ours else keras.tree.MAP_TO_NONE
            return ("cut",) if isinstance(node, tuple) and len(node) == 2 and top_down else None
        return func

    ours, theirs = [], []
    assert tree.traverse(visit(ours), structure, top_down) == keras.tree.traverse(
        visit(theirs), structure, top_down)
    assert ours == theirs


def test_map_structure_up_to_and_map_shape_structure_match_keras():
    structure = [[1, 1], [2, (2, 3)]]
    for shallow, func in [([0, 0], len), ([0, [0, 0]], str)]:  # (None: Keras fails)
        assert tree.map_structure_up_to(shallow, func, structure) == \
            keras.tree.map_structure_up_to(shallow, func, structure)
    two = tree.map_structure_up_to({"a": None}, lambda x, y: x + y, {"a": [1]}, {"a": [2]})
    assert two == {"a": [1, 2]}
    shapes = {"a": (1, None), "b": [(2,), (3, 4, 5)], "c": []}
    assert tree.map_shape_structure(len, shapes) == keras.tree.map_shape_structure(len, shapes)


@pytest.mark.parametrize("a, b, same_structure, same_paths", [
    ([(0, 1)], [(2, 3)], True, True),
    ([0, 1], (2, 3), False, True),
    (Point(0, 1), OtherPoint(2, 3), False, True),
    ({"a": 1, "b": 2}, collections.OrderedDict(a=3, b=4), True, True),
    ({"a": 1}, {"b": 1}, False, False),
    ([0, [1]], [0, 1], False, False),
    (np.zeros(3), 5, True, True),
])
def test_assertions_agree_with_keras(a, b, same_structure, same_paths):
    for name, same in (("assert_same_structure", same_structure),
                       ("assert_same_paths", same_paths)):
        for library in (_Engine, keras):
            if same:
                _call(library, name, a, b)
            else:
                with pytest.raises(ValueError):
                    _call(library, name, a, b)


def test_errors():
    with pytest.raises(ValueError, match="has 2 leaves but `flat_sequence` has 1"):
        tree.pack_sequence_as([1, 2], [1])
    with pytest.raises(TypeError, match="must be a list or tuple"):
        tree.pack_sequence_as([1], 1)
    with pytest.raises(ValueError, match="same nested structure as `shallow_structure`"):
        tree.map_structure_up_to([None, None], len, [1, 2, 3])
    with pytest.raises(TypeError, match="must be callable"):
        tree.traverse(3, [1])


def test_keras_names():
    for name in KERAS_NAMES["keras.tree"]:
        assert hasattr(tree, name), name
