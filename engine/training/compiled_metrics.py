"""The metrics given to `compile`, held as one metric, as Keras 3's `model.metrics` lists them.

Keras 3 lists a compiled model's metrics as `[loss tracker, compile_metrics]`: the second is
one container whose variables are those of every compiled metric and whose result is a dict
of their results. Custom train steps written for Keras (the JAX guide's loop over
`self.metrics`) rely on that shape, so the engine keeps it.
"""

from __future__ import annotations

import numpy as np

from engine.metrics import Metric


class CompiledMetrics(Metric):
    """The compiled metrics as one: each updated on its output (`outputs`, one per metric:
    an output's index, or None for the first), results by name. As in Keras, sample weights
    (and class weights) count only in the `weighted` metrics, which are named
    "weighted_<name>" where a plain metric has their name."""

    def __init__(self, metrics, weighted=(), outputs=None):
        # not Metric.__init__: the container owns no Variables of its own
        self.name = "compile_metrics"
        plain = {metric.name for metric in metrics}
        for metric in weighted:
            if metric.name in plain:
                metric.name = f"weighted_{metric.name}"
        self.metrics = [*metrics, *weighted]
        self.weighted = [False] * len(metrics) + [True] * len(weighted)
        self.outputs = [index or 0 for index in outputs or [None] * len(self.metrics)]
        self.variables = [v for metric in self.metrics for v in metric.variables]

    def build_state(self, y_true) -> None:
        """Let each compiled metric make the Variables that follow the shape of its output's
        targets, before a compiled step reads them."""
        if isinstance(y_true, dict):
            y_true = list(y_true.values())
        for metric, index in zip(self.metrics, self.outputs):
            targets = y_true[index] if isinstance(y_true, (list, tuple)) else y_true
            metric.build_state(tuple(np.shape(targets)))
        self.variables = [v for metric in self.metrics for v in metric.variables]

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        """Every compiled metric updated with its output and that output's targets."""
        several = isinstance(y_pred, (list, tuple))
        new_state = []
        for metric, weighted, index, part in zip(self.metrics, self.weighted, self.outputs,
                                                 self._split(state)):
            weights = sample_weight if weighted else None
            if several and isinstance(weights, (list, tuple)):
                weights = weights[index]
            targets, outputs = (y_true[index], y_pred[index]) if several else (y_true, y_pred)
            new_state.extend(metric.stateless_update(part, targets, outputs, weights))
        return new_state

    def stateless_result(self, state) -> dict:
        return {
            metric.name: metric.stateless_result(part)
            for metric, part in zip(self.metrics, self._split(state))
        }

    def _split(self, state) -> list:
        """`state` (flat, in `variables` order) as one list per compiled metric."""
        parts, start = [], 0
        for metric in self.metrics:
            parts.append(list(state[start : start + len(metric.variables)]))
            start += len(metric.variables)
        return parts

    def get_config(self) -> dict:
        return {"name": self.name, "metrics": [metric.get_config() for metric in self.metrics]}
