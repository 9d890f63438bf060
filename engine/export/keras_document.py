"""An engine model as Keras 3's model config: the config.json of a `.keras` file.

Keras rebuilds a model from this document alone (with its own layers, by the names and
arguments the engine's layers share with Keras's), so a model the engine saves opens in Keras,
and the engine's reader (keras_config.py) reads it back. Op nodes (`x + y` on symbolic
tensors) are written as Keras writes its ops (keras_op_nodes.py). Layers of the user's own are
written as Keras writes registered objects ("registered_name": "package>Name"); the document
carries no code.
"""

from __future__ import annotations

import inspect

from engine import activations
from engine.export.errors import ExportError
from engine.export.keras_op_nodes import keras_entry
from engine.layers import LAYERS
from engine.layers.input_layer import InputLayer
from engine.layers.op_node import Operation
from engine.saving import registry

# Where Keras keeps each kind of object that a compile config names.
_COMPILE_MODULES = {"optimizer": "keras.optimizers", "loss": "keras.losses",
                    "metrics": "keras.metrics", "weighted_metrics": "keras.metrics"}
_SCHEDULES = "keras.optimizers.schedules"


def keras_document(model) -> dict:
    """The Keras 3 config of a functional or Sequential model, with its compile config."""
    from engine.models.sequential import Sequential

    if model.subclassed:
        document = _subclassed(model)
    elif isinstance(model, Sequential):
        document = _sequential(model)
    else:
        document = _functional(model)
    compile_config = model.get_compile_config()
    if compile_config is not None:
        document["compile_config"] = keras_compile_config(compile_config)
    return document


def keras_compile_config(config: dict) -> dict:
    """compile's arguments as Keras writes them: each object with its Keras module."""
    result = {key: _with_module(config.get(key), module)
              for key, module in _COMPILE_MODULES.items()}
    optimizer = result["optimizer"]
    rate = optimizer["config"].get("learning_rate") if optimizer else None
    if isinstance(rate, dict):
        optimizer["config"] = {**optimizer["config"],
                               "learning_rate": _with_module(rate, _SCHEDULES)}
    return {**result, "loss_weights": config.get("loss_weights"), "run_eagerly": False,
            "steps_per_execution": 1, "jit_compile": True}


def _with_module(value, module):
    """{"class_name", "config"} objects (in lists and dicts too) with Keras's module fields."""
    if isinstance(value, list):
        return [_with_module(v, module) for v in value]
    if isinstance(value, dict) and "class_name" in value:
        return {"module": module, "class_name": value["class_name"],
                "config": value.get("config", {}), "registered_name": None}
    if isinstance(value, dict):
        return {key: _with_module(v, module) for key, v in value.items()}
    return value


# --------------------------------------------------------------------------------- models
def _functional(model) -> dict:
    from engine.models.spec import node_ids

    ids = node_ids(model)
    calls = {}  # layer name -> its inbound nodes, in call order
    for node in model._nodes:
        if not isinstance(node.layer, Operation):
            calls.setdefault(node.layer.name, []).append(_inbound(node, ids))
    layers = []
    for layer in model._layers:
        entry = _layer_entry(layer, _build_config(model, layer))
        entry["name"] = layer.name
        entry["inbound_nodes"] = [] if isinstance(layer, InputLayer) else calls[layer.name]
        layers.append(entry)
    inputs = [_history(t, ids) for t in model.inputs]
    outputs = [_history(t, ids) for t in model.outputs]
    return {
        "module": "keras.src.models.functional", "class_name": "Functional",
        "config": {"name": model.name, "trainable": model.trainable,
                   "layers": _with_op_entries(model, layers, ids),
                   "input_layers": inputs[0] if model._single_input else inputs,
                   "output_layers": outputs[0] if model._single_output else outputs},
        "registered_name": "Functional", "build_config": {"input_shape": None},
    }


def _sequential(model) -> dict:
    layers = [_layer_entry(layer, _build_config(model, layer)) for layer in model._layers]
    for entry in layers:
        entry.pop("build_config", None) if entry["class_name"] == "InputLayer" else None
    shape = list(model.inputs[0].shape)
    return {
        "module": "keras", "class_name": "Sequential",
        "config": {"name": model.name, "trainable": model.trainable,
                   "dtype": _policy("float32"), "layers": layers, "build_input_shape": shape},
        "registered_name": None, "build_config": {"input_shape": shape},
    }


