"""Intersection over union, tp / (tp + fp + fn) per class, from a confusion matrix of class
labels accumulated over batches: for chosen classes (IoU), all of them (MeanIoU), a
thresholded binary output (BinaryIoU) or one-hot targets (OneHotIoU, OneHotMeanIoU).

Keras keeps the matrix in integers by default (dtype "int"): labels, predictions and sample
weights are truncated to integers before they are counted. So are they here, where the
metric's dtype is an integer one; the counts are held in float32, exact below 2^24.
"""

from __future__ import annotations

import numpy as np

from engine import losses, ops
from engine.metrics.base import Metric, MetricConfigError


def _integer(who, argument, value, optional=False):
    if optional and value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise MetricConfigError(f"{who}: {argument} must be an integer, got {value!r}.")
    return value


class IoU(Metric):
    """The mean IoU of the classes `target_class_ids` (those that occur) of `num_classes`.
    Labels are class indices, or (with sparse_y_true / sparse_y_pred False) scores whose
    argmax along `axis` is the class; samples labelled `ignore_class` are left out."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        who = type(self).__name__
        if _integer(who, "num_classes", num_classes) < 1:
            raise MetricConfigError(f"{who}: num_classes must be >= 1, got {num_classes}.")
        targets = list(target_class_ids)
        if not targets or any(_integer(who, "target_class_ids", t) < 0 or t >= num_classes
                              for t in targets):
            raise MetricConfigError(
                f"{who}: target_class_ids must be class ids in [0, {num_classes}), got "
                f"{target_class_ids!r}.")
        super().__init__(dtype=dtype or "int64", name=name)
        self.num_classes, self.target_class_ids = num_classes, targets
        self.ignore_class = _integer(who, "ignore_class", ignore_class, optional=True)
        self.sparse_y_true, self.sparse_y_pred, self.axis = sparse_y_true, sparse_y_pred, axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          name="total_confusion_matrix")

    def labels(self, y_true, y_pred):
        """(true classes, predicted classes), flat."""
        y_true, y_pred = ops.convert(y_true), ops.convert(y_pred)
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        return ops.reshape(y_true, (-1,)), ops.reshape(y_pred, (-1,))

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        y_true, y_pred = self.labels(y_true, y_pred)
        if ops.shape(y_true) != ops.shape(y_pred):
            raise losses.LossShapeError(
                type(self).__name__, "y_true and y_pred must hold one class per sample each.",
                ops.shape(y_true), ops.shape(y_pred))
        integer = "int" in self.dtype
        y_true, y_pred = (self._counted(y, integer) for y in (y_true, y_pred))
        weight = ops.ones(ops.shape(y_true), "float32") if sample_weight is None else (
            ops.broadcast_to(ops.reshape(self._counted(sample_weight, integer), (-1,)),
                             ops.shape(y_true)))
        classes = float(self.num_classes)
        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(y_true, 0.0), ops.less(y_true, classes)),
            ops.logical_and(ops.greater_equal(y_pred, 0.0), ops.less(y_pred, classes)))
        if self.ignore_class is not None:
            inside = ops.logical_and(inside, ops.not_equal(y_true, float(self.ignore_class)))
        weight = ops.where(inside, weight, 0.0)
        y_true, y_pred = (ops.cast(ops.where(inside, y, 0.0), "int32") for y in (y_true, y_pred))
        rows = ops.one_hot(y_true, self.num_classes, dtype="float32")
        columns = ops.multiply(ops.one_hot(y_pred, self.num_classes, dtype="float32"),
                               ops.expand_dims(weight, -1))
        return [ops.add(state[0], ops.matmul(ops.transpose(rows), columns))]

    @staticmethod
    def _counted(x, integer):
        """x as float32, truncated towards zero first where the metric counts in integers."""
        x = ops.convert(x)
        return ops.cast(ops.cast(x, "int64") if integer else x, "float32")

    def stateless_result(self, state):
        matrix = state[0]
        diagonal = ops.convert(np.eye(self.num_classes, dtype="float32"))
        true_positives = ops.sum(ops.multiply(matrix, diagonal), axis=0)
        denominator = ops.subtract(ops.add(ops.sum(matrix, axis=0), ops.sum(matrix, axis=1)),
                                   true_positives)
        targets = ops.convert(self.target_class_ids, "int32")
        true_positives = ops.take(true_positives, targets)
        denominator = ops.take(denominator, targets)
        valid = ops.greater(denominator, 1e-9)
        iou = ops.where(valid, ops.divide(true_positives, ops.add(denominator, losses.EPSILON)),
                        0.0)
        return ops.divide(ops.sum(iou), ops.add(ops.sum(ops.cast(valid, "float32")),
                                                losses.EPSILON))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class MeanIoU(IoU):
    """The IoU averaged over every class that occurs."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name, dtype, ignore_class,
                         sparse_y_true, sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU of 0/1 labels against y_pred >= threshold (class 1) or below it (class 0)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise MetricConfigError(f"BinaryIoU: threshold must be a number, got {threshold!r}.")
        super().__init__(2, target_class_ids, name, dtype)
        self.threshold = threshold

    def labels(self, y_true, y_pred):
        predicted = ops.cast(ops.greater_equal(ops.convert(y_pred), self.threshold), "float32")
        return super().labels(y_true, predicted)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "target_class_ids": self.target_class_ids, "threshold": self.threshold}


class OneHotIoU(IoU):
    """IoU of one-hot y_true (and scores y_pred), classes taken by argmax along `axis`."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name, dtype, ignore_class, False,
                         sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU of one-hot y_true (and scores y_pred), classes taken by argmax along `axis`."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
