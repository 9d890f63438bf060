"""Metrics with Keras 3's names and numbers, their running totals kept as explicit arrays.

A metric's state is a list of arrays, one per Variable in `metric.variables` (every metric
here keeps a weighted `total` and a `count`). A compiled training step threads that state
through the pure functions

    state = metric.stateless_update(state, y_true, y_pred, sample_weight)
    value = metric.stateless_result(state)

while `update_state`, `result` and `reset_state` do the same on the Variables themselves.
The Variables live on the active backend, so `engine.set_backend` moves them.
"""

from __future__ import annotations

import numpy as np

from engine import losses, ops
from engine.errors import EngineError
from engine.keras_namespaces import missing_attribute
from engine.losses import match_rank
from engine.variables import Variable


class MetricConfigError(EngineError, ValueError):
    """A metric was asked for by a name or with an argument it cannot use."""


class Metric:
    """Running statistics held in Variables, updated by pure functions of their values."""

    state_names: tuple = ()

    def __init__(self, name: str):
        self.name = name
        self.variables = [
            Variable(np.zeros((), "float32"), name=f"{name}/{state}", trainable=False)
            for state in self.state_names
        ]

    def stateless_update(self, state: list, *args, **kwargs) -> list:
        """The state after one more batch (a new list; `state` is left as it is)."""
        raise NotImplementedError

    def stateless_result(self, state: list):
        """The metric's value (a scalar) for `state`."""
        raise NotImplementedError

    def update_state(self, *args, **kwargs):
        state = self.stateless_update([v.value for v in self.variables], *args, **kwargs)
        for variable, value in zip(self.variables, state):
            variable.assign(value)

    def result(self):
        return self.stateless_result([v.value for v in self.variables])

    def reset_state(self):
        for variable in self.variables:
            variable.assign(ops.zeros(variable.shape, variable.dtype))

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Mean(Metric):
    """The weighted mean of every value seen: total / count (0 before any)."""

    state_names = ("total", "count")

    def __init__(self, name="mean"):
        super().__init__(name)

    def stateless_update(self, state, values, sample_weight=None):
        total, count = state
        values, sample_weight = _per_sample(values, sample_weight)
        if sample_weight is not None:
            seen = ops.sum(sample_weight)
        else:
            seen = float(ops.shape(values)[0]) if ops.shape(values) else 1.0
        return [ops.add(total, ops.sum(values)), ops.add(count, seen)]

    def stateless_add(self, state, value, weight: float):
        """stateless_update for one scalar `value` counted `weight` times (a Python number):
        what the loss tracker does every step, in three ops."""
        total, count = state
        weighted = ops.multiply(ops.cast(value, "float32"), float(weight))
        return [ops.add(total, weighted), ops.add(count, float(weight))]

    def stateless_result(self, state):
        total, count = state
        empty = ops.equal(count, 0.0)
        mean = ops.divide(total, ops.where(empty, ops.ones((), "float32"), count))
        return ops.where(empty, ops.zeros((), "float32"), mean)


def _per_sample(values, sample_weight):
    """Keras's reduce_to_samplewise_values: one weighted value (and weight) per sample.

    Axes of `values` beyond the weights' rank are averaged; the weights, broadcast to the
    values, are then averaged over their axes after the first, as the values are.
    """
    values = ops.cast(ops.convert(values), "float32")
    if sample_weight is not None:
        values, sample_weight = match_rank(values, ops.convert(sample_weight, "float32"))
        weight_rank, value_rank = len(ops.shape(sample_weight)), len(ops.shape(values))
        if value_rank > weight_rank:
            values = ops.mean(values, axis=tuple(range(weight_rank, value_rank)))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
        if weight_rank > 1:
            sample_weight = ops.mean(sample_weight, axis=tuple(range(1, weight_rank)))
    if len(ops.shape(values)) > 1:
        values = ops.mean(values, axis=tuple(range(1, len(ops.shape(values)))))
    return values, sample_weight


class SampleMean(Mean):
    """The weighted mean of `values(y_true, y_pred)`, a function giving one value per sample."""

    def values(self, y_true, y_pred):
        raise NotImplementedError

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        return super().stateless_update(state, self.values(y_true, y_pred), sample_weight)


class MeanSquaredError(SampleMean):
    def __init__(self, name="mean_squared_error"):
        super().__init__(name)

    def values(self, y_true, y_pred):
        return losses.mean_squared_error(y_true, y_pred)


class MeanAbsoluteError(SampleMean):
    def __init__(self, name="mean_absolute_error"):
        super().__init__(name)

    def values(self, y_true, y_pred):
        return losses.mean_absolute_error(y_true, y_pred)


