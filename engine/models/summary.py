"""model.summary(): a table of layers, output shapes, parameter counts and connections.

A subclassed model has no graph: its table lists the layers it holds and their parameters,
with output shapes unknown ("?"), as Keras shows them. An op node shows as Keras shows it:
its name and Keras's class name for the op ("get_item (GetItem)"), no parameters.
"""

from __future__ import annotations

import numpy as np

from engine.layers.op_node import Operation
from engine.models.spec import node_ids


def summary_text(model) -> str:
    rows = _held_layer_rows(model) if model.subclassed else _graph_rows(model)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row):
        cells = [
            cell.rjust(w) if i == 2 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths))
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * len(line(rows[0]))
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    total = model.count_params()
    body = [line(rows[0]), rule, *(line(r) for r in rows[1:]), rule]
    totals = [
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
    ]
    backend = model.backend.name
    return "\n".join([f'Model: "{model.name}" (backend: {backend})', rule, *body, *totals])


def _held_layer_rows(model) -> list:
    rows = [("Layer (type)", "Output Shape", "Param #")]
    for layer in model.layers:
        rows.append((f"{layer.name} ({type(layer).__name__})", "?", f"{layer.count_params():,}"))
    return rows


def _graph_rows(model) -> list:
    model.require_graph()
    ids = node_ids(model)
    rows = [("Layer (type)", "Output Shape", "Param #", "Connected to")]
    seen = set()
    for tensor in model.inputs:
        layer = tensor.node.layer
        rows.append((f"{layer.name} ({type(layer).__name__})", _shape(tensor.shape), "0", ""))
    for node in model._nodes:
        layer = node.layer
        params = "0" if layer in seen else f"{layer.count_params():,}"
        seen.add(layer)
        shapes = ", ".join(_shape(t.shape) for t in node.outputs)
        sources = ", ".join(ids[t.node] for t in node.input_tensors)
        kind = layer.type_name if isinstance(layer, Operation) else type(layer).__name__
        rows.append((f"{ids[node]} ({kind})", shapes, params, sources))
    return [row[:3] for row in rows] if _is_chain(model) else rows


def _shape(shape) -> str:
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + (",)" if len(shape) == 1 else ")")
    )


def _is_chain(model) -> bool:
    """Whether each layer takes just the previous one's output (the column adds nothing)."""
    previous = model.inputs[0] if len(model.inputs) == 1 else None
    for node in model._nodes:
        # by identity: `!=` on symbolic tensors is an op, as in Keras
        if len(node.input_tensors) != 1 or node.input_tensors[0] is not previous:
            return False
        previous = node.outputs[0]
    return True
