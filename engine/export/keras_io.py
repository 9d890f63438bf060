"""Keras 3 models in and out: `from_keras`, `load_keras` and `to_keras`.

Reading goes through the graph spec: the Keras config becomes a spec (keras_config.py, data
only) that `model_from_spec` builds from the engine's allowlist, then each layer takes its
Keras weights by name, unchanged (the layouts are the same), so they arrive bit for bit.
"""

from __future__ import annotations

import functools
import json

from engine.export.errors import KerasFileError
from engine.export.keras_config import spec_from_keras
from engine.export.keras_ops import KERAS_OPS, check_translatable, positional_arguments
from engine.layers.op_node import from_json
from engine.variables import one_step_state


def from_keras(keras_model):
    """An engine model with the architecture and weights of a live Keras 3 model."""
    document = json.loads(keras_model.to_json())
    model = _build(document)
    _set_weights(model, {layer.name: keras_model.get_layer(layer.name).get_weights()
                         for layer in model.layers if layer.weights})
    return model


def load_keras(path, custom_objects=None, compile=True, safe_mode=True):
    """The engine model saved in a Keras 3 `.keras` file, read without running its code
    (engine/saving/keras_model_file.py; engine.load_model reads these files too).

    Raises KerasFileError (a SpecError) naming what cannot be read: a Lambda layer (unless
    `safe_mode=False`: its function is Python code), a class that is neither a built-in Keras
    layer the engine has nor one of the user's registered ones, a damaged archive.
    """
    from engine.saving.keras_model_file import load_keras_file

    return load_keras_file(path, custom_objects, compile, safe_mode)


def to_keras(model):
    """A Keras 3 model with the engine model's architecture and (copied) weights."""
    import keras

    check_translatable(model, "to_keras()")
    spec = model.to_spec()
    inputs = {entry["name"]: _keras_input(keras, entry["config"])
              for entry in spec["layers"] if entry["class"] == "InputLayer"}
    # from_config: a layer held in a config (RNN's cell) is built from its entry, as Keras does
    layers = {entry["name"]: getattr(keras.layers, entry["class"]).from_config(entry["config"])
              for entry in spec["layers"] if entry["class"] != "InputLayer"}
    if spec["model_class"] == "Sequential":
        result = keras.Sequential([*inputs.values(), *layers.values()], name=spec["name"])
    else:
        result = _connect(keras, spec, inputs, layers)
    with one_step_state():  # fit may run in another thread
        arrays = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}
    for name, values in arrays.items():
        result.get_layer(name).set_weights(values)
    return result


def _build(document):
    from engine.models.spec import model_from_spec

    spec = spec_from_keras(document)
    try:
        return model_from_spec(spec)
    except KerasFileError:
        raise
    except Exception as error:  # the engine's layers refuse a config the mapping let through
        raise KerasFileError(f"Its model cannot be built in the engine: {error}") from error


def _set_weights(model, arrays):
    """Give each layer its arrays; every count and shape is checked before any is set."""
    layers = [layer for layer in model.layers if layer.weights]
    for layer in layers:
        expected = [tuple(w.shape) for w in layer.weights]
        got = [tuple(a.shape) for a in arrays.get(layer.name, [])]
        if got != expected:
            raise KerasFileError(
                f"Layer {layer.name!r} needs weights of shapes {expected}; the Keras model has "
                f"{got or 'none'} for it."
            )
    for layer in layers:
        layer.set_weights(arrays[layer.name])


def _keras_input(keras, config):
    return keras.Input(shape=tuple(config["shape"]), batch_size=config["batch_size"],
                       dtype=config["dtype"], name=config["name"])


def _connect(keras, spec, inputs, layers):
    tensors = {}
    for node in spec["nodes"]:
        if "op" in node:
            result = _call_op(keras, node, tensors)
            tensors[node["id"]] = list(result) if isinstance(result, (list, tuple)) else [result]
            continue
        if node["layer"] in inputs:
            tensors[node["id"]] = [inputs[node["layer"]]]
            continue
        def argument(a):
            return [_tensor(tensors, r) for r in a] if isinstance(a, list) else _tensor(tensors, a)

        keywords = {key: argument(a) for key, a in node.get("kwargs", {}).items()}
        result = layers[node["layer"]](*map(argument, node["args"]), **keywords)
        tensors[node["id"]] = list(result) if isinstance(result, (list, tuple)) else [result]
    ins = [_tensor(tensors, r) for r in spec["inputs"]]
    outs = [_tensor(tensors, r) for r in spec["outputs"]]
    return keras.Model(ins[0] if spec["single_input"] else ins,
                       outs[0] if spec["single_output"] else outs, name=spec["name"])


def _call_op(keras, node, tensors):
    """An op node of the spec as the keras.ops call with the same arguments."""

    def decode(value):
        return from_json(value, lambda reference: _tensor(tensors, reference))

    args = decode(node["args"])
    kwargs = {key: decode(value) for key, value in node["kwargs"].items()}
    values = positional_arguments(node["op"], args, kwargs)
    if node["op"] == "getitem":
        result = values[0][values[1]]
    else:
        result = functools.reduce(getattr, KERAS_OPS[node["op"]].split("."), keras.ops)(*values)
    # Keras names its ops from its own count, which does not see the layer names given here
    # (an op "multiply_3" beside a layer named so); the engine's names are unique in the graph
    first = result[0] if isinstance(result, (list, tuple)) else result
    first._keras_history.operation.name = node["name"]
    return result


def _tensor(tensors, reference):
    return tensors[reference["node"]][reference["output"]]