def _subclassed(model) -> dict:
    """A subclassed model as Keras writes one: its registered class and its own config."""
    cls = type(model)
    if registry.get_registered_object(registry.get_registered_name(cls)) is not cls:
        raise ExportError(
            f"Model {model.name!r} is a {cls.__name__}, a class of your own that is not "
            "registered: decorate it with @engine.saving.register_keras_serializable() (and "
            "give it get_config() for its own arguments) so a file can name it."
        )
    shape = _build_shape(model)
    if not model.built or shape is None:
        raise ExportError(f"Model {model.name!r} is not built yet: call it on data (or fit "
                          "it, or build(input_shape)) before saving, so its weights exist.")
    return {"module": cls.__module__, "class_name": cls.__name__,
            "config": _layer_config(model.get_config()),
            "registered_name": registry.get_registered_name(cls),
            "build_config": {"input_shape": shape}}


def _build_shape(model):
    """The input shape the model was built for (a list of them for several inputs)."""
    shapes = getattr(model, "_build_shapes", None)
    if not shapes:
        return None
    shape = shapes[0]
    if isinstance(shape, list):
        return [list(s) for s in shape]
    return list(shape)


def _with_op_entries(model, layers, ids) -> list:
    """The layer entries with an entry for each op node (keras_op_nodes.py), each right after
    the entries of the layers and ops whose outputs it takes, so every entry comes after
    what it uses, as in Keras's own configs."""
    entries = list(layers)
    for node in model._nodes:
        if isinstance(node.layer, Operation):
            sources = {t.node.layer.name for t in node.args}
            last = max(i for i, entry in enumerate(entries) if entry["name"] in sources)
            entries.insert(last + 1, keras_entry(
                node.layer, lambda tensor: _keras_tensor(tensor, ids)))
    seen = set()
    for entry in entries:
        if entry["name"] in seen:
            raise ExportError(f"Model {model.name!r} has two layers or ops named "
                              f"{entry['name']!r}; Keras needs each name once. Rename one "
                              "before saving.")
        seen.add(entry["name"])
    return entries


# --------------------------------------------------------------------------------- layers
def _layer_entry(layer, build_config) -> dict:
    cls = type(layer)
    if isinstance(layer, InputLayer):
        config = layer.get_config()
        return {"module": "keras.layers", "class_name": "InputLayer",
                "config": {"batch_shape": [config["batch_size"], *config["shape"]],
                           "dtype": config["dtype"], "sparse": False, "ragged": False,
                           "name": layer.name, "optional": False},
                "registered_name": None}
    built_in = LAYERS.get(cls.__name__) is cls
    entry = {
        "module": "keras.layers" if built_in else cls.__module__,
        "class_name": cls.__name__,
        "config": _layer_config(layer.get_config()),
        "registered_name": None if built_in else registry.get_registered_name(cls),
    }
    if build_config is not None:
        entry["build_config"] = build_config
    return entry


def _layer_config(config: dict) -> dict:
    """A layer's config as Keras writes it: its dtype as a DTypePolicy, an activation of the
    user's own as Keras's registered-function object."""
    config = dict(config)
    if isinstance(config.get("dtype"), str):
        config["dtype"] = _policy(config["dtype"])
    for key in ("activation", "recurrent_activation"):
        if isinstance(config.get(key), activations.CustomActivation):
            config[key] = {"module": "builtins", "class_name": "function",
                           "config": str(config[key]), "registered_name": "function"}
    return config


def _policy(name: str) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def _build_config(model, layer):
    """Keras's build_config: the shapes a layer was first called on in the model, as
    `input_shape` for one tensor argument, or `shapes_dict` by the call's argument names
    (MultiHeadAttention's query_shape and value_shape)."""
    for node in model._nodes:
        if node.layer is layer:
            shapes = [_shapes(a) for a in node.args]
            if len(shapes) == 1:
                return {"input_shape": shapes[0]}
            names = [p for p in inspect.signature(type(layer).call).parameters if p != "self"]
            return {"shapes_dict": {f"{n}_shape": s for n, s in zip(names, shapes)}}
    return None


def _shapes(value):
    return [_shapes(v) for v in value] if isinstance(value, list) else list(value.shape)


def _inbound(node, ids) -> dict:
    def tensor(value):
        if isinstance(value, list):
            return [tensor(v) for v in value]
        return _keras_tensor(value, ids)

    return {"args": [tensor(a) for a in node.args],
            "kwargs": {key: tensor(a) for key, a in node.kwargs.items()}}


def _keras_tensor(tensor, ids) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(tensor.shape), "dtype": tensor.dtype,
                       "keras_history": _history(tensor, ids)}}


def _history(tensor, ids) -> list:
    """Keras's [layer name, call index, output index] for a tensor of the graph."""
    node_id = ids[tensor.node]
    name, _, call = node_id.partition("#")
    return [name, int(call or 0), tensor.index]
