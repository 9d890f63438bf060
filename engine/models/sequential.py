"""Sequential: a stack of layers, each feeding the next; a functional Model underneath.

The graph is made as soon as the input shape is known: from a leading `layers.Input(...)`, a
first layer's `input_shape=` (or a built model as first layer), `build(input_shape)`, or the
first batch that fit, evaluate, predict or a call gives it. Until then it is compiled like a
subclassed model. `add` and `pop` extend and shorten the graph in place, so every layer has
one call in it and `layer.output` is its output there (feature extraction). A refused add or
build raises and leaves the model, and its layers, as they were.
"""

from __future__ import annotations

import contextlib

import numpy as np

from engine import naming
from engine.errors import LayerConfigError
from engine.layers import tracking
from engine.layers.input_layer import InputLayer
from engine.layers.layer import Layer
from engine.layers.node import SymbolicTensor
from engine.models.functional import Model


class _KnownOnceBuilt:
    """A graph attribute (inputs, outputs) that `Model._set_graph` sets; read before the input
    shape is known, it raises Keras's AttributeError."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, model, owner=None):
        if model is None:
            return self
        if self.name not in model.__dict__:
            raise AttributeError(model.not_built_message(f"has no defined {self.name} yet"))
        return model.__dict__[self.name]

    def __set__(self, model, value):
        model.__dict__[self.name] = value

    def __delete__(self, model):
        model.__dict__.pop(self.name, None)


class Sequential(Model):
    inputs = _KnownOnceBuilt()
    outputs = _KnownOnceBuilt()

    def __init__(self, layers=None, trainable=True, name=None):  # Keras 3's order
        Layer.__init__(self, name=name or naming.unique_name("sequential"), trainable=trainable)
        self._stack: list[Layer] = []  # as added; an InputLayer first once the shape is known
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------------ the stack
    def add(self, layer) -> None:
        """Put `layer` (or a `layers.Input(...)`) on top; the graph grows if it is built."""
        layer = self._checked_addition(layer)
        stack = [*self._stack, layer]
        first = stack[0]
        if not isinstance(first, InputLayer):
            shape = _declared_input_shape(first)
            if shape is not None:
                stack.insert(0, InputLayer(shape[1:], batch_size=shape[0], dtype=first.dtype))
        if self.built:
            self._set_chain(stack, layer(self._nodes[-1].returned()))
        elif isinstance(stack[0], InputLayer) and len(stack) > 1:
            self._connect(stack)
        else:
            self._stack = stack

    def pop(self) -> Layer:
        """Take the top layer off and return it; the graph ends at the layer below."""
        if not self.layers:
            raise IndexError(f"Sequential model {self.name!r} has no layers to pop.")
        layer, stack = self._stack[-1], self._stack[:-1]
        if not self.built:
            self._stack = stack
            return layer
        last = self._nodes[-1]
        if len(self._nodes) > 1:
            self._set_chain(stack, self._nodes[-2].returned())
        else:
            self._unbuild(stack)
        layer.inbound_nodes.remove(last)
        return layer

    @property
    def layers(self) -> list[Layer]:
        """The stacked layers, without the Input (as Keras 3 lists them)."""
        return [layer for layer in self._stack if not isinstance(layer, InputLayer)]

    def tracked_layers(self) -> list[Layer]:
        """The graph's layers once built (Keras's order), else the stack as added."""
        return list(self._layers) if self.built else list(self._stack)

    @property
    def subclassed(self) -> bool:
        """Until its input shape is known a Sequential has no graph: like a subclassed model
        it can be compiled, and it builds on its first batch."""
        return not self.built

    def _checked_addition(self, layer) -> Layer:
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise LayerConfigError(
                f"Only layers (or layers.Input(...)) can be added to a Sequential model; got "
                f"{layer!r} of type {type(layer).__name__}."
            )
        if layer is self:
            raise LayerConfigError(f"Sequential model {self.name!r} cannot contain itself.")
        if isinstance(layer, InputLayer) and self._stack:
            raise LayerConfigError(
                f"An Input can only be the first entry of a Sequential model; model "
                f"{self.name!r} already starts with {self._stack[0].name!r}."
            )
        if any(other.name == layer.name and other is not layer for other in self._stack):
            raise LayerConfigError(
                f"Sequential model {self.name!r} already has a layer named {layer.name!r}: "
                "give the new layer another name=."
            )
        return layer

    # ----------------------------------------------------------------------- the graph
    def build(self, input_shape=None):
        """Make the graph for inputs of `input_shape` (batch axis included), as Keras's
        `model.build((None, 4))`; a built model only checks that the shape fits."""
        self._build_for(input_shape)

    def build_on_batch(self, inputs, training=False) -> None:
        """Build on the shape (and integer or float kind) of fit's, evaluate's or predict's
        first batch, as Keras does (a graph: every layer is built, whatever `training`)."""
        if self.built:
            return
        if isinstance(inputs, (list, tuple, dict)):
            raise ValueError(
                f"Sequential model {self.name!r} takes one input array, got a "
                f"{type(inputs).__name__} of them: use engine.Model(inputs, outputs) for "
                "several inputs."
            )
        array = np.asarray(inputs)
        self._build_for(array.shape, "int32" if array.dtype.kind in "iub" else None)

    def _build_for(self, input_shape, dtype=None):
        shape = _batch_shape(input_shape, self.name)
        if not self.layers:
            raise ValueError(
                f"Sequential model {self.name!r} cannot be built because it has no layers: "
                "call model.add(layer) first."
            )
        first = self._stack[0]
        if isinstance(first, InputLayer):
            self._check_fits(shape, first.output.shape)
            if not self.built:
                self._connect(self._stack)
            return
        self._connect([InputLayer(shape[1:], dtype=dtype or first.dtype), *self._stack])

    def _connect(self, stack):
        """Call the stack's layers in turn on its Input. On failure nothing changes: the
        nodes made are removed and the layers built here are unbuilt again."""
        with _undone_on_failure(stack[1:]):
            x = stack[0].output
            for layer in stack[1:]:
                x = layer(x)
            self._set_chain(stack, x)

    def _set_chain(self, stack, output):
        self._set_graph(stack[0].output, output)
        self._stack = stack
        self._forget_compiled()

    def _unbuild(self, stack):
        """Back to no graph (only the Input is left): it builds again when a layer comes."""
        del self.inputs, self.outputs
        self._nodes, self._layers = [], []
        self._stack = stack
        self.built = False
        self._forget_compiled()

    def _forget_compiled(self):
        """Compiled predict and train steps were traced for the old graph."""
        self.__dict__.pop("_compiled", None)
        if getattr(self, "_steps", None):
            self._steps = {}

    def check_input_shapes(self, *shapes):
        """A built Sequential takes inputs of its Input's shape (any batch size)."""
        for shape in shapes:
            self._check_fits(shape, self.input.shape)

    def _check_fits(self, shape, expected):
        """Same rank, and the same sizes where both are known (the batch size may differ)."""
        if len(shape) != len(expected) or any(
            a is not None and b is not None and a != b for a, b in zip(shape[1:], expected[1:])
        ):
            raise self.shape_error(
                f"was built for inputs of shape {expected} and cannot take shape {shape}."
            )

    def require_graph(self) -> None:
        if not self.built:
            raise ValueError(self.not_built_message(
                "has no input shape yet: start it with layers.Input(shape), give its first layer "
                "input_shape=, call model.build((None, ...)), or call it on a batch first"
            ))

    def not_built_message(self, what: str) -> str:
        return f"Sequential model {self.name!r} {what}."

    # ----------------------------------------------------------- Keras's graph accessors
    @property
    def input(self):
        """The graph's input tensor (Keras gives it for functional models)."""
        return self.inputs[0]

    @property
    def output(self):
        """The graph's output tensor (or list of them)."""
        outputs = self.outputs
        return outputs[0] if self._single_output else list(outputs)

    @property
    def input_shape(self):
        return self.input.shape

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if self._single_output else shapes

    def summary(self, print_fn=print):
        super().summary(print_fn)
        if not self.built:
            print_fn(self.not_built_message(
                "is not built yet (unbuilt: no input shape, so no output shapes): it is built "
                "on its first batch (fit, evaluate, predict or a call), or by "
                "model.build((None, ...))"
            ))


