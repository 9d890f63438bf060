"""Wrapper: Keras's base of a layer that runs another layer, augmented (SpectralNormalization
here; a user's own wrapper subclasses it as in Keras)."""

from __future__ import annotations

from engine.layers.declaration import DECLARED
from engine.layers.layer import Layer
from engine.layers.layer_argument import LayerArgument, serialize

_LAYER = LayerArgument(suggested={"class_name": "Dense", "config": {"units": 32}}, name="layer")


class Wrapper(Layer):
    """`layer`, the layer it runs, built on the wrapper's first call; its weights are the
    wrapper's too (after the wrapper's own), as Keras holds them."""

    layer = _LAYER

    def __init__(self, layer=None, **kwargs):
        super().__init__(**kwargs)
        if _is_declared(type(self)):
            return  # a declared wrapper's own __init__ checks and sets `layer` after this
        if layer is None:
            raise TypeError(f"{type(self).__name__}(): give the layer to wrap as `layer`.")
        self.layer = _LAYER.check(self, layer)

    @property
    def wrapped_layers(self) -> list:
        """The layer it runs, which holds its weights (as exports name them)."""
        return [self.layer]

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)

    def get_config(self) -> dict:
        return {**Layer.get_config(self), "layer": serialize(self.layer)}


def _is_declared(cls) -> bool:
    declaration = DECLARED.get(cls.__name__)
    return declaration is not None and declaration.cls is cls
