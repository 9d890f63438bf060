"""A model's graph as plot_model and model_to_dot show it: a labelled box per call of a layer
or op, and the edges between them."""

from __future__ import annotations

from dataclasses import dataclass, field

RANKDIRS = ("TB", "LR", "BT", "RL")
SPLINES = ("ortho", "polyline", "line", "spline", "curved")
TRAINABLE = {True: ("Trainable", "forestgreen"), False: ("Non-trainable", "firebrick")}


@dataclass
class Box:
    """One call of a layer or op: its name (None where not shown) and class, lines under them
    ((label, value)) and a row of cells ((label, value or None, fill colour or None));
    `group` is "" or, for a layer of a nested model drawn expanded, the path of the models
    it is in ("outer/inner/")."""

    name: str | None
    kind: str
    lines: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    group: str = ""

    @property
    def header(self) -> str:
        return self.kind if self.name is None else f"{self.name} ({self.kind})"


def cell_text(label, value=None) -> str:
    return label if value is None else f"{label}: {value}"


def model_graph(model, show_shapes=False, show_dtype=False, show_layer_names=False,
                expand_nested=False, show_layer_activations=False,
                show_trainable=False) -> tuple[dict, list]:
    """({id: Box}, [(source id, target id)]) for the model: one box per input and per call
    of a layer or op; a model used as a layer is one box, or with `expand_nested` its own
    layers (named "model/layer"); a subclassed model, which has no graph, one box."""
    label = _Labeller(show_shapes, show_dtype, show_layer_names, show_layer_activations,
                      show_trainable)
    if getattr(model, "subclassed", False) and getattr(model, "built", True):
        return {model.name: label(model, model.name, None, "")}, []
    model.require_graph()
    from engine.models import Sequential

    boxes, edges, producers = {}, [], {}
    for tensor in model.inputs:
        if isinstance(model, Sequential):  # as Keras draws a Sequential: from its first layer
            producers[id(tensor)] = None
            continue
        box_id = tensor.node.layer.name
        boxes[box_id] = label(tensor.node.layer, box_id, tensor.node, "")
        producers[id(tensor)] = box_id
    _add_calls(model, "", boxes, edges, producers, label, expand_nested)
    return boxes, [edge for edge in dict.fromkeys(edges) if edge[0] is not None]


def _add_calls(model, prefix, boxes, edges, producers, label, expand_nested):
    """Add a box per call in `model`'s graph; `producers` maps each tensor (by id) to the
    box that gives it."""
    from engine.models.spec import node_ids

    ids = node_ids(model)
    for node in model._nodes:
        layer = node.layer
        if expand_nested and _is_graph_model(layer):
            for inner, outer in zip(layer.inputs, node.input_tensors):
                producers[id(inner)] = producers[id(outer)]
            _add_calls(layer, f"{prefix}{ids[node]}/", boxes, edges, producers, label,
                       expand_nested)
            for inner, outer in zip(layer.outputs, node.outputs):
                producers[id(outer)] = producers[id(inner)]
            continue
        box_id = prefix + ids[node]
        boxes[box_id] = label(layer, box_id, node, prefix)
        edges.extend((producers[id(tensor)], box_id) for tensor in node.input_tensors)
        for tensor in node.outputs:
            producers[id(tensor)] = box_id


def _is_graph_model(layer) -> bool:
    from engine.models import Model

    return isinstance(layer, Model) and not layer.subclassed


class _Labeller:
    """A Box for a layer's call, showing what plot_model's arguments ask for."""

    def __init__(self, shapes, dtype, names, activations, trainable):
        self.shapes, self.dtype, self.names = shapes, dtype, names
        self.activations, self.trainable = activations, trainable

    def __call__(self, layer, box_id, node, group) -> Box:
        from engine.layers.input_layer import InputLayer
        from engine.layers.op_node import Operation

        kind = layer.type_name if isinstance(layer, Operation) else type(layer).__name__
        box = Box(name=box_id if self.names else None, kind=kind, group=group)
        activation = getattr(layer, "activation", None)
        if self.activations and activation is not None:
            box.lines.append(("Activation", getattr(activation, "__name__", activation)))
        if self.shapes:
            if not isinstance(layer, InputLayer):
                shapes = None if node is None else [t.shape for t in node.input_tensors]
                box.cells.append(("Input shape", _shapes(shapes), None))
            shapes = None if node is None else [t.shape for t in node.outputs]
            box.cells.append(("Output shape", _shapes(shapes), None))
        if self.dtype:
            dtypes = None if node is None else [t.dtype for t in node.outputs]
            box.cells.append(("Output dtype", _listed(dtypes), None))
        if self.trainable and layer.weights:
            text, fill = TRAINABLE[bool(layer.trainable)]
            box.cells.append((text, None, fill))
        return box


def _shapes(shapes) -> str:
    if shapes is None:
        return "?"
    return _listed([tuple(shape) for shape in shapes])


def _listed(values) -> str:
    """One value as itself, several as a list, none known as "?" (as Keras writes them)."""
    if not values:
        return "?"
    return str(values[0]) if len(values) == 1 else "[" + ", ".join(map(str, values)) + "]"


# ------------------------------------------------------------------------- arguments
def check_arguments(function, model, rankdir, splines, kwargs) -> None:
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError(f"{function}: the argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"{function}: unrecognized keyword arguments: {sorted(kwargs)}.")
    if rankdir not in RANKDIRS:
        raise ValueError(f"{function}: `rankdir` must be one of {', '.join(RANKDIRS)}. "
                         f"Received: rankdir={rankdir!r}.")
    if splines not in SPLINES:
        raise ValueError(f"{function}: `splines` must be one of {', '.join(SPLINES)}. "
                         f"Received: splines={splines!r}.")
    if not getattr(model, "built", True):
        raise ValueError(f"{function}: model {model.name!r} has not been built yet. Build it "
                         "first by calling `build()` or by calling it on a batch of data.")
