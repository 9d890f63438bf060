"""Live shape inference for the draft graph, done by the engine itself.

Each node's layer is made from its config and called on symbolic tensors of its inputs'
shapes through engine.layers.shape_inference: the same checks as `engine.Model`'s, without
allocating weights or drawing from the seeded stream. A node whose config or inputs do not
fit gets the engine's message; nodes downstream of it wait, and the rest of the graph is
still inferred. Results are cached by (class, config, input shapes), so an edit only infers
what changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from engine.errors import EngineError
from engine.layers import LAYERS, shape_inference
from engine.layers.node import SymbolicTensor
from workbench import palette

CACHE_SIZE = 1024


@dataclass(frozen=True)
class NodeResult:
    output_shapes: tuple | None  # one shape per output; None when not inferable
    dtypes: tuple | None
    params: int | None
    status: str  # "ok" | "error" | "waiting"
    error: str | None


_cache: dict = {}


def analyze_nodes(nodes: dict, order: list) -> dict:
    """node id -> NodeResult for every node, visiting `order` (a topological order)."""
    results = {}
    for node_id in order:
        results[node_id] = _analyze(nodes[node_id], results)
    return results


def _analyze(node, results) -> NodeResult:
    missing = [
        a
        for a in palette.arguments(node.class_name)
        if a["required"] and node.config.get(a["name"]) is None
    ]
    if missing:
        names = ", ".join(f"`{a['name']}`" for a in missing)
        return NodeResult(None, None, None, "error", f"{node.class_name} needs {names}: set it.")
    inputs, waiting = _input_tensors(node, results)
    if waiting:
        return NodeResult(None, None, None, "waiting", waiting)
    key = _cache_key(node, inputs)
    if key not in _cache:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[key] = _infer(node, inputs)
    return _cache[key]


def _input_tensors(node, results):
    """(arguments as symbolic tensors, None) or (None, why the node must wait)."""
    args = []
    for (name, kind, optional), sources in zip(palette.ports(node.class_name), node.sources):
        if kind == "list" and len(sources) < palette.LIST_MINIMUM:
            return None, f"Connect at least two tensors to `{name}`."
        if not sources:
            if optional:
                break  # optional arguments are trailing ones
            return None, f"Connect a tensor to `{name}`."
        tensors = []
        for ref in sources:
            upstream = results.get(ref.node)
            if upstream is None or upstream.output_shapes is None:
                return None, f"Waiting for {ref.node!r}, which has no output shape yet."
            if ref.output >= len(upstream.output_shapes):
                return None, f"{ref.node!r} has no output {ref.output}."
            tensors.append(
                SymbolicTensor(upstream.output_shapes[ref.output], upstream.dtypes[ref.output])
            )
        args.append(tensors if kind == "list" else tensors[0])
    return args, None


def _cache_key(node, inputs):
    def describe(arg):
        if isinstance(arg, list):
            return tuple(describe(t) for t in arg)
        return (arg.shape, arg.dtype)

    config = json.dumps(node.config, sort_keys=True)
    return node.id, node.class_name, config, tuple(describe(a) for a in (inputs or []))


def _infer(node, inputs) -> NodeResult:
    config = {k: v for k, v in node.config.items() if v is not None or _nullable(node, k)}
    try:
        inferred = shape_inference.infer(
            LAYERS[node.class_name], {**config, "name": node.id}, *inputs
        )
    except EngineError as error:
        return NodeResult(None, None, None, "error", str(error))
    except Exception as error:  # any JSON may arrive as a config value: never break the draft
        return NodeResult(None, None, None, "error", f"{type(error).__name__}: {error}")
    return NodeResult(inferred.output_shapes, inferred.dtypes, inferred.params, "ok", None)


def _nullable(node, name):
    return any(a["name"] == name and a["nullable"] for a in palette.arguments(node.class_name))
