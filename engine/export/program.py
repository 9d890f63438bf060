"""A model's graph as straight-line code: every call of a layer, with Python names for all.

Every exporter (code in each framework, ONNX) walks the same `Program`: the model's inputs,
its layer calls in execution order (each naming its arguments and its outputs), and the
outputs to return. Names are valid, unique Python identifiers derived from the layer names.
"""

from __future__ import annotations

import dataclasses
import keyword
import re

from engine.activations import CustomActivation
from engine.export import activation_code
from engine.export.errors import ExportError
from engine.layers.input_layer import InputLayer
from engine.layers.op_node import Operation

# Names the generated code uses for itself: modules, helpers, arguments.
RESERVED = activation_code.HELPER_NAMES | frozenset({
    "self", "params", "p", "key", "keys", "weights", "inputs", "outputs", "initial", "math",
    "ops",
    "np", "jax", "jnp", "tf", "torch", "nn", "F", "keras", "layers", "engine", "init", "apply",
    "build_model", "super", "float", "linear", "gelu", "leaky_relu", "variance_scaling",
    "orthogonal", "average_pool", "scan_over_time", "apply_dense", "apply_conv",
    "apply_conv_transpose", "apply_depthwise_conv", "apply_separable_conv",
    "apply_max_pooling", "apply_average_pooling", "apply_batch_normalization",
    "apply_layer_normalization", "apply_multi_head_attention", "apply_simple_rnn", "apply_lstm",
    "apply_conv_lstm", "ConvLSTMLoop",
    "apply_gru", "upsample_bilinear", "apply_relu", "apply_prelu", "apply_elu", "apply_softmax",
    "l2_normalize", "apply_einsum_dense", "NormalizeBy", "apply_normalization",
    "resize_images", "bucketize", "apply_unit_normalization", "apply_rms_normalization",
    "apply_group_normalization",
})


@dataclasses.dataclass
class Step:
    """One call of a layer: `outputs = layer(*args)`; args are names or lists of names."""

    layer: object
    name: str  # the layer's identifier (attribute, parameter key)
    args: list
    arg_shapes: list
    outputs: list[str]
    first_call: bool

    @property
    def input_shape(self) -> tuple:
        """The shape of the first tensor argument (batch axis None)."""
        first = self.arg_shapes[0]
        return tuple(first[0] if isinstance(first, list) else first)


@dataclasses.dataclass
class Program:
    model: object
    model_name: str
    sequential: bool
    inputs: list[tuple[str, InputLayer]]  # (name, input layer)
    steps: list[Step]
    outputs: list[str]
    single_input: bool
    single_output: bool

    @property
    def layers(self) -> list:
        """Every called layer once, in call order."""
        return [step.layer for step in self.steps if step.first_call]

    @property
    def weighted_layers(self) -> list:
        """The layers whose weights the JAX and TensorFlow code holds, each under its own name:
        `layers`, a wrapper (Bidirectional, TimeDistributed) as the `wrapped_layers` it runs."""

        def holders(layer):
            inner = getattr(layer, "wrapped_layers", None)
            return [layer] if inner is None else [h for i in inner for h in holders(i)]

        return [holder for layer in self.layers for holder in holders(layer)]


def identifier(text: str) -> str:
    """A lower-case Python identifier that reads like `text`: "Dense-1" -> "dense_1"."""
    name = re.sub(r"\W+", "_", text).strip("_").lower() or "layer"
    if name[0].isdigit():
        name = f"layer_{name}"
    return name


class Namer:
    """Hands out unique identifiers, never a keyword or a reserved name."""

    def __init__(self, reserved=RESERVED):
        self.taken = set(reserved)

    def __call__(self, text: str) -> str:
        base = identifier(text)
        name, count = base, 1
        while name in self.taken or keyword.iskeyword(name):
            count += 1
            name = f"{base}_{count}"
        self.taken.add(name)
        return name


def output_labels(layer, count: int = 1) -> list[str]:
    """Suffixes for a call's `count` outputs: "" for the main one, then the state names of a
    recurrent layer ("h", "c"), else their positions (Bidirectional's)."""
    if count == 1:
        return [""]
    if getattr(layer, "return_state", False) and count <= 3:
        return ["", "h", "c"][:count]
    return ["", *(str(i) for i in range(1, count))]


def build_program(model) -> Program:
    """The model's calls in execution order, with identifiers for layers and tensors."""
    model.require_graph()
    refuse_custom_objects(model)
    layer_names, tensor_names = Namer(), Namer()
    names = {}  # id(SymbolicTensor) -> variable name
    inputs = []
    for tensor in model.inputs:
        layer = tensor.node.layer
        names[id(tensor)] = tensor_names(layer.name)
        inputs.append((names[id(tensor)], layer))
    steps, calls, idents = [], {}, {}
    for node in model._nodes:
        layer = node.layer
        if node.kwargs:
            raise ExportError(
                f"Layer {layer.name!r} is called with tensor keyword arguments "
                f"({', '.join(node.kwargs)}), which code and ONNX exports do not translate yet; "
                "model.save, model.to_spec() and model.to_keras() keep them."
            )
        count = calls.get(id(layer), 0)
        calls[id(layer)] = count + 1
        if count == 0:
            idents[id(layer)] = layer_names(layer.name)
        base = layer.name if count == 0 else f"{layer.name}_call{count}"
        outputs = [tensor_names(f"{base}_{label}" if label else base)
                   for label in output_labels(layer, len(node.outputs))]
        for tensor, name in zip(node.outputs, outputs):
            names[id(tensor)] = name
        args = [[names[id(t)] for t in a] if isinstance(a, list) else names[id(a)]
                for a in node.args]
        shapes = [[t.shape for t in a] if isinstance(a, list) else a.shape for a in node.args]
        steps.append(Step(layer, idents[id(layer)], args, shapes, outputs, count == 0))
    from engine.models.sequential import Sequential

    return Program(
        model=model,
        model_name=model.name,
        sequential=isinstance(model, Sequential),
        inputs=inputs,
        steps=steps,
        outputs=[names[id(t)] for t in model.outputs],
        single_input=model._single_input,
        single_output=model._single_output,
    )


