"""Op nodes in Keras 3's model config: an engine op node as the entry Keras writes for an
Operation of keras.src.ops (`x + y` is an Add entry), and such an entry as an op node of the
engine's graph spec.

Keras splits an op's arguments between its class's constructor (the entry's config) and its
call (the entry's inbound node); engine/saving/keras_op_classes.py holds that split for each
class, read from Keras by scripts/keras_op_classes.py. The engine ops Keras has are those of
keras_ops.KERAS_OPS, whose arguments mean by position what the keras.ops function's do.
Reading builds nothing named in a file: an entry's class is looked up in those tables and
becomes an op of op_node.GRAPH_OPS, with its arguments as the spec's JSON values; anything
else is refused with a KerasFileError.
"""

from __future__ import annotations

import inspect

import numpy as np

from engine.export.errors import ExportError, KerasFileError
from engine.export.keras_ops import KERAS_OPS, signature
from engine.layers.op_node import GRAPH_OPS, TensorSlot
from engine.saving.keras_op_classes import FUNCTIONS, OP_CLASSES

OPS_MODULE = "keras.src.ops."
# dtypes an array constant of a file may have: those the graph spec reads
_ARRAY_DTYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint32",
                           "float16", "float32", "float64"})
# Keras arguments the engine's ops lack, at values that mean what the engine computes
_NEUTRAL = {"data_format": ("channels_last",)}
_MAX_DEPTH = 16  # how deeply an op's argument may nest lists
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _keras_function(op_name):
    """The keras.ops function an engine op is, or None where Keras has none like it."""
    return KERAS_OPS.get(op_name) if op_name in GRAPH_OPS else None


# (module, class name) of a Keras op -> the engine op it is: of those recording the class
# (abs and absolute: Absolute), the one of the class's name
ENGINE_OPS = {FUNCTIONS[_keras_function(op)][:2]: op for op in sorted(
    (op for op in KERAS_OPS if _keras_function(op) is not None),
    key=lambda op: _keras_function(op).split(".")[-1].replace("_", "")
    == FUNCTIONS[_keras_function(op)][1].lower(),
)}


def has_keras_class(operation) -> bool:
    """Whether a `.keras` file can hold this op node (Keras has an op class for it)."""
    return _keras_function(operation.op_name) is not None


# ------------------------------------------------------------------------------- writing
def keras_entry(operation, tensor) -> dict:
    """The entry of Keras's config["layers"] for an op node; `tensor(t)` writes a tensor of
    the graph as Keras's __keras_tensor__."""
    function = _keras_function(operation.op_name)
    if function is None:
        raise ExportError(
            f"Node {operation.name!r} applies ops.{operation.op_name} to symbolic tensors, and "
            "Keras 3 has no op class taking its arguments, so a .keras file cannot hold it. "
            "Save the model as a .wbm file (model.save('model.wbm')), which keeps op nodes, "
            "or use a layer for that step."
        )
    module, class_name, parameters = FUNCTIONS[function]
    constructor = OP_CLASSES[(module, class_name)][0]
    inputs = operation.node.args

    def encode(value):
        if isinstance(value, TensorSlot):
            return tensor(inputs[value.index])
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, slice):
            return {"class_name": "__slice__", "config": {
                "start": value.start, "stop": value.stop, "step": value.step}}
        if value is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(value, np.ndarray):
            return {"class_name": "__numpy__",
                    "config": {"value": value.tolist(), "dtype": value.dtype.name}}
        return value

    config, call = {"name": operation.name}, []
    for (name, _), (value, spread) in zip(parameters, _engine_arguments(operation, parameters)):
        if name in constructor:
            if _holds_tensor(value):
                raise _untranslatable(operation, f"a tensor as {name!r}")
            config[name] = encode(value)
        else:
            call.extend(encode(list(value)) if spread else [encode(value)])
    if operation.op_name == "getitem" and not isinstance(call[1], list):
        call[1] = [call[1]]  # x[k] is x[(k,)]; Keras's GetItem takes a sequence of keys
    return {"module": module, "class_name": class_name, "config": config,
            "registered_name": class_name, "name": operation.name,
            "inbound_nodes": [{"args": call, "kwargs": {}}]}


