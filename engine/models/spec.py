"""The graph spec: a model's architecture as plain JSON, and models rebuilt from one.

The schema is documented in docs/graph-spec.md. Rebuilding only ever instantiates classes from
the engine's own allowlist (engine.layers.LAYERS) with JSON values as arguments, and calls only
the engine.ops functions of op_node.GRAPH_OPS: nothing named in a spec is imported or run, so a
spec from anywhere is safe to load.
"""

from __future__ import annotations

import json

from engine.errors import EngineError, SpecError
from engine.layers import op_node
from engine.layers.input_layer import InputLayer
from engine.saving import registry

FORMAT = "model-workbench.graph"
VERSION = 2
# Version 2 added op nodes; a spec without them is written as version 1, which older readers
# still read.
OP_NODES_VERSION = 2


def node_ids(model) -> dict:
    """Node -> id: the layer's name for its first call in the model, then name#1, name#2..."""
    ids, calls = {}, {}
    for layer in model._layers:
        if isinstance(layer, InputLayer):
            ids[layer.inbound_nodes[0]] = layer.name
    for node in model._nodes:
        count = calls.get(node.layer.name, 0)
        calls[node.layer.name] = count + 1
        ids[node] = node.layer.name if count == 0 else f"{node.layer.name}#{count}"
    return ids


def to_spec(model) -> dict:
    model.require_graph()
    ids = node_ids(model)

    def ref(tensor):
        return {"node": ids[tensor.node], "output": tensor.index}

    def arg(value):
        return [ref(t) for t in value] if isinstance(value, list) else ref(value)

    def entry(node):
        if isinstance(node.layer, op_node.Operation):
            return {"id": ids[node], **node.layer.to_json(ref)}
        entry = {"id": ids[node], "layer": node.layer.name, "args": [arg(a) for a in node.args]}
        if node.kwargs:  # tensor keyword arguments: LSTM's initial_state=[h, c]
            entry["kwargs"] = {key: arg(a) for key, a in node.kwargs.items()}
        return entry

    nodes = [{"id": ids[t.node], "layer": t.node.layer.name, "args": []} for t in model.inputs] + [
        entry(node) for node in model._nodes
    ]
    has_ops = any("op" in node for node in nodes)
    from engine.models.sequential import Sequential

    return {
        "format": FORMAT,
        "version": OP_NODES_VERSION if has_ops else 1,
        "name": model.name,
        "model_class": "Sequential" if isinstance(model, Sequential) else "Model",
        "layers": [
            {"class": class_name(layer), "name": layer.name, "config": layer.get_config()}
            for layer in model._layers
        ],
        "nodes": nodes,
        "inputs": [ref(t) for t in model.inputs],
        "outputs": [ref(t) for t in model.outputs],
        "single_input": model._single_input,
        "single_output": model._single_output,
        "trainable": model.trainable,
    }


def class_name(layer) -> str:
    """How a spec names the layer's class: an engine layer by its name, one of the user's by
    its registered name (engine.saving.register_keras_serializable), else its own name."""
    from engine.layers import LAYERS

    cls = type(layer)
    return cls.__name__ if LAYERS.get(cls.__name__) is cls else registry.get_registered_name(cls)


def model_from_spec(spec, custom_objects=None, safe_mode=True):
    """A new model (fresh weights) built from a spec dict or its JSON text. Layers of the
    user's own classes come from `custom_objects` (name -> class), an active
    custom_object_scope or the registry; nothing else is built. Code the spec carries (a
    Lambda's function) is loaded only with `safe_mode=False`."""
    if isinstance(spec, (str, bytes)):
        try:
            spec = json.loads(spec)
        except ValueError as error:
            raise SpecError(f"The graph spec is not valid JSON: {error}.") from error
    _check_header(spec)
    with registry.custom_object_scope(custom_objects), registry.safe_mode_scope(safe_mode):
        return assemble(spec, _build_layers(_field(spec, "layers", list)))


def assemble(spec, layers: dict):
    """The model of a checked spec, from its layers (spec name -> layer) called as it says."""
    from engine.models.functional import Model
    from engine.models.sequential import Sequential

    name = _field(spec, "name", str)
    trainable = spec.get("trainable", True)
    if not isinstance(trainable, bool):
        raise SpecError(f"'trainable' must be true or false, got {trainable!r}.")
    if spec.get("model_class") == "Sequential":
        return Sequential(list(layers.values()), name=name, trainable=trainable)
    tensors = _connect(_field(spec, "nodes", list), layers)
    inputs = [_lookup(tensors, r, "inputs") for r in _field(spec, "inputs", list)]
    outputs = [_lookup(tensors, r, "outputs") for r in _field(spec, "outputs", list)]
    single_in, single_out = spec.get("single_input", True), spec.get("single_output", True)
    return Model(
        inputs[0] if single_in and len(inputs) == 1 else inputs,
        outputs[0] if single_out and len(outputs) == 1 else outputs,
        name=name,
        trainable=trainable,
    )


def _check_header(spec):
    if not isinstance(spec, dict):
        raise SpecError(f"A graph spec is a JSON object, got {type(spec).__name__}.")
    if spec.get("format") != FORMAT:
        raise SpecError(
            f"Not a graph spec: 'format' must be {FORMAT!r}, got {spec.get('format')!r}."
        )
    version = spec.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise SpecError(
            f"Graph spec version {version!r} is not supported (this engine reads versions 1 to "
            f"{VERSION}); upgrade model-workbench to open it."
        )


