"""Code for array frameworks without layer objects (JAX, TensorFlow): functions of params.

The two differ only in how an op is spelled and how parameters are made, so one writer walks
the program and a `Dialect` spells it. Parameters are {layer name: {weight name: array}}
(`weights(program)` gives the model's); each layer call becomes one or two statements, and
layers that take more than one op call a helper function written once at the top. Each
layer's statements come from the `arrays` translation registered in its own file
(engine/layers/declaration.py), given an `ArrayCode` for the dialect.
"""

from __future__ import annotations

import dataclasses
import re

from engine.export.codegen import source
from engine.export.errors import ExportError
from engine.export.program import Program, named_weights, weight_key
from engine.layers.declaration import translation


@dataclasses.dataclass(frozen=True)
class Dialect:
    """How one framework spells things. Templates take `{x}` (the input) and named fields."""

    framework: str  # its name in error messages
    activations: dict  # activation name -> expression with "{}" for the input
    templates: dict  # op -> expression template
    helpers: dict  # helper name -> source lines; written once where the code calls it


def weights(program: Program, framework: str = "") -> dict:
    """{layer name: {weight name: NumPy array}} for every layer with weights."""
    return {
        layer.name: named_weights(layer) for layer in program.weighted_layers if layer.weights
    }


def initial_values(program: Program, value, depth: int, head: str) -> list[str]:
    """`head` and a params dict literal: `value(layer, key, shape)` writes each entry."""
    pad = source.INDENT * depth
    if not any(layer.weights for layer in program.weighted_layers):
        return [f"{pad}{head}{{}}"]
    lines = [f"{pad}{head}{{"]
    for layer in program.weighted_layers:
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
    if key in ("depthwise_kernel", "pointwise_kernel"):  # SeparableConv's
        return getattr(layer, f"{key.removesuffix('_kernel')}_initializer")
    if key == "kernel" and hasattr(layer, "depthwise_initializer"):  # DepthwiseConv's
        return layer.depthwise_initializer
    if key.endswith("kernel"):
        return layer.kernel_initializer
    if key.endswith("bias"):
        return layer.bias_initializer
    return getattr(layer, f"{key}_initializer")


def forget_bias_split(layer, key: str):
    """(units) when weight `key` is an LSTM bias whose forget block starts at one, else None;
    a ConvLSTM's units are its filters."""
    if key == "bias" and getattr(layer, "unit_forget_bias", False):
        return getattr(layer, "filters", None) or layer.units
    return None


def calls(program: Program, dialect: Dialect, depth: int) -> tuple[list[str], list[str]]:
    """(statements computing the outputs from the inputs, helper names they call)."""
    code = ArrayCode(dialect, depth)
    lines, helpers = [], []
    for step in program.steps:
        kind = type(step.layer).__name__
        translate = translation(kind, "arrays")
        if translate is None:
            raise ExportError(
                f"Layer {step.layer.name!r} ({kind}) has no {dialect.framework} translation yet."
            )
        statements = translate(step, code)
        lines += statements
        helpers += helpers_called("\n".join(statements), dialect.helpers)
    return lines, list(dict.fromkeys(helpers))


def helpers_called(text: str, helpers: dict) -> list[str]:
    """The helpers `text` calls, in the order of their first call, each after the helpers it
    calls itself (so a helper's source is written before its first use)."""
    calls = []
    for name in helpers:
        found = re.search(rf"(?<![\w.]){name}\(", text)
        if found:
            calls.append((found.start(), name))
    ordered = []
    for _, name in sorted(calls):
        ordered += [*helpers_called("\n".join(helpers[name][1:]), helpers), name]
    return ordered


@dataclasses.dataclass(frozen=True)
class ArrayCode:
    """What a layer's JAX and TensorFlow translation is given as `code`: the dialect's
    spellings, and statements written at the depth of the function body."""

    dialect: Dialect
    depth: int
    literal = staticmethod(source.literal)
    shape = staticmethod(source.shape)

    @property
    def indent(self) -> str:
        return source.INDENT * self.depth

    def params(self, step) -> str:
        """The expression of the step's layer's parameters."""
        return f"params[{source.literal(step.layer.name)}]"

    def activation(self, name) -> str:
        """The activation as an expression template with one "{}"."""
        return self.dialect.activations[name]

    def function(self, name) -> str:
        """The activation as a callable: "jnp.tanh", or a lambda."""
        return source.function(self.dialect.activations[name])

    def template(self, name, x="{}", **fields) -> str:
        """The dialect's template for op `name`; with x left as "{}" it wraps in `chain`."""
        return self.dialect.templates[name].format(x=x, **fields)

    def assign(self, step, expression) -> list[str]:
        return [f"{self.indent}{step.outputs[0]} = {expression}"]

    def chain(self, step, wrappers) -> list[str]:
        """The step's output as wrappers applied in turn to its first argument."""
        return source.chain(step.outputs[0], step.args[0], wrappers, self.depth)

    def lines(self, head, arguments) -> list[str]:
        """`head(arguments)`, one argument a line when too long."""
        return source.lines(head, arguments, self.depth)

    def call(self, step, function, arguments, activation="{}") -> list[str]:
        """`output = activation(function(arguments))`, wrapped onto more lines when too long."""
        output, pad = step.outputs[0], self.indent
        line = f"{pad}{output} = " + activation.replace("{}", f"{function}({', '.join(arguments)})")
        if len(line) <= source.LINE_LENGTH:
            return [line]
        lines = source.lines(f"{output} = {function}", arguments, self.depth)
        if activation != "{}":
            lines.append(f"{pad}{output} = {activation.replace('{}', output)}")
        return lines
