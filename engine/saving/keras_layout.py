"""Where each of a model's variables sits in Keras 3's weights file (`.weights.h5`, and the
model.weights.h5 inside a `.keras` file), so the engine writes and reads Keras's own layout.

A functional or Sequential model keeps each layer under `layers/<snake_case class>[_n]`. A
subclassed model is walked as Keras walks it: its public attributes in sorted order (the
`layers` list among them), its private ones last, every object once, each list's items named
by their class with a counter over the whole list. A layer keeps its own variables in
`<path>/vars`; a built-in layer holding layers (an RNN's cell, MultiHeadAttention's
projections) has them in the groups Keras names after those (keras_file.weight_groups).
"""

from __future__ import annotations

from engine import naming
from engine.layers import LAYERS
from engine.layers.layer import Layer


def layer_groups(model) -> list[tuple[str, list]]:
    """(group path, Variables) for every group of `model`'s layers that holds variables."""
    groups: list = []
    if getattr(model, "subclassed", False):
        _walk(model, "", groups, set(), is_model=True)
        return [(path, variables) for path, variables in groups if variables]
    for layer, path in _named(saved_layers(model), "layers"):
        _walk(layer, path, groups, set())
    return [(path, variables) for path, variables in groups if variables]


def saved_layers(model) -> list:
    """The layers Keras saves: a Sequential's without its input layer, a graph's all."""
    from engine.layers.input_layer import InputLayer
    from engine.models.sequential import Sequential

    if isinstance(model, Sequential):
        return [layer for layer in model.layers if not isinstance(layer, InputLayer)]
    return list(model.layers)


def _named(layers, prefix):
    """(layer, path): each under its snake_case class name, counted over the list."""
    used: dict[str, int] = {}
    for layer in layers:
        # Keras's Python class where it is not the exported name (GroupedQueryAttention)
        base = naming.snake_case(getattr(layer, "keras_class", type(layer).__name__))
        count = used.get(base, -1) + 1
        used[base] = count
        yield layer, f"{prefix}/{base}" if count == 0 else f"{prefix}/{base}_{count}"


def _layer_groups(layer, path) -> list[tuple[str, list]]:
    """A built-in layer's variables, by the groups Keras gives them below `path`."""
    from engine.export.keras_file import weight_groups

    if not layer.weights:
        return []
    if type(layer).__name__ == "SpectralNormalization":
        # Keras keeps the wrapped kernel among the wrapper's own variables and the layer's
        return [(f"{path}/vars", [layer.kernel, *layer._weights]),
                *_layer_groups(layer.layer, f"{path}/layer")]
    places = weight_groups(type(layer).__name__, layer.get_config())
    parts = _by_holder(layer)
    if len(parts) != len(places):
        raise ValueError(f"Layer {layer.name!r} holds {len(parts)} groups of weights where "
                         f"Keras keeps {len(places)}; its weights cannot be laid out as "
                         "Keras's.")
    return [(f"{path}/{place}", weights) for place, weights in zip(places, parts)]


def _by_holder(layer) -> list[list]:
    """The layer's weights grouped by the layer that made them (a cell, each direction's
    layer) and, among the layer's own, by the part of the name between the layer's name and
    the weight's (MultiHeadAttention's query/key/value/attention_output), in order."""
    holder = {}
    pending = [layer]
    while pending:
        current = pending.pop()
        holder.update({id(w): id(current) for w in current._weights})
        pending += current.tracked_layers()
    groups: dict[tuple, list] = {}
    for weight in layer.weights:
        owner = holder.get(id(weight), id(layer))
        part = "/".join(weight.name.split("/")[1:-1]) if owner == id(layer) else ""
        groups.setdefault((owner, part), []).append(weight)
    return list(groups.values())


def _walk(layer, path, groups, visited, is_model=False) -> None:
    """Keras's walk of a user's layer or model: own variables, then attributes."""
    if id(layer) in visited:
        return
    visited.add(id(layer))
    if LAYERS.get(type(layer).__name__) is type(layer):
        groups.extend(_layer_groups(layer, path))
        return
    groups.append((_join(path, "vars"), _own_variables(layer)))
    for name, value in _attributes(layer, is_model):
        if isinstance(value, Layer):
            _walk(value, _join(path, name), groups, visited)
        else:
            for item, item_path in _named(value, _join(path, name)):
                _walk(item, item_path, groups, visited)


def _attributes(layer, is_model):
    """(name, a layer or a list of layers) in the order Keras visits attributes."""
    from engine.layers.tracking import BOOKKEEPING

    found = {}
    for name, value in vars(layer).items():
        if name.startswith("__") or name in BOOKKEEPING:
            continue
        if isinstance(value, Layer) and value is not layer:
            found[name] = value
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            layers = [item for item in items if isinstance(item, Layer)]
            if layers:
                found[name] = layers
    if is_model:
        found["layers"] = layer.tracked_layers()
    return sorted(found.items(), key=lambda item: f"~{item[0]}" if item[0].startswith("_")
                  else item[0])


def _own_variables(layer) -> list:
    """The variables a layer made itself (add_weight, or assigned), not its sublayers'."""
    from engine.layers import tracking

    return list(dict.fromkeys([*layer._weights, *tracking.attribute_variables(layer)]))


def _join(path, name) -> str:
    return f"{path}/{name}" if path else name
