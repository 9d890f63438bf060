"""An argument that is a layer: RNN's cell, StackedRNNCells' cells, the layer a wrapper
(Bidirectional, TimeDistributed) runs.

The layer is kept as a Layer; a config writes it as Keras serialises it ({"class_name": ...,
"config": ...} and Keras's module), and a config given as such a dict is built only from the
allowlist (engine.layers.LAYERS): nothing else is ever built from a spec or a file.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from engine.layers.declaration import DECLARED, Argument
from engine.layers.layer import Layer


@dataclasses.dataclass
class LayerArgument(Argument):
    """A layer, or with `several` a non-empty list of them; each must have `needs`."""

    several: bool = False
    needs: tuple = ()  # attributes each layer must have ("state_size")
    type: ClassVar[str] = "string"

    def convert(self, layer, value):
        if self.several:
            if not isinstance(value, (list, tuple)) or not value:
                raise self.error(layer, "must be a non-empty list of layers", value)
            return [self._one(layer, v) for v in value]
        return self._one(layer, value)

    def _one(self, layer, value):
        if isinstance(value, dict):
            value = self._built(layer, value)
        if not isinstance(value, Layer):
            raise self.error(layer, "must be a layer, or its config as "
                             '{"class_name": ..., "config": ...}', value)
        missing = [n for n in self.needs if not hasattr(value, n)]
        if missing:
            raise self.error(layer, f"must be a layer with {', '.join(missing)} (as Keras "
                             "needs of it)", value)
        return value

    def _built(self, layer, entry):
        """The layer an entry {"class_name", "config"} describes, from the allowlist only."""
        from engine.layers import LAYERS  # the allowlist is taken once every layer is declared

        class_name, config = entry.get("class_name"), entry.get("config")
        if class_name not in LAYERS or not isinstance(config, dict):
            raise self.error(
                layer, "must name an engine layer as {\"class_name\": ..., \"config\": {...}} "
                f"(known classes: {', '.join(sorted(LAYERS))})", entry)
        return LAYERS[class_name].from_config(config)

    def to_json(self, value):
        if self.several:
            return [serialize(v) for v in value]
        return None if value is None else serialize(value)


def serialize(layer) -> dict:
    """A layer as Keras writes one inside another's config (Keras's from_config reads it)."""
    return {"module": "keras.layers", "class_name": type(layer).__name__,
            "config": layer.get_config(), "registered_name": None}


def config_of(layer) -> dict:
    """get_config of a declared layer holding layers: its arguments, layers serialised."""
    config = Layer.get_config(layer)
    for argument in DECLARED[type(layer).__name__].arguments:
        value = getattr(layer, argument.name)
        config[argument.name] = (argument.to_json(value) if isinstance(argument, LayerArgument)
                                 else value)
    return config
