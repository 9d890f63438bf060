"""Metrics counted from the confusion matrix of a binary decision, y_pred > threshold, at one
or more thresholds: the counts themselves, Precision, Recall, the rates at a constrained
operating point, and the area under the ROC or precision-recall curve (AUC).

Each keeps weighted counts of true/false positives/negatives per threshold (Keras's state
and numbers: y_true counts as positive where it is not 0; with thresholds spread evenly over
[0, 1], predictions are clipped to [0, 1] first, as Keras's bucketed counting does).
"""

from __future__ import annotations

import numpy as np

from engine import losses, ops
from engine.metrics.base import Metric, MetricConfigError

NEG_INF = -1e10  # the threshold of a top_k Precision or Recall: every kept prediction counts
EPSILON = losses.EPSILON
COUNTS = ("tp", "fp", "tn", "fn")


def divide_no_nan(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    empty = ops.equal(denominator, 0.0)
    return ops.where(empty, 0.0, ops.divide(numerator, ops.where(empty, 1.0, denominator)))


def evenly_spread(thresholds) -> bool:
    """Whether the thresholds are 0, 1/(n-1), ..., 1 (give or take EPSILON), n >= 3."""
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n, dtype="float32") / (n - 1),
                                  atol=EPSILON)


def checked_thresholds(who, thresholds, default):
    """`thresholds` (one number or a list, each in [0, 1]) as a list; `default` for None."""
    if thresholds is None:
        return [default]
    listed = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [t for t in listed if isinstance(t, bool) or not isinstance(t, (int, float))
           or not 0 <= t <= 1]
    if bad or not listed:
        raise MetricConfigError(
            f"{who}: thresholds must be numbers in [0, 1] (one, or a list), got "
            f"{thresholds!r}.")
    return [float(t) for t in listed]


def checked_class_id(who, value, argument="class_id"):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 0):
        raise MetricConfigError(f"{who}: {argument} must be None or an integer >= 0, got "
                                f"{value!r}.")
    return value


def _top_k_mask(x, k):
    """1 for the k largest values along the last axis (the first of equal values first)."""
    classes = ops.shape(x)[-1]
    xi, xj = ops.expand_dims(x, -1), ops.expand_dims(x, -2)  # [..., i, j]
    earlier = ops.convert(np.tril(np.ones((classes, classes), "float32"), -1) > 0)
    ahead = ops.logical_or(ops.greater(xj, xi), ops.logical_and(ops.equal(xj, xi), earlier))
    return ops.less(ops.sum(ops.cast(ahead, "float32"), axis=-1), float(k))


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None,
                     class_id=None, multi_label=False, label_weights=None, clip=False):
    """{"tp", "fp", "tn", "fn"}: weighted counts per threshold, shape (thresholds,), or
    (thresholds, labels) with `multi_label` (y_pred (batch, labels)), Keras's
    update_confusion_matrix_variables. `clip`: y_pred is clipped to [0, 1] first."""
    y_pred = ops.cast(ops.convert(y_pred), "float32")
    y_true = ops.cast(ops.convert(y_true), "float32")
    y_pred, y_true = losses.match_rank(y_pred, y_true)
    weights = None
    if sample_weight is not None:
        weights = ops.expand_dims(ops.cast(ops.convert(sample_weight), "float32"), -1)
        if (len(ops.shape(weights)) == len(ops.shape(y_true)) + 1
                and ops.shape(weights)[-1] == 1):
            weights = ops.squeeze(weights, -1)
    if top_k is not None:
        y_pred = ops.where(_top_k_mask(y_pred, top_k), y_pred, NEG_INF)
    if class_id is not None:
        if len(ops.shape(y_pred)) < 2:
            raise losses.LossShapeError(
                "class_id", "With class_id, y_pred must be (samples, classes).",
                ops.shape(y_true), ops.shape(y_pred))
        index = (..., slice(class_id, class_id + 1))
        y_true, y_pred = ops.getitem(y_true, index), ops.getitem(y_pred, index)
    if clip:
        y_pred = ops.clip(y_pred, 0.0, 1.0)
    shape = ops.shape(y_pred)
    weights = None if weights is None else ops.broadcast_to(weights, shape)
    if label_weights is not None and not multi_label:
        spread = ops.broadcast_to(ops.convert(label_weights, "float32"), shape)
        weights = spread if weights is None else ops.multiply(weights, spread)
    positive = ops.not_equal(y_true, 0.0)
    threshold_array = ops.convert(np.asarray(thresholds, "float32"))
    if multi_label:  # [threshold, sample, label], summed over samples
        threshold_array = ops.reshape(threshold_array, (-1, 1, 1))
        predicted, positive = ops.expand_dims(y_pred, 0), ops.expand_dims(positive, 0)
        weights = None if weights is None else ops.expand_dims(weights, 0)
        axis = 1
    else:  # [value, threshold], summed over values
        predicted = ops.reshape(y_pred, (-1, 1))
        positive = ops.reshape(positive, (-1, 1))
        weights = None if weights is None else ops.reshape(weights, (-1, 1))
        axis = 0
    above = ops.greater(predicted, threshold_array)
    below, negative = ops.logical_not(above), ops.logical_not(positive)

    def count(label, decision):
        hits = ops.cast(ops.logical_and(label, decision), "float32")
        return ops.sum(hits if weights is None else ops.multiply(hits, weights), axis=axis)

    return {"tp": count(positive, above), "fp": count(negative, above),
            "tn": count(negative, below), "fn": count(positive, below)}