def _engine_arguments(operation, parameters) -> list[tuple]:
    """(value, whether it spreads over a variable positional parameter) for each argument of
    the engine op in its signature's order, its defaults filled in: by position, Keras's
    `parameters`'."""
    parameters_of = signature(operation.op_name)
    bound = parameters_of.bind(*operation.args, **operation.kwargs)
    bound.apply_defaults()
    values = []
    for name, value in bound.arguments.items():
        kind = parameters_of.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            if value:
                raise _untranslatable(operation, f"keyword arguments {sorted(value)}")
            continue
        values.append((value, kind is inspect.Parameter.VAR_POSITIONAL))
    if len(values) > len(parameters) or any(
            spread != name.startswith("*") for (name, _), (_, spread) in zip(parameters, values)):
        raise _untranslatable(operation, "arguments that keras.ops takes otherwise")
    return values


def _holds_tensor(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_holds_tensor(v) for v in value)
    return isinstance(value, TensorSlot)


def _untranslatable(operation, what) -> ExportError:
    return ExportError(
        f"Node {operation.name!r} calls ops.{operation.op_name} with {what}, which Keras's op "
        "cannot be given in a .keras file. Save the model as a .wbm file "
        "(model.save('model.wbm')), which keeps op nodes."
    )


# ------------------------------------------------------------------------------- reading
def is_op_entry(entry) -> bool:
    """Whether a layer entry of a Keras config is an op of keras.src.ops."""
    return isinstance(entry, dict) and str(entry.get("module")).startswith(OPS_MODULE)


def spec_node(entry, reference) -> dict:
    """The graph spec's op node for an op entry of a Keras config; `reference(history, where)`
    is the spec's reference for a tensor's keras_history. A KerasFileError for an op the
    engine does not have, or arguments it cannot read."""
    config = entry.get("config")
    name = entry.get("name", config.get("name") if isinstance(config, dict) else None)
    where = f"Op {name!r}"
    if not isinstance(name, str) or not name or "/" in name:
        raise KerasFileError(f"An op entry has the invalid name {_short(name)}.")
    if not isinstance(config, dict):
        raise KerasFileError(f"{where} has no config (a JSON object).")
    key = (entry.get("module"), entry.get("class_name"))
    op_name = ENGINE_OPS.get(key) if all(isinstance(k, str) for k in key) else None
    if op_name is None or entry.get("registered_name") not in (None, key[1]):
        raise KerasFileError(
            f"{where} is {_short(key[1])} from module {_short(key[0])}, which is not a Keras op "
            "the engine has. It reads: "
            f"{', '.join(sorted(class_name for _, class_name in ENGINE_OPS))}."
        )
    _, class_name, parameters = FUNCTIONS[_keras_function(op_name)]
    where = f"Op {name!r} ({class_name})"
    calls = entry.get("inbound_nodes")
    if not isinstance(calls, list) or len(calls) != 1 or not isinstance(calls[0], dict):
        raise KerasFileError(f"{where} must be called once (one inbound node), got "
                             f"{_short(calls)}.")

    def decode(value):
        return _decode(value, lambda history: reference(history, where), where, 0)

    given = _keras_arguments(config, calls[0], OP_CLASSES[key], where, decode)
    args = _engine_arguments_of(op_name, parameters, given, where)
    return {"id": name, "op": op_name, "name": name, "args": args, "kwargs": {}}


