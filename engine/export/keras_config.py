"""A Keras 3 model config (the JSON in a `.keras` file, or `model.to_json()`) as a graph spec.

Only data is read: every layer's class must be a Keras built-in that the engine has
(engine.layers.LAYERS), named by Keras's own module, and its config values are copied as JSON
values; an op of keras.src.ops (`x + y` in a Keras graph) becomes an op node of the engine's
(keras_op_nodes.py). Nothing named in the config is imported or called, so a hostile config
can only be refused. Settings that change only training (regularizers, constraints the
engine's layer lacks) or only fresh weights (an initializer the engine cannot draw) are dropped
with a warning; anything that would change what the model computes is refused with a
KerasFileError naming it.
"""

from __future__ import annotations

import inspect
import warnings

from engine import activations
from engine.export import keras_op_nodes
from engine.export.errors import KerasFileError
from engine.layers import LAYERS
from engine.layers.declaration import DECLARED
from engine.layers.layer import Layer
from engine.layers.layer_argument import LayerArgument
from engine.models.spec import FORMAT, VERSION
from engine.saving.registry import in_safe_mode

MODEL_CLASSES = {"Functional", "Sequential"}
# Keras writes "keras.layers" for its layers; older 3.x wrote their source modules.
_LAYER_MODULES = ("keras.layers", "keras.src.layers")
_MODEL_MODULES = ("keras",)
# Keras settings with no effect on what the engine's layer computes at the values shown.
_NEUTRAL = {"data_format": ("channels_last", None), "groups": (1,)}
_IRRELEVANT = {"seed", "unroll", "zero_output_for_mask", "renorm_momentum"}
_DTYPES = {"float32", "float64", "mixed_float16", "mixed_bfloat16"}  # dtype policies
# Layers whose outputs are integers by their dtype (Keras writes int64 for them).
_INTEGER_LAYERS = {"Hashing", "HashedCrossing"}
# Keras's way of writing a default, and the engine's: Keras keeps axes as lists.
_CANONICAL = {
    ("LayerNormalization", "axis"): lambda v: v[0] if isinstance(v, list) and len(v) == 1 else v,
    ("MultiHeadAttention", "attention_axes"): lambda v: None if v in ([1], 1) else v,
}
_KEYWORD_TENSORS = {"initial_state"}  # tensor keyword arguments the engine's layers take
_CALL_FLAGS = {"training", "mask", "attention_mask", "return_attention_scores",
               "use_causal_mask", "initial_state"}

# Keras initializer class -> (engine name, the arguments it has in the engine)
_INITIALIZERS = {
    "Zeros": ("zeros", {}),
    "Ones": ("ones", {}),
    "GlorotUniform": ("glorot_uniform", {}),
    "GlorotNormal": ("glorot_normal", {}),
    "HeUniform": ("he_uniform", {}),
    "HeNormal": ("he_normal", {}),
    "LecunUniform": ("lecun_uniform", {}),
    "LecunNormal": ("lecun_normal", {}),
    "RandomUniform": ("random_uniform", {"minval": -0.05, "maxval": 0.05}),
    "RandomNormal": ("random_normal", {"mean": 0.0, "stddev": 0.05}),
    "TruncatedNormal": ("truncated_normal", {"mean": 0.0, "stddev": 0.05}),
    "Orthogonal": ("orthogonal", {"gain": 1.0}),
}


def spec_from_keras(document) -> dict:
    """The engine's graph spec for a Keras model config, or a KerasFileError saying why not.
    Layers of the user's own come from the registry or an active custom_object_scope."""
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise KerasFileError("The Keras config is not a JSON object with a 'config' entry.")
    class_name = document.get("class_name")
    module = document.get("module") or "keras"
    registered = document.get("registered_name")
    if (class_name not in MODEL_CLASSES or not _is_keras_module(module, _MODEL_MODULES)
            or registered not in (None, class_name)):
        raise KerasFileError(
            f"The model is a {class_name!r} from module {module!r}: only Keras's own functional "
            "and Sequential models can be read (subclassed models hold Python code)."
        )
    config = document["config"]
    entries = _list(config, "layers", "the model config")
    if class_name == "Sequential":
        return _sequential_spec(config, entries)
    return _functional_spec(config, entries)


