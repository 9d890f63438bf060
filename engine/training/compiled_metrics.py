"""The metrics given to `compile`, held as one metric, as Keras 3's `model.metrics` lists them.

Keras 3 lists a compiled model's metrics as `[loss tracker, compile_metrics]`: the second is
one container whose variables are those of every compiled metric and whose result is a dict
of their results. Custom train steps written for Keras (the JAX guide's loop over
`self.metrics`) rely on that shape, so the engine keeps it.
"""

from __future__ import annotations

from engine.metrics import Metric


class CompiledMetrics(Metric):
    """The compiled metrics as one: updated together on the first output, results by name.
    As in Keras, sample weights (and class weights) count only in the `weighted` metrics,
    which are named "weighted_<name>" where a plain metric has their name."""

    def __init__(self, metrics, weighted=()):
        # not Metric.__init__: the container owns no Variables of its own
        self.name = "compile_metrics"
        plain = {metric.name for metric in metrics}
        for metric in weighted:
            if metric.name in plain:
                metric.name = f"weighted_{metric.name}"
        self.metrics = [*metrics, *weighted]
        self.weighted = [False] * len(metrics) + [True] * len(weighted)
        self.variables = [v for metric in self.metrics for v in metric.variables]

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        """Every compiled metric updated with the first output (the engine's rule for
        models with several outputs) and its target."""
        if isinstance(y_pred, (list, tuple)):
            y_true, y_pred = y_true[0], y_pred[0]
        new_state = []
        for metric, weighted, part in zip(self.metrics, self.weighted, self._split(state)):
            weights = sample_weight if weighted else None
            new_state.extend(metric.stateless_update(part, y_true, y_pred, weights))
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