class Accuracy(SampleMean):
    """How often y_pred equals y_true exactly."""

    def __init__(self, name="accuracy"):
        super().__init__(name)

    def values(self, y_true, y_pred):
        y_true, y_pred = losses.paired(type(self).__name__, y_true, y_pred)
        return _as_float(ops.equal(y_true, y_pred))


class BinaryAccuracy(SampleMean):
    """How often (y_pred > threshold) equals the 0/1 label y_true."""

    def __init__(self, name="binary_accuracy", threshold=0.5):
        super().__init__(name)
        self.threshold = threshold

    def values(self, y_true, y_pred):
        y_true, y_pred = losses.paired(type(self).__name__, y_true, y_pred)
        predicted = ops.cast(ops.greater(y_pred, self.threshold), ops.dtype(y_true))
        return _as_float(ops.equal(y_true, predicted))

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(SampleMean):
    """How often argmax(y_pred) is the class of the one-hot y_true."""

    def __init__(self, name="categorical_accuracy"):
        super().__init__(name)

    def values(self, y_true, y_pred):
        y_true, y_pred = losses.one_hot_targets(
            type(self).__name__, y_true, y_pred, "SparseCategoricalAccuracy")
        return _as_float(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)))


class SparseCategoricalAccuracy(SampleMean):
    """How often argmax(y_pred) is the integer class label y_true."""

    def __init__(self, name="sparse_categorical_accuracy"):
        super().__init__(name)

    def values(self, y_true, y_pred):
        labels, y_pred = losses.class_labels(
            type(self).__name__, y_true, y_pred, "CategoricalAccuracy")
        predicted = ops.cast(ops.argmax(y_pred, axis=-1), "float32")
        return _as_float(ops.equal(ops.cast(labels, "float32"), predicted))


class MeanMetricWrapper(SampleMean):
    """A function fn(y_true, y_pred) -> per-sample values, averaged like a metric."""

    def __init__(self, fn, name=None):
        super().__init__(name or getattr(fn, "__name__", type(fn).__name__))
        self.fn = fn

    def values(self, y_true, y_pred):
        return self.fn(y_true, y_pred)

    def get_config(self):
        raise MetricConfigError(
            f"The metric {self.name!r} is a plain function and has no config. Keep the "
            "function in your code and pass it again, or subclass engine.metrics.Metric."
        )


def _as_float(matches):
    return ops.cast(matches, "float32")


# ------------------------------------------------------------------------------- lookup
_CLASSES = (Mean, MeanSquaredError, MeanAbsoluteError, Accuracy, BinaryAccuracy,
            CategoricalAccuracy, SparseCategoricalAccuracy)
_NAMES = {
    **{cls.__name__: cls for cls in _CLASSES},
    "mean": Mean,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
}
# What "accuracy" means for each crossentropy loss, as Keras's compile resolves it.
_ACCURACY_FOR_LOSS = {
    losses.BinaryCrossentropy: BinaryAccuracy,
    losses.CategoricalCrossentropy: CategoricalAccuracy,
    losses.SparseCategoricalCrossentropy: SparseCategoricalAccuracy,
}
NAMES = ("accuracy", "acc", *_NAMES)


def get(identifier, loss=None) -> Metric:
    """A Metric from a name, a Metric instance or class, a {"class_name", "config"} dict or a
    function fn(y_true, y_pred) -> per-sample values. A name becomes the metric's name.

    "accuracy" (or "acc") is the accuracy that fits `loss` (a loss identifier, as
    losses.get takes it): binary, categorical or sparse categorical.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return _accuracy_for(loss)(name=identifier)
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier](name=identifier)
    if isinstance(identifier, dict) and identifier.get("class_name") in _NAMES:
        return _NAMES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier) and not isinstance(identifier, type):
        return MeanMetricWrapper(identifier)
    raise MetricConfigError(
        f"Unknown metric {identifier!r}. Choose one of: {', '.join(NAMES)}; or pass a Metric, "
        "or a function f(y_true, y_pred) that returns one value per sample."
    )


def _accuracy_for(loss):
    resolved = losses.get(loss) if loss is not None else None
    for loss_class, accuracy in _ACCURACY_FOR_LOSS.items():
        if isinstance(resolved, loss_class):
            return accuracy
    raise MetricConfigError(
        f'"accuracy" is ambiguous with the loss {loss!r}: it is resolved only for the '
        "crossentropy losses. Pass the accuracy you mean: BinaryAccuracy() for 0/1 labels, "
        "CategoricalAccuracy() for one-hot targets, SparseCategoricalAccuracy() for integer "
        "class labels (or Accuracy() for exact equality)."
    )


__getattr__ = missing_attribute(__name__)
