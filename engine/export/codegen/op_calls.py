"""Op nodes as code: in engine code each is the `engine.ops` call it was (`x = ops.relu(a)`),
in Keras code the `keras.ops` call with the same arguments (export/keras_ops.py); an index is
written as Python writes it (`x = a[:, :4]`)."""

from __future__ import annotations

import math

import numpy as np

from engine.export import keras_ops
from engine.export.codegen import source
from engine.layers.op_node import TensorSlot


def op_call(step, framework: str) -> str:
    """The expression of an op step in "engine" or "keras" code; `step.args` names its input
    tensors in order."""
    operation = step.layer

    def text(value):
        if isinstance(value, TensorSlot):
            return step.args[value.index]
        if isinstance(value, np.ndarray):
            return f"np.array({value.tolist()!r}, dtype={source.literal(value.dtype.name)})"
        if isinstance(value, slice):
            return f"slice({text(value.start)}, {text(value.stop)}, {text(value.step)})"
        if value is Ellipsis:
            return "..."
        if isinstance(value, float) and not math.isfinite(value):
            return f"float({source.literal(repr(value))})"
        if isinstance(value, (list, tuple)):
            items = ", ".join(text(v) for v in value)
            if isinstance(value, list):
                return f"[{items}]"
            return f"({items},)" if len(value) == 1 else f"({items})"
        return source.literal(value)

    def part(k):
        if not isinstance(k, slice):
            return text(k)
        start, stop = ("" if v is None else text(v) for v in (k.start, k.stop))
        return f"{start}:{stop}" + ("" if k.step is None else f":{text(k.step)}")

    def index(key):
        if not isinstance(key, tuple):
            return part(key)
        return ", ".join(part(k) for k in key) + ("," if len(key) == 1 else "")

    if operation.op_name == "getitem" and len(operation.args) == 2 and not operation.kwargs:
        return f"{text(operation.args[0])}[{index(operation.args[1])}]"
    if framework == "keras":
        values = keras_ops.positional_arguments(operation.op_name, operation.args,
                                                operation.kwargs)
        return f"ops.{keras_ops.KERAS_OPS[operation.op_name]}({', '.join(map(text, values))})"
    arguments = [text(a) for a in operation.args]
    arguments += [f"{key}={text(value)}" for key, value in operation.kwargs.items()]
    return f"ops.{operation.op_name}({', '.join(arguments)})"
