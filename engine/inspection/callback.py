"""InspectionCallback: capture, keep and diagnose every layer's tensors while a model trains."""

from __future__ import annotations

import functools

from engine.inspection.capture import Probe
from engine.inspection.diagnostics import Diagnoser
from engine.inspection.records import jsonable
from engine.inspection.store import BoundedHistory
from engine.training.callbacks import Callback


class InspectionCallback(Callback):
    """Every `every` training steps, capture every layer's activations, the gradients flowing
    into them, their weights and weight gradients inside the compiled step; keep the records
    in a bounded history and say what looks wrong.

        inspector = InspectionCallback(every=10)
        model.fit(x, y, callbacks=[inspector])
        inspector.diagnostics            # what the latest capture found, in plain words
        inspector.findings               # every distinct finding, when first found
        inspector.layer_history("dense") # that layer's records over time
        inspector.to_json()              # everything, JSON-ready

    A step whose loss is not finite is captured too (run again from the same state) so the
    origin of the first NaN/Inf is known even between captures. `thresholds` is a
    diagnostics.Thresholds; `capacity` bounds the history; `verbose` prints each new finding.
    `weights_every`: the weights' own values (not their gradients) are summarised every this
    many captures, or sooner when they moved (see engine.inspection.Probe).
    """

    def __init__(
        self,
        every=10,
        thresholds=None,
        capacity=200,
        bins=32,
        heat_map_size=32,
        verbose=1,
        weights_every=10,
    ):
        if int(every) < 1:
            raise ValueError(f"every must be a whole number of steps >= 1, got {every!r}.")
        self.every = int(every)
        self.thresholds = thresholds
        self.options = {
            "bins": bins,
            "heat_map_size": heat_map_size,
            "weights_every": weights_every,
        }
        self.verbose = verbose
        self.store = BoundedHistory(
            capacity, keep_first=min(20, capacity // 4), keep_latest=min(50, capacity // 4)
        )
        self.diagnostics = []
        self.findings = []
        self.steps_done = 0  # steps this callback followed: captures are due by this count
        self._model_steps = 0  # steps the model had trained before the current one
        self.probe = None
        self._diagnoser = None

    def set_model(self, model):
        super().set_model(model)
        if self.probe is not None and self.probe.model is not model:
            self.probe = None

    def on_train_begin(self, logs=None):
        # the probe is made here, not in set_model: fit builds a subclassed model in between
        if self.probe is None:
            self.probe = Probe(self.model, **self.options)
            self._diagnoser = Diagnoser(self.probe.layout, self.thresholds)
        # Records are numbered by the model's own steps (its optimizer's iterations), like
        # `inspect`'s, also when it trained before or without this callback.
        self._model_steps = int(self.model.optimizer.iterations.numpy())

    def on_train_batch_begin(self, batch, logs=None):
        due = self.steps_done % self.every == 0
        # A divergence is seen when the loss is read, which may be some steps later: the
        # record is named after the step it captured, bound here.
        receive = functools.partial(self._receive, step=self._model_steps + 1)
        self.model.capture_next_step(self.probe, receive, only_if_diverged=not due)

    def on_train_batch_end(self, batch, logs=None):
        self.steps_done += 1
        self._model_steps += 1

    def _receive(self, captured, backend, step):
        record = self.probe.read(captured, backend, step=step)
        self.store.append(record)
        self.diagnostics = self._diagnoser.update(record)
        known = {(d.id, d.node) for d in self.findings}
        for diagnostic in self.diagnostics:
            if (diagnostic.id, diagnostic.node) not in known:
                self.findings.append(diagnostic)
                if self.verbose:
                    print(f"[inspect] {diagnostic.message}")

    def layer_history(self, name: str) -> list[dict]:
        """The kept records of one tensor (layer), oldest first, each with its step."""
        known = [t.name for t in self.probe.layout.tensors] if self.probe else []
        if name not in known:
            raise KeyError(f"No tensor named {name!r} is captured; the names are: {known}.")
        return [{"step": r["step"], **r["layers"][name]} for r in self.store]

    def to_json(self) -> dict:
        """The graph layout, every kept record and the latest diagnostics, JSON-ready."""
        return jsonable(
            {
                "graph": self.probe.layout.to_dict() if self.probe else None,
                "steps_done": self.steps_done,
                "records": self.store.records(),
                "diagnostics": self.diagnostics,
                "findings": self.findings,
            }
        )
