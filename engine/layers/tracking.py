"""What a layer holds: the layers and Variables assigned to its attributes, as Keras tracks them.

`self.dense = layers.Dense(4)`, `self.blocks = [Block(), Block()]`, `self.v = Variable(...)` or
`self.seed_generator = random.SeedGenerator(1337)` in a custom layer or a subclassed model
makes them part of it. The attributes are read when
asked (in assignment order, then list or dict order), so lists filled after assignment count
too. What is read may be cached until `generation()` moves on: it does whenever a layer is
given a layer, Variable, list, tuple or dict attribute, a weight, or a new `trainable` or
`built` (Layer.__setattr__), which is how a model's weights can change.
"""

from __future__ import annotations

from engine.random import SeedGenerator
from engine.variables import Variable

# The Layer base keeps its own Variables, and what it found here, in these: they are not
# the user's attributes.
BOOKKEEPING = frozenset({"_weights", "_seed_states", "_held"})
# Attributes whose new value may change what a layer holds or which weights train.
STRUCTURAL_NAMES = frozenset({"trainable", "built"})
STRUCTURAL_TYPES = (Variable, SeedGenerator, list, tuple, dict)  # and Layer (layer.py adds)

_generation = [0]


def generation() -> int:
    """A number that changes whenever any layer's held layers or weights may have changed."""
    return _generation[0]


def changed() -> None:
    """Note that some layer's held layers or weights may have changed."""
    _generation[0] += 1


def _leaves(value):
    """Layers and Variables in an attribute's value: itself, or inside lists, tuples, dicts."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    else:
        yield value


def _tracked(owner, kind):
    found = []
    for name, value in vars(owner).items():
        if name in BOOKKEEPING:
            continue
        found.extend(
            leaf for leaf in _leaves(value) if isinstance(leaf, kind) and leaf is not owner
        )
    return list(dict.fromkeys(found))


def sublayers(owner) -> list:
    """The layers assigned to `owner`'s attributes, each once, in the order Keras lists them."""
    from engine.layers.layer import Layer  # layer.py imports this module

    return _tracked(owner, Layer)


def attribute_variables(owner) -> list:
    """The Variables assigned to `owner`'s attributes directly (not made by add_weight)."""
    return _tracked(owner, Variable)


def seed_generator_states(owner) -> list:
    """The state Variables of the SeedGenerators assigned to `owner`'s attributes: variables
    a step reads and advances, but not weights (as in Keras)."""
    return [generator.state for generator in _tracked(owner, SeedGenerator)]
