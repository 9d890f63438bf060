"""The Layer base: weights made in `build`, math in `call`, shapes in `compute_output_shape`.

A subclass implements:
- `build(*input_shapes)`: creates its weights with `add_weight` (shapes have None for the
  batch and other unknown sizes); checks the shapes and raises `self.shape_error(...)` when
  they don't fit. It must not read or assign weight values: shape inference
  (engine/layers/shape_inference.py) builds with WeightSpecs, which have none. Optional: a
  layer may make its weights in `__init__`, or hold layers that build on their first call.
- `call(*inputs, training=False)`: the forward computation, only through `engine.ops`.
- `compute_output_shape(*input_shapes)`: a shape tuple, or a list of them for several outputs.
  Optional: without it a call on SymbolicTensors finds the shapes by a trial call on zeros.
- `get_config()`: the constructor arguments, JSON-serialisable.

Layers and Variables assigned to attributes (also in lists and dicts) are part of the layer,
as in Keras (engine/layers/tracking.py): their weights follow the layer's own.
Calling a layer on SymbolicTensors adds a node to a graph; calling it on arrays computes.
Either way a failed build leaves the layer exactly as it was before the call.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from engine import backend as backends
from engine import (
    constraints,
    dtype_policies,
    initializers,
    naming,
    ops,
    random,
    regularizers,
    tree,
)
from engine.errors import EngineError, LayerConfigError, LayerShapeError
from engine.layers import call_context, masks, precision, shape_inference, tracking, trial_call
from engine.layers.node import Node, SymbolicTensor, is_symbolic
from engine.variables import Variable, holding_one_step_state


class Layer:
    # Keras's: whether calls cast float inputs and weights to the compute dtype (precision.py)
    autocast = True
    _mixed_policy = None  # the layer's DTypePolicy where it computes mixed (see dtype_policy)

    def __init_subclass__(cls, **kwargs):
        """A subclass's own `build`, also when called directly (`layer.build(shape)`, as
        Keras users do), marks the layer built."""
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marking_built(cls.__dict__["build"])

    def __setattr__(self, name, value):
        if isinstance(value, _STRUCTURAL_TYPES) or name in tracking.STRUCTURAL_NAMES:
            tracking.changed()  # what the layer holds may change: cached lists are stale
        object.__setattr__(self, name, value)

    def __init__(self, *, name=None, trainable=True, dtype=None, input_shape=None,
                 activity_regularizer=None):
        if name is not None and (not isinstance(name, str) or not name or "/" in name
                                 or not naming.encodable(name)):
            raise LayerConfigError(
                "A layer name must be a non-empty string without '/' that UTF-8 can encode "
                f"(no lone surrogates), got {name!r}."
            )
        self.name = name or naming.unique_name(naming.snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.dtype, self._mixed_policy = _dtypes(dtype)
        if self._mixed_policy:
            dtype_policies.register_mixed(self)
        self.built = False
        self.input_shape_arg = tuple(input_shape) if input_shape is not None else None
        self.inbound_nodes: list[Node] = []
        self._weights: list[Variable] = []
        self._seed_states: list[Variable] = []
        self._build_shapes = None
        # Keras's: a penalty on each output, divided by the batch size, added to the losses
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # ------------------------------------------------------------------ subclass interface
    def build(self, *input_shapes):
        """Create weights for inputs of these shapes. Layers without weights need nothing."""

    def call(self, *inputs, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement call().")

    def compute_output_shape(self, *input_shapes):
        """Not given: a call on SymbolicTensors then finds the shapes by a trial call."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement compute_output_shape()."
        )

    def get_config(self) -> dict:
        dtype = self._mixed_policy.name if self._mixed_policy else self.dtype
        config = {"name": self.name, "trainable": self.trainable, "dtype": dtype}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs (engine/layers/masks.py): by default the input's, which a
        layer that `supports_masking` passes on."""
        return previous_mask

    @property
    def supports_masking(self) -> bool:
        """Whether the layer passes on (or makes) a mask: as Keras, True where the class has
        its own compute_mask; a class or an instance may set it."""
        explicit = self.__dict__.get("_supports_masking")
        return masks.makes_masks(self) if explicit is None else explicit

    @supports_masking.setter
    def supports_masking(self, value):
        self.__dict__["_supports_masking"] = bool(value)

    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        """Keras's: the policy the layer was made with; `dtype` is its variable dtype."""
        return self._mixed_policy or dtype_policies.DTypePolicy(self.dtype)

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in: its policy's (float16 under "mixed_float16")."""
        return self._mixed_policy.compute_dtype if self._mixed_policy else self.dtype

    @property
    def variable_dtype(self) -> str:
        return self.dtype

    def shape_error(self, message: str, input_shape=None) -> LayerShapeError:
        """An error naming this layer; `raise self.shape_error("expects rank 4 ...", shape)`."""
        return LayerShapeError(self, message, input_shape)

    # ----------------------------------------------------------------------------- weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """A new weight made by `initializer` (Keras 3's signature): a name from
        engine.initializers (default glorot_uniform for floats, zeros otherwise), or a callable
        (shape, dtype) -> array. `regularizer` adds a penalty on it to the layer's losses;
        `constraint` projects it after each optimizer update (engine.regularizers,
        engine.constraints). Under shape inference only its WeightSpec is recorded."""
        _check_weight_arguments(self, shape)
        regularizer, constraint = regularizers.get(regularizer), constraints.get(constraint)
        dtype = dtype or self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        name = f"{self.name}/{name or _unnamed(self._weights)}"
        if shape_inference.inferring():
            weight = shape_inference.weight_spec(name, shape, dtype, trainable)
        else:
            value = initializers.initialize(initializer, shape, dtype)
            weight = Variable(value, name=name, trainable=trainable, dtype=dtype,
                              autocast=autocast)
            weight.regularizer, weight.constraint = regularizer, constraint
        self._weights.append(weight)
        tracking.changed()
        return weight

    def add_seed_state(self, seed=None):
        """A variable holding this layer's random seed, advanced each time it draws. Under
        shape inference only its WeightSpec is recorded, and no seed is drawn."""
        name = f"{self.name}/seed_state"
        if shape_inference.inferring():
            state = shape_inference.weight_spec(name, (2,), "int32", trainable=False)
        else:
            seed = initializers.draw_seed() if seed is None else seed
            state = Variable(random.seed_array(seed), name=name, trainable=False)
        self._seed_states.append(state)
        tracking.changed()
        return state

    @staticmethod
    def next_seed(state):
        """The seed to draw with now; the state moves on so the next draw differs."""
        return random.advance_seed(state)

    def tracked_layers(self) -> list[Layer]:
        """The layers this one holds in its attributes (Keras's order: as assigned)."""
        return tracking.sublayers(self)

    def _own_weights(self) -> list[Variable]:
        """add_weight's weights, then Variables assigned to attributes (not seed states)."""
        seeds = set(self._seed_states)
        held = [v for v in tracking.attribute_variables(self) if v not in seeds]
        return list(dict.fromkeys([*self._weights, *held]))

    def held(self, what: str, find):
        """`find()`, found again only when some layer changed (tracking.generation): what a
        layer holds changes rarely and is asked for on every step."""
        cache = self.__dict__.setdefault("_held", {})  # not through __setattr__: no change
        entry = cache.get(what)
        if entry is None or entry[0] != tracking.generation():
            entry = cache[what] = (tracking.generation(), find())
        return entry[1]

    @property
    def weights(self) -> list[Variable]:
        """Own trainable weights, own non-trainable ones (each in creation order), then each
        held layer's weights: Keras's order."""

        def find():
            own = self._own_weights()
            return _unique([
                *(w for w in own if w.trainable),
                *(w for w in own if not w.trainable),
                *(w for layer in self.tracked_layers() for w in layer.weights),
            ])

        return list(self.held("weights", find))

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []

        def find():
            own = [w for w in self._own_weights() if w.trainable]
            return _unique([*own, *(w for layer in self.tracked_layers()
                                    for w in layer.trainable_weights)])

        return list(self.held("trainable_weights", find))

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = set(self.trainable_weights)
        return [w for w in self.weights if w not in trainable]

    @property
    def backend(self):
        """The backend this layer's variables live on (None for a layer without any)."""
        variables = self._weights or self._seed_states or self.variables
        return variables[0].backend if variables else None

    @property
    def variables(self) -> list[Variable]:
        """Weights and random-seed states: everything a step reads and may update."""

        def find():
            return _unique([
                *self.weights, *self._seed_states, *tracking.seed_generator_states(self),
                *(v for layer in self.tracked_layers() for v in layer.variables),
            ])

        return list(self.held("variables", find))

    @holding_one_step_state
    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights, all from one step even while fit runs in another thread."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, values) -> None:
        """Set every weight from NumPy arrays in `weights` order; checks all before any change."""
        set_weight_values(self.weights, values, owner=f"Layer {self.name!r}")

    def count_params(self) -> int:
        return int(sum(np.prod(w.shape) for w in self.weights))

    # ------------------------------------------------------------------------------ losses
    def add_loss(self, value):
        """Add `value` (a tensor, summed) to the training loss, from inside `call`, as Keras's
        `add_loss`. Inside a call or a compiled step it joins that call's collection
        (engine/layers/call_context.py), so a step sums the values of its own forward pass;
        outside any call it stays with the layer until the layer's next call."""
        if call_context.collecting_losses():
            call_context.record_loss(self, value)
        else:
            self.__dict__.setdefault("_losses", []).append(value)

    @property
    def losses(self) -> list:
        """The losses this layer and the layers it holds added in their last call (inside a
        call or a step: those added so far in it), then the penalties of their weight
        regularizers on the weights' current values, as Keras lists them."""
        return [*self._added_losses(), *self._regularization_losses()]

    def _added_losses(self) -> list:
        if call_context.collecting_losses():
            collected = call_context.collected_losses()
            if not collected:  # most steps: no layer adds losses, no need to walk the layers
                return []
            owners = {id(layer) for layer in _layer_tree(self)}
            return [value for layer, value in collected if id(layer) in owners]
        return [value for layer in _layer_tree(self)
                for value in layer.__dict__.get("_losses", ())]

    def _regularization_losses(self) -> list:
        return [weight.regularizer(weight.value) for weight in self.trainable_weights
                if getattr(weight, "regularizer", None) is not None]

    def _keep_losses(self, collected) -> None:
        """After an outermost call: each layer keeps the losses it added in it, no others."""
        for layer in _layer_tree(self):
            layer.__dict__["_losses"] = []  # not through __setattr__: nothing structural
        for layer, value in collected:
            layer.__dict__.setdefault("_losses", []).append(value)

    # ----------------------------------------------------------------------------- calling
    def __call__(self, *inputs, **kwargs):
        if not inputs:
            raise LayerConfigError(f"Layer {self.name!r} was called without inputs.")
        if is_symbolic(inputs):
            return self._call_symbolic(inputs, kwargs)
        if call_context.collecting_losses():
            return self._call_eager(inputs, kwargs)
        # the outermost call: the losses its layers add replace those of their last call
        with call_context.loss_collection() as collected:
            outputs = self._call_eager(inputs, kwargs)
        self._keep_losses(collected)
        return outputs

    def _call_symbolic(self, inputs, kwargs):
        # tensor keywords (initial_state=[h, c]) join the node; the shapes are the positional's
        tensor_kwargs = {key: value for key, value in kwargs.items() if is_symbolic(value)}
        _refuse_unkept_options(self, {k: v for k, v in kwargs.items() if k not in tensor_kwargs})
        for leaf in tree.flatten([*inputs, *tensor_kwargs.values()]):
            if not isinstance(leaf, SymbolicTensor):
                raise LayerConfigError(
                    f"Layer {self.name!r} was called on a mix of symbolic tensors and "
                    f"{type(leaf).__name__}; in a functional model every input must come "
                    "from layers.Input or another layer."
                )
        shapes = tree.map_structure(lambda t: t.shape, list(inputs))
        with call_context.loss_collection():  # a trial call's losses are of zeros: dropped
            output_shapes = self._build_and_infer(shapes, list(inputs))
        returns_list = isinstance(output_shapes, list)
        node = Node(
            self,
            inputs,
            output_shapes if returns_list else [output_shapes],
            self.compute_dtype,
            returns_list,
            tensor_kwargs,
        )
        arg_masks = [masks.masks_of(a) for a in inputs]
        output_masks = masks.symbolic_masks(
            self, inputs[0], masks.previous_mask(arg_masks, tensor_kwargs), len(node.outputs))
        for tensor, mask in zip(node.outputs, output_masks):
            tensor._keras_mask = mask
        self.inbound_nodes.append(node)
        return node.returned()

    def _call_eager(self, inputs, kwargs):
        backend = self.backend or backends.active()
        # an explicit training flag wins; else the enclosing call's, as Keras passes it down
        training = call_context.resolve_training(kwargs.get("training"))
        kwargs = {**kwargs, "training": training} if training is not None else kwargs
        arg_masks = [masks.masks_of(a) for a in inputs]
        with (backends.using(backend), call_context.training_scope(training),
              precision.computing(self, backend)):
            inputs = tree.map_structure(
                lambda x: to_backend_array(
                    backend, masks.plain(x), self.compute_dtype if self.autocast else self.dtype),
                list(inputs),
            )
            inputs = precision.cast_inputs(self, backend, inputs)
            self._build_and_infer(tree.map_structure(backend.shape, inputs))
            kwargs = masks.call_kwargs(self, arg_masks, self.call_kwargs(kwargs))
            outputs = add_activity_losses(self, self.call(*inputs, **kwargs))
            returned = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            return masks.attach(outputs, masks.output_masks(
                self, inputs[0], masks.previous_mask(arg_masks, kwargs), returned))

    def call_kwargs(self, kwargs: dict) -> dict:
        """`kwargs` without `training` when this layer's call() does not take it, or when it
        is None (the call's own default applies)."""
        if "training" in kwargs and (
            kwargs["training"] is None or not _call_takes_training(type(self))
        ):
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        return kwargs

    def _build_and_infer(self, shapes, symbolic_inputs=None):
        """Build (once) and give the output shapes: from compute_output_shape, or, for a layer
        without it called on `symbolic_inputs`, from a trial call (None on arrays). On any
        failure the layer is left unbuilt."""
        just_built = not self.built
        # build may assign weights and layers to attributes: a failure puts them back
        attributes = dict(vars(self)) if just_built else None
        before = (len(self._weights), len(self._seed_states))
        try:
            if just_built:
                self.build(*shapes)
            else:
                self.check_input_shapes(*shapes)
            try:
                output_shapes = self.compute_output_shape(*shapes)
            except NotImplementedError:
                output_shapes = (None if symbolic_inputs is None
                                 else trial_call.output_shapes(self, symbolic_inputs))
        except Exception as error:
            if just_built:
                vars(self).clear()
                vars(self).update(attributes)
                del self._weights[before[0] :], self._seed_states[before[1] :]
                tracking.changed()
            if isinstance(error, EngineError):
                raise
            raise self.shape_error(
                f"cannot take these inputs: {error}", _readable(shapes)
            ) from error
        if just_built:
            self.built = True
            self._build_shapes = shapes
        return output_shapes

    def check_input_shapes(self, *shapes):
        """Called on every call after the first: the inputs must fit the weights already made.

        The default asks for the same rank and the same last axis as at build time when the
        layer has weights; layers with other needs override it.
        """
        if not self._weights or self._build_shapes is None:  # built by a direct build() call
            return
        for built, shape in _tensor_shapes(self._build_shapes, shapes):
            if len(shape) != len(built) or shape[-1] != built[-1]:
                raise self.shape_error(
                    f"was built for inputs of shape {built} and cannot take shape {shape}: "
                    f"it needs rank {len(built)} with last axis {built[-1]}.",
                )

    @property
    def output(self):
        """The symbolic output(s) of this layer's first call in a graph: Keras's
        `layer.output`, which for a layer called several times is its first call's."""
        return self._first_node("output").returned()

    @property
    def input(self):
        """The symbolic input(s) of this layer's first call in a graph."""
        args = self._first_node("input").args
        return args[0] if len(args) == 1 else list(args)

    def _first_node(self, what):
        if not self.inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}: "
                "call it on a tensor from engine.Input(...), or build the model holding it."
            )
        return self.inbound_nodes[0]

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _refuse_unkept_options(layer, options: dict) -> None:
    """A graph node keeps a call's tensors, not its other keyword arguments: one that is not
    `training` or None and differs from call()'s default (use_causal_mask=True) would be
    lost, so it is refused rather than silently dropped."""
    parameters = inspect.signature(type(layer).call).parameters
    for key, value in options.items():
        default = parameters[key].default if key in parameters else inspect.Parameter.empty
        if key != "training" and value is not None and not (value is default or (
                isinstance(value, (bool, int, float, str, type(None))) and value == default)):
            raise LayerConfigError(
                f"Layer {layer.name!r} was called on symbolic tensors with {key}={value!r}: a "
                "functional graph keeps only tensor arguments yet, so it would run without "
                f"it. Leave {key} out in the graph, or call the layer in a subclassed model's "
                "call()."
            )


