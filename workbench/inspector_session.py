"""The inspector's session: pick a node and a sample, see what that node computes.

For the selected node it sends the node's output for the selected sample (an `activation`
event) and a JSON report: statistics over a batch of samples and simple diagnostics. The
per-layer summaries of engine/inspection (being written) will replace `activation_report` here;
the trait's shape stays the same.
"""

from __future__ import annotations

import numpy as np

from engine import Model
from engine.models.spec import node_ids
from workbench.datasets import as_dataset
from workbench.errors import WorkbenchError
from workbench.session import Event, Session

REPORT_SAMPLES = 256
MOSTLY = 0.5  # share of units that makes a diagnostic worth showing


class InspectorSession(Session):
    title = "inspector"
    handlers = {
        "select_node": "on_select_node",
        "select_sample": "on_select_sample",
        "refresh": "on_refresh",
    }

    def __init__(self, model, data=None):
        super().__init__()
        self.data = None if data is None else as_dataset(data)
        self.set_model(model)

    def set_model(self, model) -> None:
        self.model = model
        ids = node_ids(model)
        self._tensors = {ids[t.node]: t for t in model.inputs}
        self._tensors.update({ids[node]: node.outputs[0] for node in model._nodes})
        self._probes: dict = {}
        self.selected_node: str | None = None
        self.selected_sample = 0
        self.report: dict | None = None
        self.publish_state()

    def state(self) -> dict:
        return {
            "nodes": [
                {
                    "id": node_id,
                    "class": type(tensor.node.layer).__name__,
                    "output_shapes": [list(t.shape) for t in tensor.node.outputs],
                    "params": tensor.node.layer.count_params(),
                }
                for node_id, tensor in self._tensors.items()
            ],
            "selected_node": self.selected_node,
            "selected_sample": self.selected_sample,
            "samples": 0 if self.data is None else len(self.data),
            "report": self.report,
        }

    def snapshot_events(self) -> list:
        return [self._activation_event()] if self._ready_to_probe() else []

    # -------------------------------------------------------------------------- intents
    def on_select_node(self, message) -> None:
        if message.node is not None and message.node not in self._tensors:
            raise WorkbenchError(
                f"The model has no node {message.node!r}; its nodes are {', '.join(self._tensors)}."
            )
        self.selected_node = message.node
        self._update()

    def on_select_sample(self, message) -> None:
        count = 0 if self.data is None else len(self.data)
        if message.index >= count:
            raise WorkbenchError(
                f"Sample {message.index} does not exist: there are {count} samples"
                f"{' (no data was given)' if self.data is None else ''}."
            )
        self.selected_sample = message.index
        self._update()

    def on_refresh(self, _message) -> None:
        self._update()

    # ------------------------------------------------------------------------- probing
    def _update(self) -> None:
        self.report = self._report() if self._ready_to_probe() else None
        self.publish_state("selected_node", "selected_sample", "report")
        if self._ready_to_probe():
            self.emit(self._activation_event())

    def _ready_to_probe(self) -> bool:
        return self.selected_node is not None and self.data is not None

    def _outputs(self, node_id, x) -> np.ndarray:
        if node_id not in self._probes:
            inputs = self.model.inputs
            self._probes[node_id] = Model(
                inputs if len(inputs) > 1 else inputs[0], self._tensors[node_id]
            )
        inputs = x if len(self.model.inputs) > 1 else x[0]
        return np.asarray(self._probes[node_id].predict(inputs), dtype=np.float32)

    def _batch(self, part) -> list:
        xs = self.data.x if isinstance(self.data.x, list) else [self.data.x]
        return [np.asarray(x)[part] for x in xs]

    def _activation_event(self) -> Event:
        index = self.selected_sample
        values = self._outputs(self.selected_node, self._batch(slice(index, index + 1)))[0]
        return Event("activation", {"node": self.selected_node, "sample": index, "values": values})

    def _report(self) -> dict:
        """Statistics of the selected node's outputs over the first samples (needs data)."""
        tensor = self._tensors[self.selected_node]
        values = self._outputs(self.selected_node, self._batch(slice(0, REPORT_SAMPLES)))
        return {
            "node": self.selected_node,
            "sample": self.selected_sample,
            "output_shape": list(tensor.shape),
            "stats": activation_stats(values),
            "diagnostics": diagnose(values, getattr(tensor.node.layer, "activation", None)),
        }


def activation_stats(values: np.ndarray) -> dict:
    return {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "min": float(values.min()),
        "max": float(values.max()),
        "fraction_zero": float(np.mean(values == 0)),
    }


def diagnose(values: np.ndarray, activation) -> list:
    """Dead ReLU units and saturated sigmoid/tanh units, over a batch (axis 0)."""
    units = values.reshape(len(values), -1)
    findings = []
    if activation == "relu":
        dead = float(np.mean(np.all(units == 0, axis=0)))
        if dead > MOSTLY:
            findings.append(
                _warning(
                    f"{dead:.0%} of the units output 0 for every sample (dead ReLUs): "
                    "try a lower learning rate or another initializer."
                )
            )
    if activation in ("tanh", "sigmoid"):
        low, high = (-0.99, 0.99) if activation == "tanh" else (0.01, 0.99)
        saturated = float(np.mean((units < low) | (units > high)))
        if saturated > MOSTLY:
            findings.append(
                _warning(
                    f"{saturated:.0%} of the outputs are saturated ({activation} near its "
                    "limits), so gradients through them are tiny: scale the inputs or lower "
                    "the learning rate."
                )
            )
    return findings


def _warning(message: str) -> dict:
    return {"severity": "warning", "message": message}