def refuse_custom_objects(model) -> None:
    """An ExportError naming the first layer of the user's own class, or using an activation
    function of the user's own: exports translate the engine's layers and activations only."""
    from engine.layers import LAYERS

    for layer in model.layers:
        if isinstance(layer, Operation):
            continue
        if LAYERS.get(type(layer).__name__) is not type(layer):
            raise ExportError(
                f"Layer {layer.name!r} is a {type(layer).__name__}, a layer class of your own: "
                "exports translate the engine's layers only. model.save / "
                "engine.models.load_model keep it (register the class with "
                "@engine.saving.register_keras_serializable())."
            )
        if getattr(layer, "carries_code", False):
            raise layer.export_refusal()
        for name, value in vars(layer).items():
            if isinstance(value, CustomActivation):
                raise ExportError(
                    f"Layer {layer.name!r} uses {name}={str(value)!r}, a function of your own: "
                    "exports translate the engine's activations only. model.save / "
                    "engine.models.load_model keep it."
                )


def refuse_op_nodes(model, export: str) -> None:
    """An ExportError naming the first op node (`x + y`, `ops.relu(x)` on symbolic tensors)
    of `model`, for an export that translates layers only."""
    for node in model.nodes:
        if isinstance(node.layer, Operation):
            raise ExportError(
                f"{export} cannot translate node {node.layer.name!r} (ops.{node.layer.op_name} "
                "applied to symbolic tensors) yet: it translates layers only. Op nodes are kept "
                "by model.save / engine.load_model, model.to_spec() and model.to_code('engine'), "
                "and written by model.to_code('keras') and model.to_keras() where keras.ops has "
                "the op; or write the op as a layer (layers.Add()([a, b]) for a + b)."
            )


def refuse_masks(model, export: str) -> None:
    """An ExportError naming the first layer that would use a mask (engine/layers/masks.py:
    Embedding(mask_zero=True), Masking): the exported code carries no masks, so it would
    compute other numbers. Masks that no layer uses change nothing and export."""
    from engine.layers import masks

    for node in model.nodes:
        used = masks.used_masks(node)
        if used:
            raise ExportError(
                f"{export} cannot translate layer {node.layer.name!r}: it uses the mask of its "
                f"input {', '.join(used)} (from Embedding(mask_zero=True) or Masking), and the "
                "exported code carries no masks. model.save / engine.load_model, "
                "model.to_code('keras') and model.to_keras() keep masks; or drop mask_zero / "
                "the Masking layer and pad with values the model can learn to ignore."
            )


def refuse_stateful(model, export: str) -> None:
    """An ExportError naming the first stateful recurrent layer (stateful=True, also inside
    Bidirectional): the exported code is a pure function of its inputs, starting every call
    from zero states, so it would compute other numbers from the second batch on."""
    for node in model.nodes:
        if any(getattr(layer, "stateful", False)
               for layer in [node.layer, *getattr(node.layer, "wrapped_layers", ())]):
            raise ExportError(
                f"{export} cannot translate layer {node.layer.name!r}: it is stateful "
                "(stateful=True), and the exported code keeps no states between calls. "
                "model.save / engine.load_model, model.to_code('keras') and model.to_keras() "
                "keep it; or rebuild the model with stateful=False and pass the states "
                "(return_state=True) as initial_state= of the next call."
            )


def weight_key(layer, variable) -> str:
    """A weight's name inside its layer: "kernel", "recurrent_kernel", "query_bias"..."""
    name = variable.name.split("/", 1)[1] if "/" in variable.name else variable.name
    cell = getattr(layer, "cell_name", None)
    if cell and name.startswith(f"{cell}/"):
        name = name[len(cell) + 1:]
    return name.replace("/", "_")


def named_weights(layer) -> dict:
    """{weight_key: NumPy array} in the layer's weight order."""
    return {weight_key(layer, w): w.numpy() for w in layer.weights}


def same_padding(input_shape, windows, strides, dilations):
    """TensorFlow's padding="same" as (before, after) per spatial axis of a channels-last
    input; None while a spatial size is unknown. The odd cell goes after, as in TensorFlow."""
    spatial = input_shape[1:-1]
    if None in spatial:
        return None
    pads = []
    for size, window, stride, dilation in zip(spatial, windows, strides, dilations):
        out = -(-size // stride)
        total = max((out - 1) * stride + (window - 1) * dilation + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads
