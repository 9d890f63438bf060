"""The engine's errors: each says what went wrong, with the offending values, and what to do."""

from __future__ import annotations


class EngineError(Exception):
    """Base of the engine's own errors."""


class LayerConfigError(EngineError, ValueError):
    """A layer was given an argument it cannot use."""


class LayerShapeError(EngineError, ValueError):
    """A layer was called on inputs whose shapes it cannot take."""

    def __init__(self, layer, message: str, input_shape=None):
        where = f"Layer {layer.name!r} ({type(layer).__name__})"
        got = f" Input shape: {input_shape}." if input_shape is not None else ""
        super().__init__(f"{where}: {message}{got}")
        self.layer_name = layer.name
        self.input_shape = input_shape


class GraphError(EngineError, ValueError):
    """The tensors given to Model(...) do not form a valid graph."""


class SpecError(EngineError, ValueError):
    """A graph spec (or model file) is malformed, out of date or names something unknown."""