def _declared_input_shape(layer):
    """The batch shape a first layer declares: `input_shape=`, or a built model's input."""
    if layer.input_shape_arg is not None:
        return (None, *layer.input_shape_arg)
    if isinstance(layer, Model) and not layer.subclassed and len(layer.inputs) == 1:
        return layer.inputs[0].shape
    return None


def _batch_shape(input_shape, name) -> tuple:
    try:
        shape = tuple(None if d is None else int(d) for d in input_shape)
    except TypeError as error:
        raise ValueError(
            f"Sequential model {name!r} takes one input: build it with one shape, batch axis "
            f"first, such as (None, 4); got {input_shape!r}."
        ) from error
    if not shape:
        raise ValueError(
            f"Sequential model {name!r} needs a batch shape with the batch axis first, such "
            f"as (None, 4); got {input_shape!r}."
        )
    return shape


@contextlib.contextmanager
def _undone_on_failure(layers):
    """If the block raises, each of `layers` is put back as it was: nodes added to it are
    removed, and a layer built in the block is unbuilt (its attributes and weights restored;
    Layer does this for the one layer whose build fails, this for those built before it)."""
    saved = [
        (layer, len(layer.inbound_nodes), len(layer._weights), len(layer._seed_states),
         None if layer.built else dict(vars(layer)))
        for layer in dict.fromkeys(layers)
    ]
    try:
        yield
    except BaseException:
        for layer, nodes, weights, seeds, attributes in saved:
            del layer.inbound_nodes[nodes:]
            if attributes is not None:
                del layer._weights[weights:], layer._seed_states[seeds:]
                vars(layer).clear()
                vars(layer).update(attributes)
        tracking.changed()
        raise