# ------------------------------------------------------------------------------ models
def _functional_spec(config, entries):
    entries = _without_mask_ops(entries)
    layers, nodes = [], []
    for entry in entries:
        if keras_op_nodes.is_op_entry(entry):
            nodes.append(keras_op_nodes.spec_node(entry, _history))
            continue
        name, layer = _layer(entry)
        layers.append(layer)
        calls = entry.get("inbound_nodes") or []
        if layer["class"] == "InputLayer":
            nodes.append({"id": name, "layer": name, "args": []})
            continue
        if not isinstance(calls, list) or not calls:
            raise KerasFileError(f"Layer {name!r} is not connected (it has no inbound nodes).")
        for index, call in enumerate(calls):
            node_id = name if index == 0 else f"{name}#{index}"
            args, keywords = _call_arguments(name, _layer_class(layer["class"]), call)
            node = {"id": node_id, "layer": name, "args": args}
            nodes.append({**node, "kwargs": keywords} if keywords else node)
    inputs, single_input = _endpoints(config.get("input_layers"), "input_layers")
    outputs, single_output = _endpoints(config.get("output_layers"), "output_layers")
    return _spec(config, "Model", layers, _in_order(nodes), inputs, outputs,
                 single_input, single_output)


def _without_mask_ops(entries):
    """The entries without the masks Keras writes into a graph: the ops that compute the
    masks layers make (Embedding(mask_zero=True)'s NotEqual, Masking's) and the `mask=`
    arguments they feed. The engine's layers make those masks again themselves."""
    ops = {entry.get("name") for entry in entries if isinstance(entry, dict)
           and str(entry.get("module")).startswith("keras.src.ops")}
    uses = {}  # op name -> [(user, whether through a mask argument)]
    for entry in entries:
        for key, tensor in _call_tensors(entry):
            if _source(tensor) in ops:
                uses.setdefault(_source(tensor), []).append(
                    (entry.get("name"), str(key).endswith("mask")))
    mask_ops, grown = set(), True
    while grown:
        found = {name for name in ops - mask_ops if uses.get(name) and all(
            through or user in mask_ops for user, through in uses[name])}
        mask_ops |= found
        grown = bool(found)
    if not mask_ops:
        return entries
    kept = []
    for entry in entries:
        if entry.get("name") in mask_ops:
            continue
        calls = [{**call, "kwargs": {
            key: value for key, value in (call.get("kwargs") or {}).items()
            if not (key.endswith("mask") and _source(value) in mask_ops)}}
            for call in entry.get("inbound_nodes") or [] if isinstance(call, dict)]
        kept.append({**entry, "inbound_nodes": calls})
    return kept


def _call_tensors(entry):
    """(keyword or None, tensor) for every tensor an entry's calls take."""
    calls = entry.get("inbound_nodes") if isinstance(entry, dict) else None
    for call in calls if isinstance(calls, list) else []:
        if not isinstance(call, dict):
            continue
        named = [(None, a) for a in call.get("args") or []]
        named += list((call.get("kwargs") or {}).items())
        for key, value in named:
            for tensor in value if isinstance(value, list) else [value]:
                if _is_tensor(tensor):
                    yield key, tensor


def _source(tensor):
    """The name of the layer or op that made a Keras tensor, or None."""
    history = tensor["config"].get("keras_history") if _is_tensor(tensor) else None
    return history[0] if isinstance(history, list) and history else None


def _sequential_spec(config, entries):
    if not entries:
        raise KerasFileError("The Sequential model has no layers.")
    layers = [_layer(entry)[1] for entry in entries]
    if layers[0]["class"] != "InputLayer":
        shape = config.get("build_input_shape") or (entries[0].get("build_config") or {}).get(
            "input_shape")
        if not isinstance(shape, list) or len(shape) < 2:
            raise KerasFileError(
                "The Sequential model has no input shape; build it (or start it with "
                "keras.Input) before saving."
            )
        layers.insert(0, _input_layer("input_layer", {"batch_shape": shape}))
    if any(layer["class"] == "InputLayer" for layer in layers[1:]):
        raise KerasFileError("The Sequential model has an InputLayer after its first layer.")
    name = layers[0]["name"]
    node = {"id": name, "layer": name, "args": []}
    return _spec(config, "Sequential", layers, [node], [{"node": name, "output": 0}], [], True,
                 True)


def _spec(config, model_class, layers, nodes, inputs, outputs, single_input, single_output):
    name = config.get("name") or "model"
    if not isinstance(name, str):
        raise KerasFileError(f"The model name must be a string, got {name!r}.")
    return {"format": FORMAT, "version": VERSION, "name": name, "model_class": model_class,
            "layers": layers, "nodes": nodes, "inputs": inputs, "outputs": outputs,
            "single_input": single_input, "single_output": single_output}