class ConfusionMetric(Metric):
    """A metric whose state is some of the confusion counts, one Variable each, per
    threshold (and label); `kept` names them ("tp", ...), `variable_names` Keras's names."""

    kept: tuple = ()
    variable_names: tuple = ()
    top_k = class_id = None
    multi_label = False
    label_weights = None

    def __init__(self, thresholds, name, dtype, shape=None):
        super().__init__(dtype=dtype, name=name)
        self.thresholds = thresholds
        self.clips = evenly_spread(thresholds)
        for variable_name in self.variable_names:
            self.add_variable(shape or (len(thresholds),), "zeros", name=variable_name)

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, self.predictions(y_pred), self.thresholds,
                                  sample_weight, self.top_k, self.class_id, self.multi_label,
                                  None if self.multi_label else self.label_weights,
                                  self.clips)
        return [ops.add(value, counts[key]) for value, key in zip(state, self.kept)]

    def predictions(self, y_pred):
        return y_pred

    def counts(self, state) -> dict:
        return dict(zip(self.kept, state))

    def single(self, value):
        """The value at the one threshold when there is one, else all of them (Keras's)."""
        return ops.getitem(value, 0) if len(self.thresholds) == 1 else value


class _Count(ConfusionMetric):
    """One confusion count per threshold (a scalar for one threshold)."""

    variable_names = ("accumulator",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        super().__init__(checked_thresholds(type(self).__name__, thresholds, 0.5), name, dtype)

    def stateless_result(self, state):
        return self.single(state[0])

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_Count):
    """The weighted count of positives predicted positive (y_pred > threshold)."""

    kept = ("tp",)


class FalsePositives(_Count):
    """The weighted count of negatives predicted positive (y_pred > threshold)."""

    kept = ("fp",)


class TrueNegatives(_Count):
    """The weighted count of negatives predicted negative (y_pred <= threshold)."""

    kept = ("tn",)


class FalseNegatives(_Count):
    """The weighted count of positives predicted negative (y_pred <= threshold)."""

    kept = ("fn",)


class _PrecisionOrRecall(ConfusionMetric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        who = type(self).__name__
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                                  or top_k < 1):
            raise MetricConfigError(f"{who}: top_k must be None or an integer >= 1, got "
                                    f"{top_k!r}.")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = checked_class_id(who, class_id)
        default = 0.5 if top_k is None else NEG_INF
        super().__init__(checked_thresholds(who, thresholds, default), name, dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionOrRecall):
    """tp / (tp + fp): how many of the predicted positives are positive."""

    kept = ("tp", "fp")
    variable_names = ("true_positives", "false_positives")

    def stateless_result(self, state):
        tp, fp = state
        return self.single(divide_no_nan(tp, ops.add(tp, fp)))


class Recall(_PrecisionOrRecall):
    """tp / (tp + fn): how many of the positives are predicted positive."""

    kept = ("tp", "fn")
    variable_names = ("true_positives", "false_negatives")

    def stateless_result(self, state):
        tp, fn = state
        return self.single(divide_no_nan(tp, ops.add(tp, fn)))


def _rates(counts):
    tp, fp, tn, fn = (counts[key] for key in COUNTS)
    return {
        "recall": divide_no_nan(tp, ops.add(tp, fn)),  # also the sensitivity
        "specificity": divide_no_nan(tn, ops.add(tn, fp)),
        "precision": divide_no_nan(tp, ops.add(tp, fp)),
    }


class _AtConstraint(ConfusionMetric):
    """The best `target` rate over the thresholds where the `constraint` rate is at least
    `value` (0 if none is): Keras's SensitivitySpecificityBase."""

    kept = COUNTS
    variable_names = ("true_positives", "false_positives", "true_negatives", "false_negatives")
    argument = constraint = target = ""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        who = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise MetricConfigError(f"{who}: {self.argument} must be a number in [0, 1], got "
                                    f"{value!r}.")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or (
                num_thresholds < 1):
            raise MetricConfigError(f"{who}: num_thresholds must be an integer >= 1, got "
                                    f"{num_thresholds!r}.")
        setattr(self, self.argument, value)
        self.value, self.num_thresholds = value, num_thresholds
        self.class_id = checked_class_id(who, class_id)
        if num_thresholds == 1:
            thresholds = [0.5]
        else:
            thresholds = [0.0, *((i + 1) / (num_thresholds - 1)
                                 for i in range(num_thresholds - 2)), 1.0]
        super().__init__(thresholds, name, dtype)

    def stateless_result(self, state):
        rates = _rates(self.counts(state))
        feasible = ops.greater_equal(rates[self.constraint], self.value)
        return ops.maximum(ops.max(ops.where(feasible, rates[self.target], 0.0)), 0.0)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                self.argument: self.value, "class_id": self.class_id}


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) where the specificity is at least `specificity`."""

    argument = constraint = "specificity"
    target = "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity where the sensitivity (recall) is at least `sensitivity`."""

    argument = "sensitivity"
    constraint, target = "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The best precision where the recall is at least `recall`."""

    argument = constraint = "recall"
    target = "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall where the precision is at least `precision`."""

    argument = constraint = "precision"
    target = "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
