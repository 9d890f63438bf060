"""Accuracy metrics: how often a prediction is right, by the rule each target format needs."""

from __future__ import annotations

from engine import losses, ops
from engine.metrics.base import MeanMetricWrapper, MetricConfigError


def _as_float(matches):
    return ops.cast(matches, "float32")


def accuracy(y_true, y_pred):
    """1 where y_pred equals y_true exactly, else 0."""
    y_true, y_pred = losses.paired("Accuracy", y_true, y_pred)
    return _as_float(ops.equal(y_true, y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where (y_pred > threshold) equals the 0/1 label y_true, else 0."""
    y_true, y_pred = losses.paired("BinaryAccuracy", y_true, y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), ops.dtype(y_true))
    return _as_float(ops.equal(y_true, predicted))


def categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) is the class of the one-hot y_true, else 0."""
    y_true, y_pred = losses.one_hot_targets(
        "CategoricalAccuracy", y_true, y_pred, "SparseCategoricalAccuracy")
    return _as_float(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) is the integer class label y_true, else 0."""
    labels, y_pred = losses.class_labels(
        "SparseCategoricalAccuracy", y_true, y_pred, "CategoricalAccuracy")
    predicted = ops.cast(ops.argmax(y_pred, axis=-1), "float32")
    return _as_float(ops.equal(ops.cast(labels, "float32"), predicted))


def _in_top_k(labels, y_pred, k):
    """1 where fewer than k classes score above the labelled one (ties count as in)."""
    labels = ops.expand_dims(ops.cast(labels, "int32"), -1)
    labelled = ops.take_along_axis(y_pred, labels, axis=-1)
    above = ops.sum(ops.cast(ops.greater(y_pred, labelled), "float32"), axis=-1)
    return _as_float(ops.less(above, float(k)))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the class of the one-hot y_true is among the k best of y_pred, else 0."""
    y_true, y_pred = losses.one_hot_targets(
        "TopKCategoricalAccuracy", y_true, y_pred, "SparseTopKCategoricalAccuracy")
    return _in_top_k(ops.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1 where the integer label y_true is among the k best classes of y_pred, else 0; with
    `from_sorted_ids`, y_pred holds the ids of the best classes, best first."""
    if from_sorted_ids:
        y_pred = ops.convert(y_pred)
        labels = ops.convert(y_true, ops.dtype(y_pred))
        if len(ops.shape(labels)) == len(ops.shape(y_pred)):
            labels = ops.squeeze(labels, -1)
        best = ops.getitem(y_pred, (..., slice(0, k)))
        found = ops.sum(ops.cast(ops.equal(best, ops.expand_dims(labels, -1)), "float32"),
                        axis=-1)
        return _as_float(ops.greater(found, 0.0))
    labels, y_pred = losses.class_labels(
        "SparseTopKCategoricalAccuracy", y_true, y_pred, "TopKCategoricalAccuracy")
    return _in_top_k(labels, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often y_pred equals y_true exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) equals the 0/1 label y_true."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise MetricConfigError(
                f"BinaryAccuracy: threshold must be a number, got {threshold!r}.")
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) is the class of the one-hot y_true."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) is the integer class label y_true."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype)


def _checked_k(who, k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise MetricConfigError(f"{who}: k must be an integer >= 1, got {k!r}.")
    return k


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the class of the one-hot y_true is among the k best of y_pred."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype,
                         k=_checked_k("TopKCategoricalAccuracy", k))


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label y_true is among the k best classes of y_pred."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype,
                         k=_checked_k("SparseTopKCategoricalAccuracy", k),
                         from_sorted_ids=from_sorted_ids)
