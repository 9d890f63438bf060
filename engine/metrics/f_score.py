"""F-beta and F1 scores: the weighted harmonic mean of precision and recall, per class or
averaged ("micro", "macro", "weighted"), for (batch, classes) targets and predictions."""

from __future__ import annotations

from engine import losses, ops
from engine.metrics.base import Metric, MetricConfigError

AVERAGES = (None, "micro", "macro", "weighted")
EPSILON = losses.EPSILON
_STATE = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")


class FBetaScore(Metric):
    """(1 + beta^2) P R / (beta^2 P + R), P and R the precision and recall of y_pred above
    `threshold` (None: the largest score of each row) against 0/1 y_true."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        who = type(self).__name__
        if average not in AVERAGES:
            raise MetricConfigError(f"{who}: average must be one of {AVERAGES}, got "
                                    f"{average!r}.")
        if not isinstance(beta, float) or beta <= 0.0:
            raise MetricConfigError(f"{who}: beta must be a float > 0 (like 1.0), got "
                                    f"{beta!r}.")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise MetricConfigError(f"{who}: threshold must be None or a float in (0, 1], "
                                    f"got {threshold!r}.")
        super().__init__(dtype=dtype, name=name)
        self.average, self.beta, self.threshold = average, beta, threshold
        if average == "micro":
            self.build_state(None)

    def build_state(self, y_true_shape):
        if self.variables:
            return
        shape = () if self.average == "micro" else (1 if len(y_true_shape) < 2
                                                    else y_true_shape[-1],)
        for name in _STATE:
            self.add_variable(shape, "zeros", name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Eagerly, the first batch makes the per-class Variables."""
        self.build_state(ops.shape(ops.convert(y_pred)))
        super().update_state(y_true, y_pred, sample_weight)

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        self._require_built(state)
        y_pred = ops.cast(ops.convert(y_pred), "float32")
        y_true = ops.cast(ops.convert(y_true), "float32")
        if len(ops.shape(y_pred)) != 2 or ops.shape(y_true) != ops.shape(y_pred):
            raise losses.LossShapeError(
                type(self).__name__, "y_true and y_pred must both be (batch_size, classes).",
                ops.shape(y_true), ops.shape(y_pred))
        if self.threshold is None:
            best = ops.max(y_pred, axis=-1, keepdims=True)
            predicted = ops.logical_and(ops.greater_equal(y_pred, best),
                                        ops.greater(ops.abs(y_pred), 1e-9))
        else:
            predicted = ops.greater(y_pred, self.threshold)
        predicted = ops.cast(predicted, "float32")
        axis = None if self.average == "micro" else 0
        weight = None if sample_weight is None else ops.expand_dims(
            ops.convert(sample_weight, "float32"), 1)

        def weighted_sum(values):
            return ops.sum(values if weight is None else ops.multiply(values, weight),
                           axis=axis)

        missed = ops.subtract(1.0, y_true)
        parts = (ops.multiply(predicted, y_true), ops.multiply(predicted, missed),
                 ops.multiply(ops.subtract(1.0, predicted), y_true), y_true)
        return [ops.add(value, weighted_sum(part)) for value, part in zip(state, parts)]

    def stateless_result(self, state):
        self._require_built(state)
        tp, fp, fn, support = state
        precision = ops.divide(tp, ops.add(ops.add(tp, fp), EPSILON))
        recall = ops.divide(tp, ops.add(ops.add(tp, fn), EPSILON))
        beta_squared = self.beta**2
        harmonic = ops.divide(ops.multiply(precision, recall),
                              ops.add(ops.add(ops.multiply(precision, beta_squared), recall),
                                      EPSILON))
        score = ops.multiply(harmonic, 1.0 + beta_squared)
        if self.average == "weighted":
            weights = ops.divide(support, ops.add(ops.sum(support), EPSILON))
            return ops.sum(ops.multiply(score, weights))
        if self.average is not None:
            return ops.mean(score)
        return score

    def _require_built(self, state):
        if not state:
            raise MetricConfigError(
                f"{type(self).__name__} {self.name!r} has no per-class state yet: call "
                "update_state (or fit) first, or build_state(y_true_shape).")

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """FBetaScore with beta = 1: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average, 1.0, threshold, name, dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
