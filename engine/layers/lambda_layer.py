"""Lambda: a function of the user's own as a layer, as Keras 3's.

Its config carries the function: a Python lambda as its bytecode (Keras's "__lambda__"
entry), a named function by its name. Loading bytecode runs code from the config, so it is
refused in safe mode (the default: engine.saving.registry.in_safe_mode) before anything of it
is read; a named function is only looked up among the user's registered objects and the
engine's activations. Exports refuse a Lambda: its function is Python, not a layer they know.
"""

from __future__ import annotations

import codecs
import dataclasses
import inspect
import marshal
import types
from typing import ClassVar

from engine import activations
from engine.layers import trial_call
from engine.layers.declaration import Argument, Sizes, declare, exports
from engine.layers.layer import Layer
from engine.layers.node import SymbolicTensor
from engine.saving import registry

LAMBDA = "__lambda__"  # Keras's class_name for a Python lambda written as bytecode


@dataclasses.dataclass
class Function(Argument):
    """A function: a callable; or from a config, Keras's entry for one (a lambda's bytecode
    in unsafe mode only; a named function: a registered one or an engine activation); or the
    name of one."""

    type: ClassVar[str] = "string"

    def convert(self, layer, value):
        if callable(value) and not isinstance(value, type):
            return value
        if isinstance(value, dict) and value.get("class_name") == LAMBDA:
            return self._loaded(layer, value)
        if isinstance(value, dict) and value.get("class_name") == "function":
            value = value.get("config")
        if isinstance(value, str):
            return self._named(layer, value)
        raise self.error(layer, "must be a function (or, in a config, Keras's entry for one)",
                         value)

    def _named(self, layer, name):
        found = registry.get_registered_object(name)
        if callable(found) and not isinstance(found, type):
            return found
        if name in activations.NAMES:
            return activations.get(name)
        raise self.error(layer, "names no function known here: register yours with "
                         "@engine.saving.register_keras_serializable() or pass it in "
                         "custom_objects", name)

    def _loaded(self, layer, entry):
        """The lambda whose bytecode `entry` holds; refused, unread, in safe mode."""
        if registry.in_safe_mode():
            raise self.error(
                layer, "holds a Python lambda as bytecode, and loading it would run code from "
                "the config, which safe mode refuses. If you trust its source, load it with "
                "safe_mode=False (load_model(..., safe_mode=False), model_from_spec(..., "
                "safe_mode=False)) or call engine.config.enable_unsafe_deserialization()",
                "<lambda bytecode>")
        config = entry.get("config") or {}
        try:
            code = marshal.loads(codecs.decode(config["code"].encode("ascii"), "base64"))
        except (KeyError, AttributeError, ValueError, EOFError, TypeError) as error:
            raise self.error(layer, f"has bytecode this Python cannot read ({error})",
                             "<lambda bytecode>") from None
        defaults = config.get("defaults")
        closure = config.get("closure")
        cells = None if closure is None else tuple(types.CellType(v) for v in closure)
        function = types.FunctionType(code, {"__builtins__": __builtins__}, code.co_name,
                                      None if defaults is None else tuple(defaults), cells)
        function.keras_config = entry  # written back unchanged (marshal may differ by a byte)
        return function

    def config_value(self, value):
        return None if value is None else serialize_function(value)


def serialize_function(function) -> dict:
    """Keras's config entry for a function: a lambda's bytecode, else its name."""
    if hasattr(function, "keras_config"):
        return function.keras_config
    if isinstance(function, types.LambdaType) and function.__name__ == "<lambda>":
        code = codecs.encode(marshal.dumps(function.__code__), "base64").decode("ascii")
        closure = function.__closure__
        return {"class_name": LAMBDA, "config": {
            "code": code, "defaults": function.__defaults__,
            "closure": None if closure is None else tuple(c.cell_contents for c in closure)}}
    name = registry.get_registered_name(function)
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


@dataclasses.dataclass
class OutputShape(Sizes):
    """The output's shape without its batch axis, or a function of the input shape."""

    def convert(self, layer, value):
        if callable(value) or (isinstance(value, dict) and "class_name" in value):
            return Function(name=self.name).convert(layer, value)
        return super().convert(layer, value)

    def config_value(self, value):
        return serialize_function(value) if callable(value) else value


@dataclasses.dataclass
class Mask(Function):
    """None (no mask), or a function (inputs, mask) -> the output's mask."""


@dataclasses.dataclass
class Keywords(Argument):
    """Keyword arguments passed to the function on every call."""

    def convert(self, layer, value):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise self.error(layer, "must be a dict of keyword arguments", value)
        return dict(value)


@declare("core")
class Lambda(Layer):
    """function(inputs, **arguments) as a layer; the function is also given `mask` and
    `training` where it takes them. The output shape is `output_shape` (without the batch
    axis, or a function of the input shape), else found by calling the function."""

    carries_code = True  # exports refuse it (engine/export/program.py)

    function = Function(suggested="relu")
    output_shape = OutputShape(None, unknown=True)
    mask = Mask(None)
    arguments = Keywords(None)

    def configure(self):
        self.arguments = self.arguments or {}
        self.supports_masking = self.mask is not None
        parameters = _parameters(self.function)
        self._takes_mask, self._takes_training = "mask" in parameters, "training" in parameters

    def call(self, inputs, mask=None, training=None):
        keywords = dict(self.arguments)
        if self._takes_mask:
            keywords["mask"] = mask
        if self._takes_training:
            keywords["training"] = training
        return self.function(inputs, **keywords)

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:  # as Keras: the function, called on such inputs, says
            return trial_call.output_shapes(self, [SymbolicTensor(tuple(input_shape))])
        if callable(self.output_shape):
            return tuple(self.output_shape(input_shape))
        return (input_shape[0], *self.output_shape)

    def compute_mask(self, inputs, previous_mask):
        return None if self.mask is None else self.mask(inputs, previous_mask)

    def export_refusal(self):
        """The ExportError every export raises for this layer: its function is Python."""
        from engine.export.errors import ExportError

        return ExportError(
            f"Layer {self.name!r} is a Lambda, whose function is Python code that exported code "
            "(PyTorch, JAX, TensorFlow, Keras, engine) and ONNX cannot carry: write it as "
            "built-in layers (or ops on symbolic tensors) to export the model. model.save keeps "
            "it (and load_model(..., safe_mode=False) loads it)."
        )


def _parameters(function) -> set:
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin without a signature takes neither
        return set()


# ---------------------------------------------------------------------------------- exports
def refuse_lambda(*arguments):
    """The translation of a Lambda to every target: a clear refusal."""
    raise arguments[-2].layer.export_refusal()


exports(Lambda, torch=refuse_lambda, arrays=refuse_lambda, onnx=refuse_lambda)
