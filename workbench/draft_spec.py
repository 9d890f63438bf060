"""A draft's nodes, and reading them from a graph spec (docs/graph-spec.md).

A spec from anywhere is safe to read: only allowlisted classes are accepted, and configs are
data (the layers are built later, by the analysis, from these values).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.layers import LAYERS
from engine.models.spec import FORMAT, VERSION
from workbench import palette
from workbench.errors import DraftError
from workbench.protocol import Ref


@dataclass
class DraftNode:
    id: str
    class_name: str
    config: dict  # every constructor argument except the name (the id is the name)
    sources: list  # per tensor argument (palette.ports), a list of Refs
    position: tuple = (0.0, 0.0)


def spec_to_nodes(spec) -> tuple:
    """(name, nodes, explicit outputs) from a graph spec; DraftError if it cannot be edited."""
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise DraftError(f'Not a graph spec: it needs "format": {FORMAT!r}.')
    if not isinstance(spec.get("version"), int) or not 1 <= spec["version"] <= VERSION:
        raise DraftError(f"Graph spec version {spec.get('version')!r} is not supported.")
    entries = {}
    for entry in _list(spec, "layers"):
        name, class_name = entry.get("name"), entry.get("class")
        if not isinstance(class_name, str) or class_name not in LAYERS:
            raise DraftError(f"Layer {name!r} has class {class_name!r}, not an engine layer.")
        if (
            not isinstance(name, str)
            or name in entries
            or not isinstance(entry.get("config"), dict)
        ):
            raise DraftError(f"Layer entry {name!r} needs a unique name and a config object.")
        entries[name] = entry
    nodes = {}
    for item in _list(spec, "nodes"):
        node_id, layer = item.get("id"), item.get("layer")
        if isinstance(item, dict) and "op" in item:
            raise DraftError(
                f"Node {node_id!r} applies engine.ops.{item['op']} to tensors directly, and the "
                "editor has no node for an op yet: build that step with a layer (Add, "
                "Multiply, Activation, ...) to edit the graph here, or keep editing it in code."
            )
        if (
            not isinstance(layer, str)
            or node_id != layer
            or layer not in entries
            or node_id in nodes
        ):
            raise DraftError(
                f"Node {node_id!r} calls layer {layer!r} again (a shared layer) or an unknown "
                "one; the editor opens graphs where each layer is called once."
            )
        entry = entries[layer]
        config = {k: v for k, v in entry["config"].items() if k != "name"}
        known = {a["name"] for a in palette.arguments(entry["class"])}
        config = {
            **palette.defaults(entry["class"]),
            **{k: v for k, v in config.items() if k in known},
        }
        sources = [[] for _ in palette.ports(entry["class"])]
        args = item.get("args") or []
        if not isinstance(args, list):
            raise DraftError(f"Node {node_id!r} needs 'args' as a list, got {args!r}.")
        for index, arg in enumerate(args):
            if index >= len(sources):
                raise DraftError(f"Node {node_id!r} has more tensor arguments than it takes.")
            refs = arg if isinstance(arg, list) else [arg]
            sources[index] = [_spec_ref(r, nodes, node_id) for r in refs]
        nodes[node_id] = DraftNode(node_id, entry["class"], config, sources)
    outputs = [_spec_ref(r, nodes, "outputs") for r in _list(spec, "outputs")]
    return str(spec.get("name") or "model"), nodes, outputs or None


def _list(spec, key) -> list:
    value = spec.get(key)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DraftError(f"The graph spec needs {key!r} as a list of objects.")
    return value


def _spec_ref(ref, nodes, where) -> Ref:
    node = ref.get("node") if isinstance(ref, dict) else None
    if not isinstance(node, str) or node not in nodes:
        raise DraftError(f"{where!r} refers to {ref!r}, which is not a node defined before it.")
    output = ref.get("output", 0)
    if not isinstance(output, int) or output < 0:
        raise DraftError(f"{where!r} refers to output {output!r}, which is not an index.")
    return Ref(ref["node"], output)