def _layer_tree(layer) -> list:
    """`layer` and every layer it holds, at any depth, each once."""
    found, pending = {}, [layer]
    while pending:
        current = pending.pop()
        if id(current) not in found:
            found[id(current)] = current
            pending.extend(current.tracked_layers())
    return list(found.values())


def _tensor_shapes(built_shapes, shapes):
    """Pairs of (shape at build, shape now) for every tensor argument."""

    def shapes_of(structure):
        out = []
        for item in structure:
            if isinstance(item, list):
                out.extend(item)
            else:
                out.append(item)
        return out

    return zip(shapes_of(built_shapes), shapes_of(shapes))


_STRUCTURAL_TYPES = (Layer, *tracking.STRUCTURAL_TYPES)


def _marking_built(build):
    @functools.wraps(build)
    def build_and_mark(self, *args, **kwargs):
        build(self, *args, **kwargs)
        self.built = True

    return build_and_mark


def add_activity_losses(layer, outputs):
    """Keras's activity regularization, after a call: the penalty of each output divided by
    its batch size joins the layer's losses, where the layer has an `activity_regularizer`.
    Returns `outputs`."""
    regularizer = getattr(layer, "activity_regularizer", None)
    if regularizer is None:
        return outputs
    for output in tree.flatten(outputs):
        penalty = regularizer(output)
        shape = ops.shape(output)
        if shape:  # an empty batch's penalty is 0: dividing it by 1 keeps it so
            penalty = ops.divide(penalty, float(max(shape[0], 1)))
        layer.add_loss(penalty)
    return outputs


