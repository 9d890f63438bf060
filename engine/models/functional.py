"""Model: a graph of layers from Input tensors to output tensors, plus its weights.

    i = layers.Input((4,))
    model = engine.Model(i, layers.Dense(1)(layers.Dense(8, activation="relu")(i)))

or, as Keras users subclass it, layers held in attributes and a `call` of one's own:

    class MLP(engine.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden, self.out = layers.Dense(8, activation="relu"), layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

A model is itself a Layer: it can be called on arrays (computes) or on symbolic tensors
(nests inside a bigger model). `stateless_call` runs it as a pure function of explicit
weight values, which is what gradients and compiled steps are built from. A subclassed model
builds on its first call (or `build(input_shape)`, or the first batch of fit or predict).
"""

from __future__ import annotations

import inspect

import numpy as np

from engine import backend as backends
from engine import naming, tree
from engine.errors import EngineError
from engine.export.mixin import Exportable
from engine.layers import call_context, masks, precision, trial_call
from engine.layers.layer import Layer, add_activity_losses, to_backend_array
from engine.layers.node import SymbolicTensor
from engine.models import graph
from engine.training.trainer import Trainer
from engine.variables import state_scope, write_values


class Model(Exportable, Trainer, Layer):
    subclassed = False  # made without inputs and outputs: its own call() runs it
    _built_for_training = False  # a subclassed model called in training mode by build_on_batch
    _input_dtypes = None  # "int32" or "float32" per array of a subclassed model's first input
    autocast = False  # its layers cast for themselves, a graph's inputs stay Input's dtype

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if inputs is None and outputs is None:
            super().__init__(name=name, trainable=trainable, **kwargs)
            self.subclassed = True
            return
        super().__init__(name=name or naming.unique_name("functional"), trainable=trainable,
                         **kwargs)
        self._set_graph(inputs, outputs)

    def _set_graph(self, inputs, outputs):
        flat_inputs = graph.check_tensors(inputs, "inputs")
        flat_outputs = graph.check_tensors(outputs, "outputs")
        self._nodes, self._layers = graph.walk(flat_inputs, flat_outputs)
        self._has_masks = masks.graph_has_masks(self._nodes)
        self.inputs, self.outputs = flat_inputs, flat_outputs
        self._single_input = not isinstance(inputs, (list, tuple))
        self._single_output = not isinstance(outputs, (list, tuple))
        self.built = True

    # ----------------------------------------------------------------------------- state
    @property
    def layers(self) -> list[Layer]:
        """The model's layers in Keras's order: a graph's inputs first, else as assigned."""
        return self.tracked_layers()

    def tracked_layers(self) -> list[Layer]:
        return super().tracked_layers() if self.subclassed else list(self._layers)

    @property
    def nodes(self) -> list:
        """The layer calls the model runs, in the order it runs them (Input layers excluded)."""
        self.require_graph()
        return list(self._nodes)

    @property
    def non_trainable_variables(self):
        """Everything a step reads but does not differentiate: frozen weights, seed states."""
        return self._split_variables()[1]

    def _split_variables(self):
        """(trainable_weights, non_trainable_variables): every step's stateless_call asks."""

        def find():
            trainable = self.trainable_weights
            chosen = set(trainable)
            return trainable, [v for v in self.variables if v not in chosen]

        return self.held("split_variables", find)

    @property
    def backend(self):
        variables = self.variables
        return variables[0].backend if variables else backends.current()

    @property
    def output_count(self):
        """How many outputs the graph has; None for a subclassed model (its call decides)."""
        return None if self.subclassed else len(self.outputs)

    def get_layer(self, name: str) -> Layer:
        layers = self.tracked_layers()
        for layer in layers:
            if layer.name == name:
                return layer
        names = ", ".join(layer.name for layer in layers)
        raise ValueError(f"Model {self.name!r} has no layer {name!r}. Its layers: {names}.")

    # ---------------------------------------------------------------------------- running
    def build(self, input_shape):
        """Make a subclassed model's weights for inputs of `input_shape` (a shape, or a list
        of them) by calling it on zeros, unknown sizes as 2; no existing value changes. A
        graph is built already."""
        if not self.subclassed or self.built:
            return
        backend = self.backend
        zeros = _map_shapes(
            lambda shape: to_backend_array(
                backend, np.zeros(tuple(2 if d is None else d for d in shape))),
            input_shape,
        )
        with backends.using(backend), trial_call.unchanged_state(self):
            self.call(zeros)
        self._build_shapes = (input_shape,)

    def build_on_batch(self, inputs, training=False) -> None:
        """Build a subclassed model by calling it on the first rows of a batch (NumPy arrays,
        nested as its call takes them), as Keras builds on fit's or predict's first batch;
        no existing value changes. With `training` (fit) it is called in training mode too,
        so a layer only training reaches (a Dropout under `if training:`) has its state
        before the compiled step, whose variables are fixed when it is traced. A model
        without a call of its own (a GAN whose train_step calls its parts) is left to build
        its parts as its steps call them, as in Keras."""
        if not self.subclassed or type(self).call is Model.call:
            return
        training = training and "training" in inspect.signature(self.call).parameters
        if self.built and (not training or self._built_for_training):
            return
        backend = self.backend
        rows = tree.map_structure(lambda a: to_backend_array(backend, a[:2]), inputs)
        with trial_call.unchanged_state(self):
            if not self.built:
                self(rows)
            if training:
                self(rows, training=True)
        self._built_for_training = training

    def _call_eager(self, inputs, kwargs):
        """Layer's eager call; a subclassed model first called on data (directly, or by
        build_on_batch) records its input's dtypes, so integer ids trace as int32 inputs
        (engine/models/tracing.py), as Sequential's do."""
        if self.subclassed and self._input_dtypes is None and inputs:
            self._input_dtypes = tree.map_structure(_traced_dtype, inputs[0])
        return super()._call_eager(inputs, kwargs)

    def call(self, inputs, training=False, node_hook=None, mask=None):
        """Run the nodes in order. `node_hook(node, result)`, when given, sees what each node
        returned and may replace it (engine.inspection records outputs and adds taps there).
        `mask`: the inputs' masks (a list, None where none), as Keras's; masks that layers make
        go from node to node, and the outputs carry theirs (engine/layers/masks.py)."""
        if self.subclassed:
            raise NotImplementedError(
                f"{type(self).__name__} subclasses Model without inputs and outputs, so it "
                "must define call(self, inputs, training=None)."
            )

        # nodes whose calls cast to their layers' dtype policies (engine/layers/precision.py)
        casting = self.held("casting_nodes", lambda: precision.casting_nodes(self._nodes))
        if mask is None and not self._has_masks:

            def run(node, args, tensors):
                return add_activity_losses(node.layer, node.layer.call(
                    *args, **tensors, **node.layer.call_kwargs({"training": training})))

            return self._run_nodes(self._flat_inputs(inputs), precision.honouring(run, casting),
                                   node_hook)
        flow = masks.MaskFlow(self.inputs, mask)

        def run_masked(node, args, tensors):
            kwargs = {**tensors, **node.layer.call_kwargs({"training": training})}
            if not isinstance(node.layer, Layer):  # an op node: ops drop masks, as Keras's
                return node.layer.call(*args, **kwargs)
            arg_masks = flow.arg_masks(node)
            kwargs = masks.call_kwargs(node.layer, arg_masks, kwargs)
            result = add_activity_losses(node.layer, node.layer.call(*args, **kwargs))
            flow.record(node, arg_masks, kwargs, args, result)
            return result

        outputs = self._run_nodes(self._flat_inputs(inputs),
                                  precision.honouring(run_masked, casting), node_hook)
        return masks.attach(outputs, [flow.mask(t) for t in self.outputs])

    def compute_output_shape(self, input_shape, node_hook=None):
        if self.subclassed:  # found by a trial call (engine/layers/trial_call.py)
            raise NotImplementedError(f"{type(self).__name__} has no compute_output_shape().")

        def infer(node, args, tensors):
            try:
                return node.layer.compute_output_shape(*args)
            except NotImplementedError:  # a layer of the user's own: its call on zeros says
                like = [[SymbolicTensor(s, t.dtype) for s, t in zip(shapes, a)]
                        if isinstance(a, list) else SymbolicTensor(shapes, a.dtype)
                        for shapes, a in zip(args, node.args)]
                return trial_call.output_shapes(node.layer, like)

        return self._run_nodes(self._flat_inputs(input_shape, shape=True), infer, node_hook)

    def _run_nodes(self, flat_inputs, run, node_hook):
        """Values (arrays or shapes) flow from the inputs through `run(node, args, tensors)`
        per node, `tensors` being the values of its tensor keyword arguments by name."""
        values = {id(tensor): value for tensor, value in zip(self.inputs, flat_inputs)}

        def resolve(a):  # one tensor or a list of them (Node's docstring): no tree walk
            return values[id(a)] if isinstance(a, SymbolicTensor) else [values[id(t)] for t in a]

        for node in self._nodes:
            args = [resolve(a) for a in node.args]
            result = run(node, args, {key: resolve(a) for key, a in node.kwargs.items()})
            if node.returns_list and len(result) != len(node.outputs):
                result = _flat_list(result)  # a cell's (output, [h, c]): its node has 3
            if node_hook is not None:
                result = node_hook(node, result)
            for tensor, value in zip(node.outputs, result if node.returns_list else [result]):
                values[id(tensor)] = value
        outputs = [values[id(t)] for t in self.outputs]
        return outputs[0] if self._single_output else outputs

    def _flat_inputs(self, inputs, shape=False):
        # a model made with inputs=[x] also takes x's array (or shape) bare, as Keras does
        bare = not isinstance(inputs, list if shape else (list, tuple))
        if self._single_input or (len(self.inputs) == 1 and bare):
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
        with state_scope(mapping) as scope, call_context.training_scope(training):
            if not self.subclassed:
                outputs = self.call(inputs, training=training, node_hook=node_hook)
            elif node_hook is None:
                outputs = self.call(inputs, **self.call_kwargs({"training": training}))
            else:  # inspection taps each layer's output: its call traced into a graph does
                from engine.models.tracing import call_traced

                outputs = call_traced(self, inputs, training, node_hook)
        return outputs, [scope.values[v] for v in non_trainable]

    def _arranged(self, x):
        """A graph's inputs as its call takes them: one array, or a list of them."""
        flat = self._flat_inputs(x)
        return flat[0] if self._single_input else flat

    def _compiled_forward(self, backend):
        """predict's forward pass, compiled: `forward(trainable, non_trainable, inputs) ->
        outputs`. What the pass assigns to non-trainable variables (a stateful recurrent
        layer's states) is written back, so that the next batch goes on from it, as in Keras."""
        cache = self.__dict__.setdefault("_compiled", {})
        key = ("predict", backend.name)
        if key not in cache:
            assigned = []  # the indices of the values the pass assigns, found as it is traced

            def pure_forward(trainable, non_trainable, inputs):
                outputs, new = self.stateless_call(trainable, non_trainable, inputs)
                assigned[:] = [i for i, (old, value) in enumerate(zip(non_trainable, new))
                               if value is not old]
                return outputs, [new[i] for i in assigned]

            compiled = backend.jit(pure_forward)

            def forward(trainable, non_trainable, inputs):
                outputs, values = compiled(trainable, non_trainable, inputs)
                variables = self.non_trainable_variables
                write_values([variables[i] for i in assigned], values)
                return outputs

            cache[key] = forward
        return cache[key]

    # ------------------------------------------------------------------ spec and summary
    def require_graph(self) -> None:
        """Raise a clear error where there is no graph: a subclassed model (its call is
        Python), a Sequential without its input shape yet."""
        if self.subclassed:
            raise SubclassedModelError(
                f"Model {self.name!r} is subclassed: its call() is Python code, not a graph "
                "of its own. to_spec(), save, the exports and inspection trace it into one "
                "(engine.models.tracing.functional_view(model) gives it); use that graph "
                "here, or save the model as .keras."
            )
        if not self.built:
            raise ValueError(
                f"Model {self.name!r} has no input shape yet: start it with layers.Input(shape), "
                "give its first layer input_shape=, or call it on a batch first."
            )

    def to_spec(self) -> dict:
        """The model's graph as a JSON-serialisable dict (docs/graph-spec.md); a subclassed
        model's is its call() traced on symbolic inputs (engine/models/tracing.py)."""
        from engine.models.spec import to_spec
        from engine.models.tracing import functional_view

        return to_spec(functional_view(self))

    def get_config(self) -> dict:
        """The architecture as Keras 3 writes it (its layers, their calls, the inputs and
        outputs), which Keras's and the engine's `from_config` rebuild with fresh weights; a
        graph holding an op node Keras has no op for gives the engine's graph spec
        (docs/graph-spec.md) instead, which only the engine reads."""
        if self.subclassed:
            return super().get_config()
        document = self._keras_document()
        return self.to_spec() if document is None else document["config"]

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """A new model from a `get_config()` dict, Keras's or the engine's; layer classes of
        the user's own come from `custom_objects` or the registry
        (engine.saving.register_keras_serializable)."""
        from engine.models.spec import FORMAT, model_from_spec
        from engine.saving.keras_model_file import build_model

        if isinstance(config, dict) and config.get("format") == FORMAT:
            return model_from_spec(config, custom_objects)
        own_class = cls.__module__.startswith("engine.")  # Model, Sequential: not the user's
        if own_class and isinstance(config, dict) and "layers" in config:
            kind = "Functional" if "input_layers" in config else "Sequential"
            return build_model({"class_name": kind, "config": config}, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs) -> str:
        """The model as Keras 3's JSON (`keras.models.model_from_json` reads it, and the
        engine's); the engine's graph spec for a graph holding an op node Keras has no op for.
        Keyword arguments go to json.dumps."""
        import json

        document = None if self.subclassed else self._keras_document()
        return json.dumps(self.to_spec() if document is None else document, **kwargs)

    def _keras_document(self):
        """Keras's config document of the graph, without compile settings; None where the
        graph holds an op node Keras has no op for."""
        from engine.export.keras_document import keras_document
        from engine.export.keras_op_nodes import has_keras_class
        from engine.layers.op_node import Operation

        self.require_graph()
        if any(isinstance(node.layer, Operation) and not has_keras_class(node.layer)
               for node in self._nodes):
            return None
        document = keras_document(self)
        document.pop("compile_config", None)
        return document

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


def _traced_dtype(array) -> str:
    """The dtype a traced graph's input takes for `array` of any backend."""
    name = str(getattr(array, "dtype", None) or np.asarray(array).dtype)
    return "int32" if "int" in name or "bool" in name else "float32"


def _flat_list(result) -> list:
    """A call's outputs as its node lists them: a cell's (output, [h, c]) as [output, h, c]."""
    return [leaf for item in result
            for leaf in (_flat_list(item) if isinstance(item, list) else [item])]


def _map_shapes(fn, shapes):
    """`fn` of each shape in a shape or a list of shapes (a shape is a tuple of sizes)."""
    return [_map_shapes(fn, s) for s in shapes] if isinstance(shapes, list) else fn(shapes)


class SubclassedModelError(EngineError, NotImplementedError):
    """Something that needs a functional graph was asked of a subclassed model."""