def _in_order(nodes):
    """The nodes with each after the nodes it uses (a shared layer's later call may come late)."""
    done, ordered, pending = set(), [], list(nodes)
    while pending:
        ready = [n for n in pending if all(r["node"] in done for r in _node_references(n))]
        if not ready:
            missing = sorted({r["node"] for n in pending for r in _node_references(n)} - done
                             - {n["id"] for n in pending})
            raise KerasFileError(
                f"The graph refers to layer calls that are not in it ({', '.join(missing)}) "
                "or has a cycle."
            )
        ordered += ready
        done.update(n["id"] for n in ready)
        pending = [n for n in pending if n["id"] not in done]
    return ordered


def _references(args):
    return [r for a in args for r in (a if isinstance(a, list) else [a])]


def _node_references(node):
    """The tensors a node uses: its arguments' and its keyword arguments' (an op's, anywhere
    in its arguments)."""
    if "op" in node:
        return list(_op_references(node["args"]))
    return _references([*node["args"], *node.get("kwargs", {}).values()])


def _op_references(value):
    if isinstance(value, list):
        for v in value:
            yield from _op_references(v)
    elif isinstance(value, dict):
        if "tensor" in value:
            yield value["tensor"]
        else:
            for v in value.values():
                yield from _op_references(v)


def _endpoints(value, what):
    """([references], single) from Keras's ["name", 0, 0] or [["name", 0, 0], ...]."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [_history(value, what)], True
    if not isinstance(value, list) or not value:
        raise KerasFileError(f"The model config has no {what}.")
    return [_history(v, what) for v in value], False


def _history(value, where):
    """A reference from Keras's [layer name, node index, tensor index]."""
    if (not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str)
            or not all(isinstance(v, int) for v in value[1:])):
        raise KerasFileError(f"{where} has a malformed tensor reference {value!r}.")
    name, node, output = value
    return {"node": name if node == 0 else f"{name}#{node}", "output": output}


def _call_arguments(name, layer_class, call):
    """(the positional tensor arguments of one call, in the order the engine's layer takes,
    and its tensor keyword arguments that stay keywords: initial_state=[h, c])."""
    if not isinstance(call, dict):
        raise KerasFileError(f"Layer {name!r} has a malformed inbound node {call!r}.")
    args = [_tensor_argument(name, a) for a in call.get("args") or []]
    parameters = [p for p in inspect.signature(layer_class.call).parameters
                  if p not in ("self", "training")]
    keywords = {}
    for key, value in (call.get("kwargs") or {}).items():
        if key in _KEYWORD_TENSORS and value is not None:
            keywords[key] = _tensor_argument(name, value)
        elif _is_tensor(value) and key in parameters:
            index = parameters.index(key)
            args += [None] * (index + 1 - len(args))
            args[index] = _tensor_argument(name, value)
        elif not (key == "training" or key in _CALL_FLAGS and value in (None, False)):
            raise KerasFileError(
                f"Layer {name!r} is called with {key}={_short(value)}, which the engine's "
                f"{layer_class.__name__} does not take."
            )
    if None in args:
        raise KerasFileError(f"Layer {name!r} is called without some of its tensor arguments.")
    return args, keywords


def _tensor_argument(name, value):
    if isinstance(value, list) and all(_is_tensor(v) for v in value):
        return [_history(v["config"].get("keras_history"), f"Layer {name!r}") for v in value]
    if _is_tensor(value):
        return _history(value["config"].get("keras_history"), f"Layer {name!r}")
    raise KerasFileError(
        f"Layer {name!r} is called with {_short(value)} where a tensor is expected; the engine "
        "takes only tensors from other layers as call arguments."
    )


def _is_tensor(value):
    return (isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"
            and isinstance(value.get("config"), dict))


