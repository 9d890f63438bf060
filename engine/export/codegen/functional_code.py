"""Code for array frameworks without layer objects (JAX, TensorFlow): functions of params.

The two differ only in how an op is spelled and how parameters are made, so one writer walks
the program and a `Dialect` spells it. Parameters are {layer name: {weight name: array}}
(`weights(program)` gives the model's); each layer call becomes one or two statements, and
layers that take more than one op call a helper function written once at the top.
"""

from __future__ import annotations

import dataclasses

from engine.export.codegen import source
from engine.export.program import Program, named_weights, weight_key


@dataclasses.dataclass(frozen=True)
class Dialect:
    """How one framework spells things. Templates take `{x}` (the input) and named fields."""

    activations: dict  # activation name -> expression with "{}" for the input
    templates: dict  # op -> expression template
    helpers: dict  # helper name -> source lines
    needs: dict  # layer kind -> helper names its template calls


def weights(program: Program, framework: str = "") -> dict:
    """{layer name: {weight name: NumPy array}} for every layer with weights."""
    return {
        layer.name: named_weights(layer) for layer in program.layers if layer.weights
    }


def initial_values(program: Program, value, depth: int, head: str) -> list[str]:
    """`head` and a params dict literal: `value(layer, key, shape)` writes each entry."""
    pad = source.INDENT * depth
    if not any(layer.weights for layer in program.layers):
        return [f"{pad}{head}{{}}"]
    lines = [f"{pad}{head}{{"]
    for layer in program.layers:
        if not layer.weights:
            continue
        lines.append(f"{pad}{source.INDENT}{source.literal(layer.name)}: {{")
        for variable in layer.weights:
            key = weight_key(layer, variable)
            entry = f"{source.literal(key)}: {value(layer, key, tuple(variable.shape))},"
            lines.append(f"{pad}{source.INDENT * 2}{entry}")
        lines.append(f"{pad}{source.INDENT}}},")
    return [*lines, f"{pad}}}"]


def initializer_of(layer, key: str) -> str:
    """The name of the initializer that made weight `key` of `layer`."""
    if key == "recurrent_kernel":
        return layer.recurrent_initializer
    if key.endswith("kernel"):
        return layer.kernel_initializer
    if key.endswith("bias"):
        return layer.bias_initializer
    return getattr(layer, f"{key}_initializer")


def forget_bias_split(layer, key: str):
    """(units) when weight `key` is an LSTM bias whose forget block starts at one, else None."""
    if key == "bias" and getattr(layer, "unit_forget_bias", False):
        return layer.units
    return None


def calls(program: Program, dialect: Dialect, depth: int) -> tuple[list[str], list[str]]:
    """(statements computing the outputs from the inputs, helper names they call)."""
    lines, helpers = [], []
    for step in program.steps:
        kind = type(step.layer).__name__
        lines += _EMITTERS[kind](step, dialect, depth)
        helpers += LAYER_HELPERS.get(kind, []) + dialect.needs.get(kind, [])
    return lines, list(dict.fromkeys(helpers))


# ----------------------------------------------------------------------------------- layers
def _params(step) -> str:
    return f"params[{source.literal(step.layer.name)}]"


def _assign(step, expression, depth):
    return [f"{source.INDENT * depth}{step.outputs[0]} = {expression}"]


def _chain(step, wrappers, depth):
    return source.chain(step.outputs[0], step.args[0], wrappers, depth)


def _template(dialect, name, **fields) -> str:
    """A wrapper from a dialect template: its {x} left as "{}" for `source.chain`."""
    return dialect.templates[name].format(x="{}", **fields)


def _call(step, function, arguments, depth, activation="{}"):
    """`output = activation(function(arguments))`, wrapped onto more lines when too long."""
    output, pad = step.outputs[0], source.INDENT * depth
    line = f"{pad}{output} = " + activation.replace("{}", f"{function}({', '.join(arguments)})")
    if len(line) <= source.LINE_LENGTH:
        return [line]
    lines = source.lines(f"{output} = {function}", arguments, depth)
    if activation != "{}":
        lines.append(f"{pad}{output} = {activation.replace('{}', output)}")
    return lines


def _dense(step, dialect, depth):
    return _call(step, "apply_dense", [_params(step), step.args[0]], depth,
                 dialect.activations[step.layer.activation])


def _conv(step, dialect, depth):
    layer = step.layer
    arguments = [_params(step), step.args[0], f"strides={source.shape(layer.strides)}",
                 f"padding={source.literal(layer.padding.upper())}",
                 f"dilation={source.shape(layer.dilation_rate)}"]
    return _call(step, "apply_conv", arguments, depth, dialect.activations[layer.activation])


