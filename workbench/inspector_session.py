"""The inspector's session: every layer's activations, gradients and weights over time, the
diagnostics of engine.inspection, and what the selected node outputs for one sample.

Records come from two places. `inspect` captures one batch of the data (when the inspector
opens, and on `refresh` while nothing trains); it needs a compiled model and never compiles
one itself: compiling resets the optimizer, which a view has no business doing. And
`self.callback`, an InspectionCallback, follows training: every TrainingSession that trains
this model adds it when it starts (pass it to `model.fit` to follow a fit in a cell). It
runs in the training thread, keeps what the views read under a lock and sends updates at
most twice a second, and once more when training ends. Both kinds go into one bounded
history, in the order they were taken, so every capture is a point of the table's sparklines.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from engine import Model
from engine.errors import EngineError
from engine.inspection import InspectionCallback, inspect, jsonable
from engine.inspection.layout import describe
from engine.inspection.store import BoundedHistory
from engine.models.tracing import functional_view
from workbench.datasets import as_dataset
from workbench.errors import WorkbenchError
from workbench.session import Event, Session
from workbench.training_session import ACTIVE, TrainingSession

CAPTURE_SAMPLES = 128  # the batch a one-shot capture runs on: the first samples of the data
UPDATE_INTERVAL = 0.5  # seconds between updates while training: at most two a second
SUMMARY_STATISTICS = ("mean", "std", "min", "max", "mean_abs", "l2", "zero_fraction")
# The columns of an `inspection_history` event, per layer and capture.
COLUMNS = (
    *(f"activation.{name}" for name in (*SUMMARY_STATISTICS, "nonfinite_fraction")),
    *(f"gradient.{name}" for name in (*SUMMARY_STATISTICS, "nonfinite_fraction")),
    "weights.l2",
    "weights.gradient_l2",
    "weights.update_ratio",
    "dead_fraction",
    "saturated_fraction",
)


class InspectorSession(Session):
    title = "inspector"
    handlers = {
        "select_node": "on_select_node",
        "select_sample": "on_select_sample",
        "refresh": "on_refresh",
        "set_every": "on_set_every",
    }

    def __init__(self, model, data=None, every: int = 10):
        super().__init__()
        self.data = None if data is None else as_dataset(data)
        self.every = _check_every(every)
        self.selected_node: str | None = None
        self.selected_sample = 0
        self._lock = threading.RLock()  # the training thread writes what the kernel reads
        TrainingSession.observers.add(self)
        self.set_model(model)

    def set_model(self, model) -> None:
        """Inspect another model: history and diagnostics start again with a fresh capture."""
        if self.data is not None:
            model.build_on_batch(self.data.x)  # a subclassed model not built yet, as fit would
        self.model = model
        # a subclassed model's call traced into a graph of its layers (engine/models/tracing.py)
        self._graph = graph = functional_view(model)
        layout = describe(model)
        symbolic = [*graph.inputs, *(t for node in graph.nodes for t in node.outputs)]
        self._layout = layout
        self._tensors = dict(zip((t.name for t in layout.tensors), symbolic))
        self._probes: dict = {}
        self.callback = _FollowTraining(self, self.every)
        with self._lock:
            self._history = BoundedHistory()  # every capture shown over time, oldest first
            self._latest: dict | None = None  # the record details and diagnostics come from
            self._source: str | None = None  # "batch" | "training"
            self.diagnostics: list = []
            self.findings: list = []
            self._trainer: threading.Thread | None = None  # the thread in fit, while it is
            self._following: TrainingSession | None = None  # the dashboard training it
            self._message: str | None = None
            self._seen = 0  # records of the callback's store already taken
            self._rows: dict = {}  # id(record) -> (record, its history row)
        self._dirty, self._last_update = False, 0.0
        if self.selected_node not in self._tensors:
            self.selected_node = None
        self._capture_batch()
        self.publish_state()
        for item in self.snapshot_events():
            self.emit(item)

    # ---------------------------------------------------------------------------- state
    def state(self) -> dict:
        with self._lock:
            return {
                "nodes": [self._node(t) for t in self._layout.tensors],
                "selected_node": self.selected_node,
                "selected_sample": self.selected_sample,
                "samples": 0 if self.data is None else len(self.data),
                "report": self._report(),
                "capture": self._capture_state(),
                "diagnostics": list(self.diagnostics),
                "findings": list(self.findings),
            }

    def snapshot_events(self) -> list:
        events = [self._history_event()]
        if self.selected_node is not None:
            events.append(self._detail_event())
            if self.data is not None:
                events.append(self._activation_event())
        return events

    def _node(self, tensor) -> dict:
        layer = self._tensors[tensor.name].node.layer
        return {
            "id": tensor.name,
            "class": tensor.layer_class,
            "output_shapes": [list(tensor.shape)],
            "params": layer.count_params() if tensor.weights else 0,
            "inputs": list(tensor.inputs),
            "activation": tensor.activation,
        }

    def _capture_state(self) -> dict:
        latest = self._latest
        return {
            "every": self.every,
            "training": self._following is not None or self._trainer is not None,
            "source": self._source,
            "step": None if latest is None else latest["step"],
            "loss": None if latest is None else jsonable(latest["loss"]),
            "records": len(self._history),
            "message": self._message,
        }

    def _report(self) -> dict | None:
        """The selected node in the latest capture: its activation statistics and diagnostics."""
        if self.selected_node is None or self._latest is None:
            return None
        summary = self._latest["layers"][self.selected_node]["activation"]
        stats = {name: jsonable(summary[name]) for name in SUMMARY_STATISTICS}
        stats["fraction_zero"] = stats.pop("zero_fraction")
        stats["nonfinite_fraction"] = jsonable(summary["nonfinite_fraction"])
        return {
            "node": self.selected_node,
            "sample": self.selected_sample,
            "output_shape": list(self._tensors[self.selected_node].shape),
            "stats": stats,
            "diagnostics": [
                {"severity": "warning", **d}
                for d in self.diagnostics
                if d["node"] == self.selected_node
            ],
        }

    # -------------------------------------------------------------------------- intents
    def on_select_node(self, message) -> None:
        if message.node is not None and message.node not in self._tensors:
            raise WorkbenchError(
                f"The model has no node {message.node!r}; its nodes are {', '.join(self._tensors)}."
            )
        self.selected_node = message.node
        self.publish_state("selected_node", "report")
        self._send_selection()

    def on_select_sample(self, message) -> None:
        count = 0 if self.data is None else len(self.data)
        if message.index >= count:
            raise WorkbenchError(
                f"Sample {message.index} does not exist: there are {count} samples"
                f"{' (no data was given)' if self.data is None else ''}."
            )
        self.selected_sample = message.index
        self.publish_state("selected_sample", "report")
        if self.selected_node is not None:
            self.emit(self._activation_event())

    def on_refresh(self, _message) -> None:
        self.capture()

    def capture(self) -> None:
        """Capture a batch with the current weights (while nothing trains)."""
        if self._training_now():
            raise WorkbenchError(
                f"Training is running and the inspector follows it (a capture every "
                f"{self.every} steps); capture a batch once it stops."
            )
        self._trainer = None
        self._take_records()
        self._capture_batch()
        self.publish_state()
        self.emit(self._history_event())
        self._send_selection()

    def on_set_every(self, message) -> None:
        self.set_every(message.every)

    def set_every(self, every: int) -> None:
        """Capture every `every` training steps, from the next step on."""
        self.every = self.callback.every = _check_every(every)
        self.publish_state("capture")

    def _send_selection(self) -> None:
        if self.selected_node is None:
            return
        self.emit(self._detail_event())
        if self.data is not None:
            self.emit(self._activation_event())

    # -------------------------------------------------------------------- one batch
    def _capture_batch(self) -> None:
        """Run `inspect` on the first samples; say why not when it cannot."""
        problem = self._capture_problem()
        if problem is None:
            x = self._batch(slice(0, CAPTURE_SAMPLES))
            try:
                record = inspect(self.model, x if len(x) > 1 else x[0], self._targets())
            except (EngineError, ValueError, TypeError) as error:
                problem = f"Could not capture a batch: {type(error).__name__}: {error}"
        with self._lock:
            self._message = problem
            if problem is not None:
                return
            self.diagnostics = jsonable(record.pop("diagnostics"))
            record.pop("graph")
            self._latest, self._source = record, "batch"
            self._history.append(record)

    def _capture_problem(self) -> str | None:
        if self.data is None:
            return (
                "The inspector has no data, so it cannot capture activations and gradients: "
                "open it with some, e.g. wb.Inspector(model, (x, y))."
            )
        if self.model.optimizer is None:
            return (
                f"Model {self.model.name!r} is not compiled, and gradients need its loss: call "
                "model.compile(optimizer=..., loss=...) and press Capture, or train it in a "
                "TrainingDashboard (which compiles it with a loss that fits the data). The "
                "outputs for one sample are shown meanwhile."
            )
        return None

    def _batch(self, part) -> list:
        xs = self.data.x if isinstance(self.data.x, list) else [self.data.x]
        return [np.asarray(x)[part] for x in xs]

    def _targets(self):
        return np.asarray(self.data.y)[:CAPTURE_SAMPLES]

    # ------------------------------------------------------------ following training
    def training_callbacks(self, session) -> list:
        """TrainingSession.observers: the callback, when `session` trains this model."""
        if session.model is not self.model:
            return []
        self._following = session
        self.publish_state("capture")
        return [self.callback]

    def training_ended(self, session) -> None:
        if session is self._following:
            self._following = self._trainer = None
            self._training_finished()

    def _training_now(self) -> bool:
        """Whether training runs now: a followed dashboard that is active, or a fit in another
        thread that is still alive (a fit in a cell that raised never says it ended, and
        one in this thread has ended by now)."""
        if self._following is not None:
            return self._following.state_name in ACTIVE
        trainer = self._trainer
        current = threading.current_thread()
        return trainer is not None and trainer is not current and trainer.is_alive()

    def _training_started(self) -> None:
        with self._lock:
            self._trainer = threading.current_thread()
        self.publish_state("capture")

    def _training_stopped(self) -> None:
        self._trainer = None
        if self._following is None:  # a fit in a cell: a followed dashboard says so itself
            self._training_finished()

    def _training_finished(self) -> None:
        """Send everything once training has ended (in the thread that trained)."""
        self._take_records()
        self._update(force=True)
        self.publish_state("capture")
        if self.selected_node is not None and self.data is not None:
            self.emit(self._activation_event())  # the weights have changed

    def _take_records(self) -> None:
        """Take the callback's new records, if any (in the thread that trains, between steps)."""
        store = self.callback.store
        new = store.seen - self._seen
        if new == 0:
            return
        with self._lock:
            self._seen = store.seen
            taken = store.records()[-new:]  # taken after every step: the store's newest
            for record in taken:
                self._history.append(record)
            self._latest, self._source = taken[-1], "training"
            self.diagnostics = jsonable(self.callback.diagnostics)
            self.findings = jsonable(self.callback.findings)
            self._message = None
        self._dirty = True

    def _update(self, force: bool = False) -> None:
        """Send what changed since the last update, at most every UPDATE_INTERVAL seconds."""
        now = time.perf_counter()
        if not self._dirty or (not force and now - self._last_update < UPDATE_INTERVAL):
            return
        self._dirty, self._last_update = False, now
        self.publish_state("capture", "diagnostics", "findings", "report")
        self.emit(self._history_event())
        if self.selected_node is not None:
            self.emit(self._detail_event())

    # ------------------------------------------------------------------------ events
    def _history_event(self) -> Event:
        """Every kept record as one array: (records, layers, COLUMNS), NaN where absent."""
        with self._lock:
            records = self._history.records()
            rows = {
                id(r): self._rows.get(id(r)) or (r, history_row(self._layout, r)) for r in records
            }
            self._rows = rows
        names = [t.name for t in self._layout.tensors]
        values = np.zeros((len(records), len(names), len(COLUMNS)), np.float32)
        for i, record in enumerate(records):
            values[i] = rows[id(record)][1]
        return Event(
            "inspection_history",
            {
                "steps": np.array([r["step"] for r in records], np.float64),
                "loss": np.array([r["loss"] for r in records], np.float32),
                "layers": names,
                "columns": list(COLUMNS),
                "values": values,
            },
        )

    def _detail_event(self) -> Event:
        """The selected node's summaries in the latest capture: statistics, histograms and
        heat maps of its activation, the gradient flowing into it and its weights."""
        with self._lock:
            latest, source = self._latest, self._source
        node = self.selected_node
        entry = {} if latest is None else latest["layers"][node]
        weights = entry.get("weights", {})
        return Event(
            "inspection_detail",
            {
                "node": node,
                "step": None if latest is None else latest["step"],
                "source": source,
                "activation": _summary(entry.get("activation")),
                "gradient": _summary(entry.get("gradient")),
                "weights": [
                    {
                        "name": name,
                        "value": _summary(weight["value"]),
                        "gradient": _summary(weight["gradient"]),
                        "update_ratio": jsonable(weight["update_ratio"]),
                    }
                    for name, weight in weights.items()
                ],
                "dead_fraction": _dead_fraction(entry),
                "saturated_fraction": jsonable(entry.get("saturated_fraction")),
            },
        )

    def _outputs(self, node_id, x) -> np.ndarray:
        if node_id not in self._probes:
            inputs = self._graph.inputs
            self._probes[node_id] = Model(
                inputs if len(inputs) > 1 else inputs[0], self._tensors[node_id]
            )
        inputs = x if len(self._graph.inputs) > 1 else x[0]
        return np.asarray(self._probes[node_id].predict(inputs, verbose=0), dtype=np.float32)

    def _activation_event(self) -> Event:
        index = self.selected_sample
        values = self._outputs(self.selected_node, self._batch(slice(index, index + 1)))[0]
        return Event("activation", {"node": self.selected_node, "sample": index, "values": values})