# ------------------------------------------------------------------------------ layers
def _layer(entry) -> tuple[str, dict]:
    """(name, spec entry) for one Keras layer entry, or a KerasFileError saying why not."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise KerasFileError(f"A layer entry is not a JSON object with a config: {_short(entry)}.")
    config = entry["config"]
    class_name, name = entry.get("class_name"), config.get("name", entry.get("name"))
    where = f"Layer {name!r}"
    if not isinstance(class_name, str):
        raise KerasFileError(f"{where} has the class name {_short(class_name)}, which is not "
                             "a built-in Keras layer the engine has (a name is a string).")
    if class_name == "Lambda":
        return name, _lambda_layer(name, config)
    if class_name in MODEL_CLASSES:
        raise KerasFileError(
            f"{where} is a nested {class_name} model; the engine reads flat models. Rebuild "
            "it as one functional model of layers."
        )
    module, registered = entry.get("module"), entry.get("registered_name")
    custom = _custom_layer(class_name, registered)
    if custom is not None:
        if not isinstance(name, str) or not name or "/" in name:
            raise KerasFileError(f"A {class_name} layer has the invalid name {name!r}.")
        return name, {"class": custom, "name": name, "config": plain_config(config)}
    if class_name not in LAYERS and not _is_keras_module(module, _LAYER_MODULES) and (
            isinstance(registered, str)):
        raise KerasFileError(
            f"{where} is {class_name!r} (module {module!r}), a layer class of your own that is "
            f"not known here: pass custom_objects={{{registered!r}: TheClass}} or register "
            "the class with @engine.saving.register_keras_serializable() before loading. "
            "Nothing named in a file is imported."
        )
    if (not isinstance(class_name, str) or class_name not in LAYERS
            or not _is_keras_module(module, _LAYER_MODULES) or registered is not None):
        raise KerasFileError(
            f"{where} is {class_name!r} (module {module!r}, registered as {registered!r}), "
            "which is not a built-in Keras layer the engine has. It reads: "
            f"{', '.join(sorted(LAYERS))}."
        )
    if not isinstance(name, str) or not name or "/" in name:
        raise KerasFileError(f"A {class_name} layer has the invalid name {name!r}.")
    if class_name == "InputLayer":
        return name, _input_layer(name, config)
    return name, {"class": class_name, "name": name,
                  "config": _layer_config(class_name, name, config)}


def _lambda_layer(name, config) -> dict:
    """A Lambda's entry, its function as Keras wrote it (the layer loads it only out of safe
    mode), or a KerasFileError in safe mode, before any of its code is read."""
    if in_safe_mode():
        raise KerasFileError(
            f"Layer {name!r} is a Lambda layer, which holds Python code; in safe mode (the "
            "default) the engine never loads code from a model. If you trust the file, load it "
            "with safe_mode=False, or replace the Lambda with built-in layers before saving.")
    arguments = {key: config[key] for key in ("function", "output_shape", "mask", "arguments")
                 if config.get(key) is not None}
    return {"class": "Lambda", "name": name, "config": {
        **arguments, "name": name, "dtype": _dtype(config.get("dtype", "float32"), name, _DTYPES)}}


def _custom_layer(class_name, registered):
    """The name the user's registered (or passed) layer class is known by here, or None."""
    from engine.saving import registry

    for key in (registered, class_name):
        cls = registry.get_registered_object(key) if isinstance(key, str) else None
        if isinstance(cls, type) and issubclass(cls, Layer) and LAYERS.get(key) is not cls:
            return key
    return None


def _layer_class(name):
    """The engine's layer class, or the user's registered one, that a spec entry names."""
    from engine.saving import registry

    return LAYERS.get(name) or registry.get_registered_object(name)


def plain_config(config: dict) -> dict:
    """A config of the user's own class as the engine's Layer takes it: Keras's DTypePolicy
    object as its dtype name."""
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        return {**config, "dtype": (dtype.get("config") or {}).get("name", "float32")}
    return dict(config)


def _input_layer(name, config) -> dict:
    shape = config.get("batch_shape", config.get("batch_input_shape"))
    if not isinstance(shape, list) or len(shape) < 2:
        raise KerasFileError(f"Input {name!r} has no batch_shape (got {_short(shape)}).")
    dtype = _dtype(config.get("dtype", "float32"), name, {"float32", "float64", "int32"})
    for key in ("sparse", "ragged", "optional"):
        if config.get(key):
            raise KerasFileError(f"Input {name!r} is {key}; the engine takes dense inputs only.")
    return {"class": "InputLayer", "name": name,
            "config": {"shape": shape[1:], "batch_size": shape[0], "dtype": dtype, "name": name}}