def _check_weight_arguments(layer, shape):
    """Keras's add_weight takes the shape first and the name by keyword only."""
    if shape is None or isinstance(shape, str):
        raise LayerConfigError(
            f"Layer {layer.name!r}: add_weight needs shape= (a tuple of ints) and takes the "
            f"name by keyword, as Keras 3 does: add_weight(shape=(3, 4), name='kernel'); "
            f"got shape={shape!r}."
        )


def _unnamed(weights) -> str:
    """Keras's name for a weight made without one: variable, variable_1, ..."""
    return "variable" if not weights else f"variable_{len(weights)}"


def _unique(items) -> list:
    """The items in order, each once (Variables hash and compare by identity)."""
    return list(dict.fromkeys(items))


def _readable(shapes):
    return shapes[0] if len(shapes) == 1 else shapes


def set_weight_values(variables, values, owner: str) -> None:
    """Assign NumPy `values` to `variables` after checking every count and shape first."""
    values = list(values)
    if len(values) != len(variables):
        expected = ", ".join(f"{v.name} {v.shape}" for v in variables)
        raise ValueError(
            f"{owner} expects {len(variables)} weight arrays ({expected or 'none'}), "
            f"got {len(values)}."
        )
    arrays = [np.asarray(value) for value in values]
    for variable, array in zip(variables, arrays):
        if tuple(array.shape) != tuple(variable.shape):
            raise ValueError(
                f"{owner}: weight {variable.name!r} has shape {variable.shape}, "
                f"got an array of shape {array.shape}."
            )
    for variable, array in zip(variables, arrays):
        variable.assign(array.astype(variable.dtype))