def _field(mapping, key, kind, where="the graph spec"):
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, kind):
        raise SpecError(f"{where} needs {key!r} as a {kind.__name__}, got {value!r}.")
    return value


def _build_layers(entries) -> dict:
    from engine.layers import LAYERS

    layers = {}
    for entry in entries:
        class_name = _field(entry, "class", str, "each layer entry")
        name = _field(entry, "name", str, "each layer entry")
        config = _field(entry, "config", dict, f"layer {name!r}")
        if name in layers:
            raise SpecError(f"Two layers are named {name!r}; layer names must be unique.")
        if class_name in LAYERS:
            cls, config = LAYERS[class_name], {**config, "name": name}
        else:
            cls = _custom_layer_class(name, class_name)
        try:
            layers[name] = cls.from_config(config)
        except (TypeError, ValueError) as error:
            raise SpecError(f"Layer {name!r} ({class_name}) has a bad config: {error}") from error
    return layers


def _custom_layer_class(name, class_name):
    """The user's layer class that a spec names, from custom objects or the registry."""
    from engine.layers import LAYERS
    from engine.layers.layer import Layer

    cls = registry.get_registered_object(class_name)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise SpecError(
            f"Layer {name!r} has class {class_name!r}, which is not an engine layer nor a "
            "layer class of your own known here: pass custom_objects={"
            f"{class_name!r}: TheClass}} or register the class with "
            "@engine.saving.register_keras_serializable(). Engine layers: "
            f"{', '.join(sorted(LAYERS))}."
        )
    return cls


def _connect(nodes, layers) -> dict:
    """Call the layers and ops on symbolic tensors in node order; returns node id -> outputs."""
    tensors = {}
    for entry in nodes:
        node_id = _field(entry, "id", str, "each node")
        if node_id in tensors:
            raise SpecError(f"Two nodes have the id {node_id!r}.")
        if isinstance(entry, dict) and "op" in entry:
            result = _call_op(entry, node_id, tensors)
            tensors[node_id] = list(result) if isinstance(result, (list, tuple)) else [result]
            continue
        layer_name = _field(entry, "layer", str, f"node {node_id!r}")
        if layer_name not in layers:
            raise SpecError(f"Node {node_id!r} uses layer {layer_name!r}, which is not defined.")
        layer = layers[layer_name]
        args = _field(entry, "args", list, f"node {node_id!r}")
        if isinstance(layer, InputLayer):
            tensors[node_id] = [layer.output]
            continue
        keywords = entry.get("kwargs", {})  # tensor keyword arguments: initial_state=[h, c]
        if not isinstance(keywords, dict):
            raise SpecError(f"Node {node_id!r} needs 'kwargs' as a dict, got {keywords!r}.")
        try:
            result = layer(*(_argument(tensors, a, node_id) for a in args),
                           **{k: _argument(tensors, a, node_id) for k, a in keywords.items()})
        except EngineError as error:
            raise SpecError(f"Node {node_id!r} cannot be connected: {error}") from error
        tensors[node_id] = result if isinstance(result, list) else [result]
    return tensors


def _argument(tensors, value, where):
    """A node's tensor argument from its reference, or its list of references."""
    if isinstance(value, list):
        return [_lookup(tensors, ref, where) for ref in value]
    return _lookup(tensors, value, where)


def _call_op(entry, node_id, tensors):
    """An op node's entry, called on the tensors it refers to: only ops of GRAPH_OPS."""
    op_name = _field(entry, "op", str, f"node {node_id!r}")
    if op_name not in op_node.GRAPH_OPS:
        raise SpecError(
            f"Node {node_id!r} names op {op_name!r}, which is not an engine op a graph may "
            "call: op nodes name functions of engine.ops (docs/graph-spec.md), nothing else."
        )
    name = _field(entry, "name", str, f"node {node_id!r}")
    where = f"node {node_id!r}"
    args, kwargs = _field(entry, "args", list, where), _field(entry, "kwargs", dict, where)

    def lookup(ref):
        return _lookup(tensors, ref, node_id)

    try:
        args = op_node.from_json(args, lookup)
        kwargs = {key: op_node.from_json(value, lookup) for key, value in kwargs.items()}
    except SpecError:
        raise
    except ValueError as error:
        message = f"Node {node_id!r} (op {op_name!r}) has a bad argument: {error}."
        raise SpecError(message) from error
    try:
        return op_node.record(op_name, args, kwargs, name=name)
    except EngineError as error:
        raise SpecError(f"Node {node_id!r} cannot be connected: {error}") from error


def _lookup(tensors, ref, where):
    node = ref.get("node") if isinstance(ref, dict) else None
    index = ref.get("output", 0) if isinstance(ref, dict) else None
    if node not in tensors:
        raise SpecError(
            f"{where!r} refers to node {node!r}, which is not defined before it "
            "(nodes must be listed after the nodes they use)."
        )
    if not isinstance(index, int) or not 0 <= index < len(tensors[node]):
        raise SpecError(f"{where!r} refers to output {index!r} of node {node!r}, which has none.")
    return tensors[node][index]