def _layer_config(class_name, name, config) -> dict:
    accepted = _parameters(LAYERS[class_name])
    where = f"Layer {name!r} ({class_name})"
    result = {}
    for key, value in config.items():
        if key == "dtype":
            result[key] = _dtype(value, name, _DTYPES | (
                {"int32", "int64"} if class_name in _INTEGER_LAYERS else set()))
        elif key.endswith("_initializer") and key in accepted:
            initializer = _initializer(value, where, key)
            if initializer is not None:
                result[key] = initializer
        elif key == "activation" or key == "recurrent_activation":
            result[key] = _activation(value, where, key)
        elif key.endswith(("_regularizer", "_constraint")) and key in accepted:
            result[key] = value  # Keras's dict, read by name from a fixed table by the layer
        elif key in _layer_arguments(class_name):
            result[key] = _held_layers(value)
        elif key in accepted:
            if isinstance(value, dict):
                raise KerasFileError(f"{where} has {key}={_short(value)}, an object the engine "
                                     "cannot read; it takes plain values there.")
            result[key] = _CANONICAL.get((class_name, key), lambda v: v)(value)
        elif key.endswith(("_regularizer", "_constraint")):
            if value is not None:
                warnings.warn(f"{where}: {key} is dropped (the engine's {class_name} has "
                              "none); it changes training only, not predictions.",
                              stacklevel=4)
        elif key in _NEUTRAL:
            if value not in _NEUTRAL[key]:
                raise KerasFileError(f"{where} has {key}={value!r}; the engine computes only "
                                     f"with {key}={_NEUTRAL[key][0]!r}.")
        elif key not in _IRRELEVANT and value not in (None, False, 0, 0.0, [], {}):
            raise KerasFileError(
                f"{where} sets {key}={_short(value)}, which the engine's {class_name} does not "
                "support; save the model without it."
            )
    return result


def _layer_arguments(class_name) -> set:
    """The arguments of `class_name` that hold layers (RNN's cell, Bidirectional's layer)."""
    return {a.name for a in DECLARED[class_name].arguments if isinstance(a, LayerArgument)}


def _held_layers(value):
    """A layer held in a config (or a list of them), read as the model's own layers are:
    a built-in Keras layer the engine has, with plain values."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_held_layers(v) for v in value]
    _, entry = _layer(value)
    return {"class_name": entry["class"], "config": entry["config"]}


def _parameters(layer_class) -> set:
    names = set()
    for cls in layer_class.__mro__:
        if "__init__" in vars(cls):
            names |= set(inspect.signature(cls.__init__).parameters) - {"self", "kwargs"}
        if cls is Layer:
            break
    return names


def _dtype(value, name, allowed):
    if isinstance(value, dict):  # a DTypePolicy: {"class_name": "DTypePolicy", "config": {...}}
        value = (value.get("config") or {}).get("name")
    if value not in allowed:
        raise KerasFileError(f"Layer {name!r} computes in dtype {value!r}; the engine reads "
                             f"{', '.join(sorted(allowed))} models.")
    return value


def _activation(value, where, key):
    """The engine's name of an activation: one of its own, or a function of the user's that
    is registered here (Keras writes those as {"class_name": "function", "config": name})."""
    from engine.saving import registry

    if isinstance(value, str) and value in activations.NAMES:
        return value
    if isinstance(value, dict) and value.get("class_name") == "function":
        value = value.get("config")
    if isinstance(value, str) and callable(registry.get_registered_object(value)):
        return value
    raise KerasFileError(f"{where} has {key}={_short(value)}, which is not an activation the "
                         f"engine has ({', '.join(activations.NAMES)}).")


def _initializer(value, where, key):
    """The engine's initializer name, or None (the engine's default) with a warning."""
    from engine import initializers

    if isinstance(value, str) and value in initializers.NAMES:
        return value
    if isinstance(value, dict):
        module, registered = value.get("module"), value.get("registered_name")
        if not _is_keras_module(module, ("keras.initializers", "keras.src.initializers")) or (
                registered is not None):
            raise KerasFileError(
                f"{where} has {key} from {module!r} (registered as {registered!r}); only Keras's "
                "own initializers are read."
            )
        known = _INITIALIZERS.get(value.get("class_name"))
        arguments = value.get("config") or {}
        if known and all(arguments.get(k, v) == v for k, v in known[1].items()):
            return known[0]
    warnings.warn(f"{where}: {key}={_short(value)} has no engine equivalent; the layer's "
                  "default is used for fresh weights (loaded weights are unaffected).",
                  stacklevel=5)
    return None


def _is_keras_module(module, prefixes) -> bool:
    return isinstance(module, str) and any(
        module == p or module.startswith(f"{p}.") for p in prefixes)


def _list(mapping, key, where):
    value = mapping.get(key)
    if not isinstance(value, list):
        raise KerasFileError(f"{where} has no {key!r} list.")
    return value


def _short(value, limit=80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."