def default_dtype() -> str:
    """The variable dtype of a layer created without one: keras.config.dtype_policy()'s
    (floatx's unless set), as in Keras; Input's too (float32 under a mixed policy)."""
    return dtype_policies.get(None).variable_dtype


def _dtypes(dtype):
    """(variable dtype, the policy where it is mixed, else None) of a layer's `dtype`
    argument: a dtype name, a policy or its name or config, or None (the global policy)."""
    mixed = dtype in dtype_policies.MIXED if isinstance(dtype, str) else dtype is None
    if mixed or isinstance(dtype, (dtype_policies.DTypePolicy, dict)):
        policy = dtype_policies.get(dtype)
        if dtype_policies.is_mixed(policy):
            return policy.variable_dtype, policy
        return policy.variable_dtype, None
    return dtype, None


def to_backend_array(backend, value, float_dtype="float32"):
    """`value` on `backend`: floats as `float_dtype`, integers as int32, arrays as they are."""
    if isinstance(value, Variable):
        return value.value
    if backend.is_array(value):
        return value
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return backend.convert(array, float_dtype)
    if array.dtype.kind in "iu":
        return backend.convert(array, "int32")
    return backend.convert(array)


@functools.cache
def _call_takes_training(layer_class) -> bool:
    return "training" in inspect.signature(layer_class.call).parameters
