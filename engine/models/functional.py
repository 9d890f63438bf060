"""Model: a graph of layers from Input tensors to output tensors, plus its weights.

    i = layers.Input((4,))
    model = engine.Model(i, layers.Dense(1)(layers.Dense(8, activation="relu")(i)))

A model is itself a Layer: it can be called on arrays (computes) or on symbolic tensors
(nests inside a bigger model). `stateless_call` runs it as a pure function of explicit
weight values, which is what gradients and compiled steps are built from.
"""

from __future__ import annotations

import numpy as np

from engine import backend as backends
from engine import naming
from engine.export.mixin import Exportable
from engine.layers.layer import Layer, to_backend_array
from engine.layers.node import SymbolicTensor
from engine.models import graph
from engine.training.trainer import Trainer
from engine.variables import state_scope


class Model(Exportable, Trainer, Layer):
    def __init__(self, inputs, outputs, name=None, trainable=True):
        super().__init__(name=name or naming.unique_name("functional"), trainable=trainable)
        self._set_graph(inputs, outputs)

    def _set_graph(self, inputs, outputs):
        flat_inputs = graph.check_tensors(inputs, "inputs")
        flat_outputs = graph.check_tensors(outputs, "outputs")
        self._nodes, self._layers = graph.walk(flat_inputs, flat_outputs)
        self.inputs, self.outputs = flat_inputs, flat_outputs
        self._single_input = not isinstance(inputs, (list, tuple))
        self._single_output = not isinstance(outputs, (list, tuple))
        self.built = True

    # ----------------------------------------------------------------------------- state
    @property
    def layers(self) -> list[Layer]:
        """The model's layers, inputs first, in Keras's order."""
        return list(self._layers)

    @property
    def nodes(self) -> list:
        """The layer calls the model runs, in the order it runs them (Input layers excluded)."""
        return list(self._nodes)

    @property
    def weights(self):
        return _unique(w for layer in self._layers for w in layer.weights)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return _unique(w for layer in self._layers for w in layer.trainable_weights)

    @property
    def non_trainable_weights(self):
        trainable = set(map(id, self.trainable_weights))
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def variables(self):
        return _unique(v for layer in self._layers for v in layer.variables)

    @property
    def non_trainable_variables(self):
        """Everything a step reads but does not differentiate: frozen weights, seed states."""
        return self._split_variables()[1]

    def _split_variables(self):
        """(trainable_weights, non_trainable_variables), the layers walked once for each."""
        trainable = self.trainable_weights
        chosen = set(trainable)
        return trainable, [v for v in self.variables if v not in chosen]

    @property
    def backend(self):
        variables = self.variables
        return variables[0].backend if variables else backends.current()

    def get_layer(self, name: str) -> Layer:
        for layer in self._layers:
            if layer.name == name:
                return layer
        names = ", ".join(layer.name for layer in self._layers)
        raise ValueError(f"Model {self.name!r} has no layer {name!r}. Its layers: {names}.")

    def count_params(self) -> int:
        return int(sum(np.prod(w.shape) for w in self.weights))

    # ---------------------------------------------------------------------------- running
    def call(self, inputs, training=False, node_hook=None):
        """Run the nodes in order. `node_hook(node, result)`, when given, sees what each node
        returned and may replace it (engine.inspection records outputs and adds taps there)."""

        def run(node, args):
            return node.layer.call(*args, **node.layer.call_kwargs({"training": training}))

        return self._run_nodes(self._flat_inputs(inputs), run, node_hook)

    def compute_output_shape(self, input_shape, node_hook=None):
        def infer(node, args):
            return node.layer.compute_output_shape(*args)

        return self._run_nodes(self._flat_inputs(input_shape, shape=True), infer, node_hook)

    def _run_nodes(self, flat_inputs, run, node_hook):
        """Values (arrays or shapes) flow from the inputs through `run(node, args)` per node."""
        values = {id(tensor): value for tensor, value in zip(self.inputs, flat_inputs)}
        for node in self._nodes:
            # each argument is one tensor or a list of them (Node's docstring): no tree walk
            args = [
                values[id(a)] if isinstance(a, SymbolicTensor) else [values[id(t)] for t in a]
                for a in node.args
            ]
            result = run(node, args)
            if node_hook is not None:
                result = node_hook(node, result)
            for tensor, value in zip(node.outputs, result if node.returns_list else [result]):
                values[id(tensor)] = value
        outputs = [values[id(t)] for t in self.outputs]
        return outputs[0] if self._single_output else outputs

    def _flat_inputs(self, inputs, shape=False):
        if self._single_input:
            return [inputs]
        if not isinstance(inputs, (list, tuple)) or len(inputs) != len(self.inputs):
            what = "input shapes" if shape else "arrays"
            raise ValueError(
                f"Model {self.name!r} takes a list of {len(self.inputs)} {what} "
                f"({', '.join(t.node.layer.name for t in self.inputs)})."
            )
        return list(inputs)

    def stateless_call(
        self, trainable_values, non_trainable_values, inputs, training=False, node_hook=None
    ):
        """(outputs, updated non-trainable values): the model as a pure function of its state.

        The values are arrays in the order of `trainable_weights` and
        `non_trainable_variables`; no variable is changed. `node_hook` is passed to `call`.
        """
        trainable, non_trainable = self._split_variables()
        mapping = dict(zip(trainable, trainable_values))
        mapping.update(zip(non_trainable, non_trainable_values))
        with state_scope(mapping) as scope:
            outputs = self.call(inputs, training=training, node_hook=node_hook)
        return outputs, [scope.values[v] for v in non_trainable]

    def predict(self, x, batch_size=32):
        """Outputs for NumPy inputs, computed batch by batch on the model's backend."""
        backend = self.backend
        flat = [np.asarray(a) for a in self._flat_inputs(x)]
        forward = self._compiled_forward(backend)
        state = (
            [w.value for w in self.trainable_weights],
            [v.value for v in self.non_trainable_variables],
        )
        count = len(flat[0])
        batches = []
        with backends.using(backend):
            for start in range(0, count, batch_size):
                chunk = [to_backend_array(backend, a[start : start + batch_size]) for a in flat]
                out = forward(*state, chunk[0] if self._single_input else chunk)
                batches.append(
                    [backend.to_numpy(o) for o in (out if isinstance(out, list) else [out])]
                )
        outputs = [np.concatenate(parts) for parts in zip(*batches)]
        return outputs[0] if self._single_output else outputs

    def _compiled_forward(self, backend):
        cache = self.__dict__.setdefault("_compiled", {})
        key = ("predict", backend.name)
        if key not in cache:

            def forward(trainable, non_trainable, inputs):
                return self.stateless_call(trainable, non_trainable, inputs)[0]

            cache[key] = backend.jit(forward)
        return cache[key]

    # ------------------------------------------------------------------ spec and summary
    def require_graph(self) -> None:
        """Raise a clear error while the graph is not made yet (a Sequential without input)."""
        if not self.built:
            raise ValueError(
                f"Model {self.name!r} has no input shape yet: start it with layers.Input(shape), "
                "give its first layer input_shape=, or call it on a batch first."
            )

    def to_spec(self) -> dict:
        """The model's graph as a JSON-serialisable dict (docs/graph-spec.md)."""
        from engine.models.spec import to_spec

        return to_spec(self)

    def summary(self, print_fn=print):
        """Print layers, output shapes and parameter counts, as Keras's summary does."""
        from engine.models.summary import summary_text

        print_fn(summary_text(self))

    def to_backend(self, name: str) -> Model:
        """Move this model, its optimizer state and its metric totals to backend `name`, all
        or nothing (other models stay where they are); returns the model."""
        from engine.switching import move_variables

        variables = list(self.variables)
        if self.optimizer is not None:
            variables += self.optimizer.variables
            variables += [v for metric in self.metrics for v in metric.variables]
        move_variables(variables, name)
        return self


def _unique(variables):
    """The variables in order, each once (Variables hash and compare by identity)."""
    return list(dict.fromkeys(variables))