def _keras_arguments(config, call, classes, where, decode) -> dict:
    """Keras's function parameter -> value (spec JSON), from the entry's config (its
    constructor's arguments) and its call's arguments."""
    constructor, call_parameters = classes
    given = {}
    for key, value in config.items():
        if key == "name":
            continue
        if key not in constructor:
            raise KerasFileError(f"{where} sets {key}={_short(value)}, which Keras's op does "
                                 "not take.")
        given[key] = decode(value)
    args, kwargs = call.get("args", []), call.get("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise KerasFileError(f"{where} has a malformed inbound node {_short(call)}.")
    names = list(call_parameters)
    spread = bool(names) and names[-1].startswith("*")
    if len(args) > len(names) and not spread:
        raise KerasFileError(f"{where} is called with {len(args)} arguments; Keras's op takes "
                             f"{len(names)}.")
    for index, value in enumerate(args):
        if spread and index >= len(names) - 1:
            given.setdefault(names[-1], []).append(decode(value))
        else:
            given[names[index]] = decode(value)
    for key, value in kwargs.items():
        if key not in names or key in given:
            raise KerasFileError(f"{where} is called with {key}={_short(value)}, which Keras's "
                                 "op does not take (or takes once).")
        given[key] = decode(value)
    return given


def _engine_arguments_of(op_name, parameters, given, where) -> list:
    """The engine op's positional arguments for Keras's function arguments `given`: the
    same by position, Keras's defaults where the file leaves one out."""
    ours = signature(op_name).parameters.values()
    positional = sum(p.kind in _POSITIONAL for p in ours)
    spreads = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in ours)
    args = []
    for index, (name, default) in enumerate(parameters):
        if name not in given and default is ...:
            raise KerasFileError(f"{where} is missing its argument {name.lstrip('*')!r}.")
        value = given.get(name, default)
        if name.startswith("*") and spreads and index == positional:
            args.extend(value if isinstance(value, list) else [])
        elif index < positional and not name.startswith("*"):
            args.append(value)
        elif value != default and value not in _NEUTRAL.get(name, ()):
            raise KerasFileError(f"{where} sets {name}={_short(value)}, which the engine's "
                                 f"ops.{op_name} does not take; save the model without it.")
    return args


def _decode(value, reference, where, depth):
    """A value of a Keras config as the graph spec writes an op's argument; lists of
    constants as tuples (Keras writes tuples as lists)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > _MAX_DEPTH:
        raise KerasFileError(f"{where} has arguments nested more than {_MAX_DEPTH} deep.")
    if isinstance(value, list):
        items = [_decode(v, reference, where, depth + 1) for v in value]
        holds_tensors = any(isinstance(v, dict) and "tensor" in v for v in items)
        return items if holds_tensors else {"tuple": items}
    kind = value.get("class_name") if isinstance(value, dict) else None
    inner = value.get("config") if isinstance(value, dict) else None
    if kind == "__keras_tensor__" and isinstance(inner, dict):
        return {"tensor": reference(inner.get("keras_history"))}
    if kind == "__slice__" and isinstance(inner, dict) and all(
            inner.get(k) is None or type(inner.get(k)) is int for k in ("start", "stop", "step")):
        return {"slice": [inner.get("start"), inner.get("stop"), inner.get("step")]}
    if kind == "__ellipsis__":
        return {"ellipsis": True}
    if kind in ("__numpy__", "__tensor__") and isinstance(inner, dict) and (
            inner.get("dtype") in _ARRAY_DTYPES and _numbers(inner.get("value"), 0)):
        return {"array": inner["value"], "dtype": inner["dtype"]}
    raise KerasFileError(f"{where} has the argument {_short(value)}, which is not a value the "
                         "engine reads for an op (numbers, strings, slices, arrays, tensors).")


def _numbers(value, depth) -> bool:
    """Whether `value` is a number or nested lists of them (an array's JSON)."""
    if isinstance(value, list):
        return depth < _MAX_DEPTH and all(_numbers(v, depth + 1) for v in value)
    return isinstance(value, (bool, int, float))


def _short(value, limit=80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."
