"""Op nodes in Keras 3: the `keras.ops` function each engine op is, where Keras has one whose
positional arguments mean the same as the engine's.

A call is written with every argument by position, defaults included, because some defaults
differ (the engine's argmax takes axis=-1, Keras's axis=None). Ops not in KERAS_OPS (the
engine's fused kernels, pad and conv whose arguments Keras orders otherwise) raise an
ExportError naming the node.
"""

from __future__ import annotations

import inspect

from engine import ops
from engine.export.errors import ExportError
from engine.export.program import refuse_custom_objects
from engine.layers.op_node import Operation

_SAME_NAME = (
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "matmul", "maximum", "minimum", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "logical_and", "logical_or", "logical_not", "negative", "abs", "sign",
    "square", "sqrt", "exp", "log", "log1p", "sin", "cos", "erf", "floor", "isfinite",
    "clip", "where", "cast", "relu", "leaky_relu", "gelu", "silu", "tanh", "sigmoid",
    "softplus", "softmax", "log_softmax", "sum", "mean", "max", "min", "var", "moments",
    "logsumexp", "argmax", "argmin", "vdot", "einsum", "reshape", "transpose", "expand_dims",
    "squeeze", "broadcast_to", "concatenate", "stack", "take", "take_along_axis", "max_pool",
    "stop_gradient",
)
# engine op -> keras.ops function; getitem is Python's indexing in both
KERAS_OPS = {**{name: name for name in _SAME_NAME}, "avg_pool": "average_pool",
             "getitem": "getitem"}


def positional_arguments(op_name: str, args, kwargs) -> list:
    """Every argument of an engine op call in its signature's order, defaults filled in."""
    bound = inspect.signature(vars(ops)[op_name]).bind(*args, **kwargs)
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