def _pooling(name):
    def emit(step, dialect, depth):
        layer = step.layer
        wrapper = _template(dialect, name, window=source.shape(layer.pool_size),
                            strides=source.shape(layer.strides),
                            padding=source.literal(layer.padding.upper()))
        return _chain(step, [wrapper], depth)

    return emit


def _global_average_pooling(step, dialect, depth):
    keep = ", keepdims=True" if step.layer.keepdims else ""
    return _chain(step, [_template(dialect, "mean", axes="(1, 2)", keep=keep)], depth)


def _flatten(step, dialect, depth):
    return _assign(step, dialect.templates["reshape"].format(x=step.args[0], sizes="-1"), depth)


def _reshape(step, dialect, depth):
    sizes = ", ".join(str(d) for d in step.layer.target_shape)
    return _assign(step, dialect.templates["reshape"].format(x=step.args[0], sizes=sizes), depth)


def _dropout(step, dialect, depth):
    why = f"Dropout({step.layer.rate}) passes values through at inference"
    return _assign(step, f"{step.args[0]}  # {why}", depth)


def _batch_normalization(step, dialect, depth):
    layer = step.layer
    axis = layer.axis % len(step.input_shape)
    arguments = [_params(step), step.args[0], f"axis={axis}", f"epsilon={layer.epsilon!r}"]
    return _call(step, "apply_batch_normalization", arguments, depth)


def _layer_normalization(step, dialect, depth):
    layer = step.layer
    axes = source.shape(layer._axes(step.input_shape))
    arguments = [_params(step), step.args[0], f"axes={axes}", f"epsilon={layer.epsilon!r}"]
    return _call(step, "apply_layer_normalization", arguments, depth)


def _embedding(step, dialect, depth):
    table = f'{_params(step)}["embeddings"]'
    return _chain(step, [_template(dialect, "take", table=table)], depth)


def _activation(step, dialect, depth):
    return _chain(step, [dialect.activations[step.layer.activation]], depth)


def _merge(operator):
    def emit(step, dialect, depth):
        return _assign(step, f" {operator} ".join(step.args[0]), depth)

    return emit


def _concatenate(step, dialect, depth):
    tensors = f"[{', '.join(step.args[0])}]"
    return _assign(step, dialect.templates["concatenate"].format(x=tensors, axis=step.layer.axis),
                   depth)


def _multi_head_attention(step, dialect, depth):
    return _call(step, "apply_multi_head_attention", [_params(step), *step.args], depth)


def _recurrent(step, dialect, depth):
    """`apply_<kind>` returns (every step's output, final states); pick what the layer returns."""
    layer = step.layer
    kind = type(layer).__name__
    arguments = [_params(step), step.args[0]]
    if layer.activation != "tanh":
        arguments.append(f"activation={source.function(dialect.activations[layer.activation])}")
    if kind != "SimpleRNN" and layer.recurrent_activation != "sigmoid":
        recurrent = source.function(dialect.activations[layer.recurrent_activation])
        arguments.append(f"recurrent_activation={recurrent}")
    if kind == "GRU" and not layer.reset_after:
        arguments.append("reset_after=False")
    if layer.go_backwards:
        arguments.append("go_backwards=True")
    target, after = source.recurrent_targets(layer, step.outputs)
    lines = source.lines(f"{target} = apply_{_SNAKE[kind]}", arguments, depth)
    return lines + [f"{source.INDENT * depth}{line}" for line in after]


_SNAKE = {"SimpleRNN": "simple_rnn", "LSTM": "lstm", "GRU": "gru"}

_EMITTERS = {
    "Dense": _dense,
    "Conv1D": _conv,
    "Conv2D": _conv,
    "MaxPooling2D": _pooling("max_pool"),
    "AveragePooling2D": _pooling("average_pool"),
    "GlobalAveragePooling2D": _global_average_pooling,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Dropout": _dropout,
    "BatchNormalization": _batch_normalization,
    "LayerNormalization": _layer_normalization,
    "Embedding": _embedding,
    "Activation": _activation,
    "Add": _merge("+"),
    "Multiply": _merge("*"),
    "Concatenate": _concatenate,
    "MultiHeadAttention": _multi_head_attention,
    "SimpleRNN": _recurrent,
    "LSTM": _recurrent,
    "GRU": _recurrent,
}

# Helpers each layer kind calls, the same in every dialect (dialects add their own needs).
LAYER_HELPERS = {
    "Dense": ["apply_dense"],
    "Conv1D": ["apply_conv"],
    "Conv2D": ["apply_conv"],
    "BatchNormalization": ["apply_batch_normalization"],
    "LayerNormalization": ["apply_layer_normalization"],
    "MultiHeadAttention": ["apply_multi_head_attention"],
    "SimpleRNN": ["scan_over_time", "apply_simple_rnn"],
    "LSTM": ["scan_over_time", "apply_lstm"],
    "GRU": ["scan_over_time", "apply_gru"],
}