class _FollowTraining(InspectionCallback):
    """The inspector's InspectionCallback: hands each new capture to the session."""

    def __init__(self, session: InspectorSession, every: int):
        super().__init__(every=every, verbose=0)
        self.session = session

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.session._training_started()

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        self.session._take_records()
        self.session._update()

    def on_train_end(self, logs=None):
        self.session._training_stopped()


def history_row(layout, record) -> np.ndarray:
    """One record as a (layers, COLUMNS) array; NaN where a layer has no such value."""
    row = np.full((len(layout.tensors), len(COLUMNS)), np.nan, np.float32)
    for i, tensor in enumerate(layout.tensors):
        entry = record["layers"].get(tensor.name, {})
        values = {}
        for kind in ("activation", "gradient"):
            for name, value in entry.get(kind, {}).items():
                values[f"{kind}.{name}"] = value
        weights = entry.get("weights", {}).values()
        if weights:
            size = math.sqrt(sum(w["value"]["l2"] ** 2 for w in weights))
            change = math.sqrt(sum(w["update_norm"] ** 2 for w in weights))
            values["weights.l2"] = size
            values["weights.gradient_l2"] = math.sqrt(
                sum(w["gradient"]["l2"] ** 2 for w in weights)
            )
            values["weights.update_ratio"] = change / size if size > 0 else math.nan
        values["dead_fraction"] = _dead_fraction(entry)
        values["saturated_fraction"] = entry.get("saturated_fraction")
        for j, column in enumerate(COLUMNS):
            value = values.get(column)
            if isinstance(value, (int, float)):
                row[i, j] = value
    return row


def _summary(summary) -> dict | None:
    """A SUMMARY for the wire: its numbers as JSON (non-finite ones as null), the histogram's
    counts and any heat map as arrays (buffers)."""
    if summary is None:
        return None
    histogram = summary.get("histogram")
    heat_map = summary.get("heat_map")
    return {
        "stats": {
            name: jsonable(value)
            for name, value in summary.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        },
        "histogram": None
        if histogram is None
        else {
            "counts": np.asarray(histogram["counts"], np.int32),
            "low": jsonable(histogram["low"]),
            "high": jsonable(histogram["high"]),
        },
        "heat_map": None if heat_map is None else np.asarray(heat_map, np.float32),
    }


def _dead_fraction(entry) -> float | None:
    dead = entry.get("dead_units")
    return None if dead is None else float(np.mean(dead))


def _check_every(every) -> int:
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise WorkbenchError(f"every is a whole number of training steps >= 1, got {every!r}.")
    return every
