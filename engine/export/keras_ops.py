"""Op nodes in Keras 3: the `keras.ops` function each engine op is, derived from Keras's own
signatures (engine/saving/keras_op_classes.py's FUNCTIONS, read from Keras).

An engine op is the keras.ops function of its name (or of _ALIASES) when Keras's parameters
begin with the engine's, in the same order and with the same names (_SAME_ARGUMENT pairs the
names that differ only in spelling), and those the engine lacks have defaults. A call is
written with every argument by position, defaults included, because some defaults differ (the
engine's argmax takes axis=-1, Keras's axis=None). Every other op of a graph is in NOT_KERAS
with the reason; those raise an ExportError naming the node.
"""

from __future__ import annotations

import inspect

from engine import activations, ops
from engine.composed_ops.nn import ACTIVATION_OPS
from engine.export.errors import ExportError
from engine.export.program import refuse_custom_objects
from engine.layers.op_node import GRAPH_OPS, Operation
from engine.saving.keras_op_classes import FUNCTIONS

# engine op -> keras.ops function of another name; Python's indexing is get_item in both
_ALIASES = {"getitem": "get_item", "avg_pool": "average_pool"}
# (engine's parameter, Keras's) naming the same argument
_SAME_ARGUMENT = frozenset({
    ("a", "x1"), ("b", "x2"), ("x", "inputs"), ("x", "variable"), ("xs", "x"),
    ("low", "x_min"), ("high", "x_max"), ("equation", "subscripts"), ("shape", "newshape"),
    ("axis", "axes"),
})
_CONSTANT = "makes a constant from Python values: Keras records no op for it"
_ENGINE_ONLY = "the engine's own op: keras.ops has none"
_DATA_FORMAT = "Keras's data_format comes before dilation_rate: the arguments do not line up"
_NOT_RECORDED = "the engine's computes on a graph's tensors as NumPy arrays: no op node"
# Ops of a graph that are not the keras.ops function of their name, and why
NOT_KERAS = {
    **dict.fromkeys(("bartlett", "blackman", "empty", "eye", "full", "hamming", "hanning",
                     "identity", "kaiser", "ones", "tri", "zeros"), _CONSTANT),
    **dict.fromkeys(("bitcast", "dense", "integer_op", "layer_norm", "lstm",
                     "normalize_by_moments", "random_normal", "random_uniform",
                     "sparse_softmax_crossentropy"), _ENGINE_ONLY),
    **dict.fromkeys(("conv", "conv_transpose", "depthwise_conv", "separable_conv"), _DATA_FORMAT),
    **dict.fromkeys(("array", "ctc_decode", "geomspace", "linspace", "logspace", "meshgrid",
                     "nonzero", "unique"), _NOT_RECORDED),
    **dict.fromkeys(("ndim", "size"), "the engine answers from a symbolic tensor: no op node"),
    **dict.fromkeys(("adaptive_average_pool", "adaptive_max_pool"),
                    "Keras 3.15 cannot load its own op: output_size comes back a list"),
    "saturate_cast": "the engine's reads its input's dtype limits at once: no op node",
    "average_pool": "the engine records it as avg_pool, which Keras's AveragePool reads as",
    "arange": "Keras cannot take a graph's tensor: its output's length is the tensor's value",
    "pad": "the engine's third argument is the constant value, Keras's the padding mode",
    "dot_product_attention": "the engine's takes dropout and a seed, which Keras's op lacks",
}


def signature(op_name: str) -> inspect.Signature:
    """The parameters of an engine op; an activation op passes its arguments on to the
    activation of its name, and takes that one's."""
    source = getattr(activations, op_name) if op_name in ACTIVATION_OPS else vars(ops)[op_name]
    return inspect.signature(source)


def _keras_function(op_name):
    """The keras.ops function ("image.resize" for keras.ops.image's) of an engine op's name."""
    name = _ALIASES.get(op_name, op_name)
    return name if name in FUNCTIONS else next(
        (key for key in FUNCTIONS if key.endswith(f".{name}")), None)


def _takes_the_same_arguments(op_name, function) -> bool:
    ours = [f"*{p.name}" if p.kind is inspect.Parameter.VAR_POSITIONAL else p.name
            for p in signature(op_name).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD]
    theirs = FUNCTIONS[function][2]
    return len(ours) <= len(theirs) and all(
        a == b or (a, b) in _SAME_ARGUMENT
        for a, (b, _) in zip(ours, theirs)) and all(
        default is not ... for _, default in theirs[len(ours):])


# engine op -> keras.ops function (dotted within keras.ops)
KERAS_OPS = {op: function for op in sorted(GRAPH_OPS - NOT_KERAS.keys())
             if (function := _keras_function(op)) is not None
             and _takes_the_same_arguments(op, function)}


def positional_arguments(op_name: str, args, kwargs) -> list:
    """Every argument of an engine op call in its signature's order, defaults filled in."""
    bound = signature(op_name).bind(*args, **kwargs)
    bound.apply_defaults()
    values = []
    for parameter, value in bound.arguments.items():
        kind = bound.signature.parameters[parameter].kind
        values.extend(value if kind is inspect.Parameter.VAR_POSITIONAL else [value])
    return values


def check_translatable(model, export: str) -> None:
    """An ExportError naming the first op node of `model` that Keras has no op for, or the
    first layer or activation of the user's own."""
    refuse_custom_objects(model)
    for node in model.nodes:
        operation = node.layer
        if isinstance(operation, Operation) and operation.op_name not in KERAS_OPS:
            raise ExportError(
                f"{export} cannot translate node {operation.name!r} (ops.{operation.op_name} "
                "applied to symbolic tensors): keras.ops has no op with its arguments. "
                "model.save / engine.load_model, model.to_spec() and model.to_code('engine') "
                "keep it."
            )
