"""Sequential: a stack of layers, each feeding the next; a functional Model underneath.

The graph is made as soon as the input shape is known: from a leading `layers.Input(...)`, a
first layer's `input_shape=`, or the first batch the model sees. Adding a layer that does not
fit raises and leaves the model as it was.
"""

from __future__ import annotations

from engine import naming
from engine.errors import LayerConfigError
from engine.layers.input_layer import Input, InputLayer
from engine.layers.layer import Layer
from engine.layers.node import SymbolicTensor
from engine.models.functional import Model


class Sequential(Model):
    def __init__(self, layers=None, name=None, trainable=True):
        Layer.__init__(self, name=name or naming.unique_name("sequential"), trainable=trainable)
        self._stack: list[Layer] = []
        self._layers: list[Layer] = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise LayerConfigError(
                f"Sequential.add takes a layer or layers.Input(...), got {type(layer).__name__}."
            )
        if isinstance(layer, InputLayer) and self._stack:
            raise LayerConfigError("An Input can only be the first entry of a Sequential model.")
        stack = [*self._stack, layer]
        input_tensor = _input_of(stack)
        if input_tensor is not None:
            self._connect(stack, input_tensor)
        self._stack = stack
        if input_tensor is None:
            self._layers = list(stack)

    @property
    def layers(self) -> list[Layer]:
        """The stacked layers, without the Input (as Keras 3 lists them)."""
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def _connect(self, stack, input_tensor):
        x = input_tensor
        for layer in stack:
            if not isinstance(layer, InputLayer):
                x = layer(x)
        self._set_graph(input_tensor, x)

    def build_for_input_shape(self, input_shape) -> None:
        """Make the graph for inputs of `input_shape` (batch axis included) if not made yet."""
        if not self.built:
            self._connect(self._stack, Input(tuple(input_shape)[1:]))

    def build(self, input_shape):
        """Keras's Sequential.build: the graph for inputs of `input_shape`."""
        self.build_for_input_shape(input_shape)

    def __call__(self, *inputs, **kwargs):
        if not self.built:
            first = inputs[0]
            shape = (
                first.shape
                if isinstance(first, SymbolicTensor)
                else tuple(getattr(first, "shape", ()))
            )
            self.build_for_input_shape(shape)
        return super().__call__(*inputs, **kwargs)

    def predict(self, x, batch_size=32):
        if not self.built:
            self.build_for_input_shape(getattr(x, "shape", ()))
        return super().predict(x, batch_size=batch_size)


def _input_of(stack):
    """The graph's Input when the stack says its shape, else None."""
    first = stack[0]
    if isinstance(first, InputLayer):
        return first.output
    if first.input_shape_arg is not None:
        return Input(first.input_shape_arg)
    return None
