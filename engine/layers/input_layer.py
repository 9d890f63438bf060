"""Input: where a functional graph starts."""

from __future__ import annotations

from engine.errors import LayerConfigError
from engine.layers.declaration import DTypeName, Int, Sizes, declare
from engine.layers.layer import Layer, default_dtype
from engine.layers.node import Node


@declare("input", ports=())
class InputLayer(Layer):
    """Holds the shape of one model input; it computes nothing."""

    shape = Sizes(unknown=True, suggested=[2])
    batch_size = Int(None, minimum=1)
    dtype = DTypeName("float32")

    def configure(self):
        self.built = True
        node = Node(self, (), [(self.batch_size, *self.shape)], self.dtype, returns_list=False)
        self.inbound_nodes.append(node)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            "shape": list(self.shape),
            "batch_size": self.batch_size,
            "dtype": self.dtype,
            "name": self.name,
        }


def Input(shape=None, batch_size=None, dtype=None, *, batch_shape=None, name=None):  # noqa: N802
    """A symbolic tensor to build a model from, as Keras's `Input`: `shape` without the batch
    axis (with `batch_size`), or `batch_shape` with it. `dtype` defaults to float32."""
    if (shape is None) == (batch_shape is None):
        raise LayerConfigError(
            f"Input takes one of `shape` and `batch_shape`, got shape={shape!r} and "
            f"batch_shape={batch_shape!r}."
        )
    if batch_shape is not None:
        batch_size, *shape = batch_shape
    return InputLayer(shape, batch_size=batch_size, dtype=dtype or default_dtype(),
                      name=name).output
