"""model.summary(): a table of layers, output shapes, parameter counts and connections."""

from __future__ import annotations

import numpy as np

from engine.models.spec import node_ids


def summary_text(model) -> str:
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
        rows.append((f"{ids[node]} ({type(layer).__name__})", shapes, params, sources))
    if _is_chain(model):
        rows = [row[:3] for row in rows]
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
        if node.input_tensors != [previous]:
            return False
        previous = node.outputs[0]
    return True
