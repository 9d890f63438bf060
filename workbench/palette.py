"""The layer palette: every allowlisted layer with its tensor arguments and editable arguments.

Argument names, defaults and order come from the layers' own constructors (so they are Keras's);
this module adds what a form needs that a signature cannot say: each argument's type, its
choices, and a suggested value for required arguments so a new node works at once.
"""

from __future__ import annotations

import functools
import inspect

from engine import activations, initializers
from engine.layers import LAYERS
from engine.layers.layer import Layer
from engine.layers.windows import PADDINGS

CATEGORIES = {
    "input": ("InputLayer",),
    "core": ("Dense", "Activation", "Embedding"),
    "convolution": ("Conv1D", "Conv2D"),
    "pooling": ("MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D"),
    "reshaping": ("Flatten", "Reshape"),
    "normalization": ("BatchNormalization", "LayerNormalization"),
    "regularization": ("Dropout",),
    "merging": ("Add", "Concatenate", "Multiply"),
    "recurrent": ("SimpleRNN", "LSTM", "GRU"),
    "attention": ("MultiHeadAttention",),
}

# Tensor arguments: (name, kind, optional). Every other layer takes one tensor, "inputs".
PORTS = {
    "InputLayer": (),
    "Add": (("inputs", "list", False),),
    "Multiply": (("inputs", "list", False),),
    "Concatenate": (("inputs", "list", False),),
    "MultiHeadAttention": (
        ("query", "single", False),
        ("value", "single", False),
        ("key", "single", True),
    ),
}
ONE_TENSOR = (("inputs", "single", False),)
LIST_MINIMUM = 2  # a list argument (Add's `inputs`) takes at least two tensors

_ACTIVATION = {"type": "choice", "choices": list(activations.NAMES)}
_INITIALIZER = {"type": "choice", "choices": list(initializers.NAMES)}
_WINDOW = {"type": "int_or_int_list"}

# Argument name -> how to edit it (names mean the same thing in every layer).
ARGUMENT_TYPES = {
    "units": {"type": "int"},
    "filters": {"type": "int"},
    "num_heads": {"type": "int"},
    "key_dim": {"type": "int"},
    "input_dim": {"type": "int"},
    "output_dim": {"type": "int"},
    "value_dim": {"type": "int"},
    "output_shape": {"type": "int"},
    "batch_size": {"type": "int"},
    "seed": {"type": "int"},
    "kernel_size": _WINDOW,
    "strides": _WINDOW,
    "dilation_rate": _WINDOW,
    "pool_size": _WINDOW,
    "attention_axes": _WINDOW,
    "padding": {"type": "choice", "choices": list(PADDINGS)},
    "activation": _ACTIVATION,
    "recurrent_activation": _ACTIVATION,
    "rate": {"type": "float"},
    "dropout": {"type": "float"},
    "recurrent_dropout": {"type": "float"},
    "momentum": {"type": "float"},
    "epsilon": {"type": "float"},
    "shape": {"type": "shape"},
    "target_shape": {"type": "int_list"},
    "dtype": {"type": "choice", "choices": ["float32", "float64", "int32"]},
}
BOOLEANS = (
    "use_bias",
    "center",
    "scale",
    "return_sequences",
    "return_state",
    "go_backwards",
    "keepdims",
    "unit_forget_bias",
    "reset_after",
    "trainable",
)

# Values for required arguments, so a node dropped on the canvas is usable straight away.
SUGGESTED = {
    "units": 32,
    "filters": 32,
    "kernel_size": 3,
    "rate": 0.5,
    "num_heads": 2,
    "key_dim": 16,
    "input_dim": 1000,
    "output_dim": 64,
    "target_shape": [-1],
    "shape": [2],
    "activation": "relu",
}

# Arguments the palette leaves out: the node id is the name; input_shape is Sequential's.
HIDDEN = ("self", "name", "input_shape")


def argument_type(class_name: str, name: str) -> dict:
    if name in BOOLEANS:
        return {"type": "bool"}
    if name.endswith("_initializer"):
        return dict(_INITIALIZER)
    if name == "axis":  # LayerNormalization normalises over one axis or several
        return {"type": "int_or_int_list" if class_name == "LayerNormalization" else "int"}
    return dict(ARGUMENT_TYPES.get(name, {"type": "string"}))


def _json(value):
    return list(value) if isinstance(value, tuple) else value


@functools.cache
def arguments(class_name: str) -> tuple:
    """The editable arguments of a layer class, in constructor order (base class last)."""
    seen, result = set(), []
    for klass in LAYERS[class_name].__mro__:
        if "__init__" not in klass.__dict__ or klass is object:
            continue
        for param in inspect.signature(klass.__init__).parameters.values():
            if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or param.name in HIDDEN:
                continue
            inherited = klass is Layer and (param.name == "dtype" or class_name == "InputLayer")
            if param.name in seen or inherited:
                continue
            seen.add(param.name)
            result.append(_describe(class_name, param))
    return tuple(result)


def _describe(class_name, param) -> dict:
    required = param.default is inspect.Parameter.empty
    entry = {"name": param.name, **argument_type(class_name, param.name), "required": required}
    default = None if required else _json(param.default)
    if entry.get("choices") == list(activations.NAMES) and default is None and not required:
        default = "linear"  # the canonical name of no activation, as get_config gives it
    if not required:
        entry["default"] = default
    entry["nullable"] = not required and default is None
    if required and param.name in SUGGESTED:
        entry["suggested"] = SUGGESTED[param.name]
    return entry


def defaults(class_name: str) -> dict:
    """A new node's config: defaults, suggested values for required arguments, else None."""
    return {a["name"]: a.get("default", a.get("suggested")) for a in arguments(class_name)}


def ports(class_name: str) -> tuple:
    return PORTS.get(class_name, ONE_TENSOR)


def inputs_connected(class_name: str, sources: list) -> bool:
    """Whether every required tensor argument has its sources (`sources`: a list of Refs per
    argument): one tensor, or LIST_MINIMUM for a list."""
    return all(
        len(refs) >= (LIST_MINIMUM if kind == "list" else 1) or (optional and not refs)
        for (_, kind, optional), refs in zip(ports(class_name), sources)
    )


def category(class_name: str) -> str:
    return next(name for name, classes in CATEGORIES.items() if class_name in classes)


@functools.cache
def palette() -> tuple:
    """The `palette` trait: every allowlisted layer, grouped by category."""
    return tuple(
        {
            "class": name,
            "category": group,
            "doc": (LAYERS[name].__doc__ or "").strip().splitlines()[0],
            "args": [{"name": n, "kind": k, "optional": o} for n, k, o in ports(name)],
            "arguments": list(arguments(name)),
        }
        for group, names in CATEGORIES.items()
        for name in names
    )
