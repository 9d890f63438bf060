"""Metrics with Keras 3's names and numbers, and Keras 3's Metric base for your own.

A metric's state is a list of arrays, one per Variable in `metric.variables` (made by
`add_variable`; every metric here keeps a weighted `total` and a `count`). A compiled training
step threads that state through the pure functions

    state = metric.stateless_update(state, y_true, y_pred, sample_weight)
    value = metric.stateless_result(state)

while `update_state`, `result` and `reset_state` do the same on the Variables themselves.
A metric implements one pair and gets the other: the metrics here write the pure functions
(a step then runs no scope), a metric written as Keras's guides write one assigns to its
variables in `update_state`, which the pure functions run in a state scope holding `state`
(Keras's StatelessScope). The Variables live on the active backend, so `engine.set_backend`
moves them.
"""

from __future__ import annotations

import functools

from engine import losses, naming, ops, tree
from engine.errors import EngineError
from engine.keras_namespaces import missing_attribute
from engine.losses import match_rank
from engine.variables import Variable, standardize_dtype, state_scope


class MetricConfigError(EngineError, ValueError):
    """A metric was asked for by a name or with an argument it cannot use."""


class Metric:
    """Running statistics held in Variables (Keras 3's `keras.metrics.Metric`).

    Subclass it as Keras does: make the state in `__init__` with `self.add_variable(...)`,
    assign to it in `update_state(y_true, y_pred, sample_weight=None)` (`v.assign_add(...)`),
    compute the value in `result()`, and override `reset_state()` if zeros are not the start.
    Or write the pure `stateless_update(state, ...)` and `stateless_result(state)` instead.
    """

    def __init_subclass__(cls, **kwargs):
        """A subclass's `result` gives arrays: a Variable it returns (Keras's guides return
        one) is read, inside a state scope from the scope."""
        super().__init_subclass__(**kwargs)
        if "result" in cls.__dict__:
            cls.result = _reading_variables(cls.__dict__["result"])

    def __init__(self, dtype=None, name=None):
        self.name = name or naming.unique_name(naming.snake_case(type(self).__name__))
        self.dtype = "float32" if dtype is None else standardize_dtype(dtype)
        self.variables: list[Variable] = []

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A new state Variable, named "<metric>/<name>", never trained (Keras's signature)."""
        if "variables" not in vars(self):
            raise RuntimeError(
                f"{type(self).__name__}.add_variable was called before Metric.__init__: call "
                "super().__init__(name=name, **kwargs) first in your __init__."
            )
        variable = Variable(
            initializer, shape=shape, dtype=dtype, trainable=False, aggregation=aggregation,
            synchronization="on_read",
            name=f"{self.name}/{name or naming.unique_name('variable')}",
        )
        self.variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer="zeros", dtype=None, name=None):
        """Keras's older name for `add_variable`."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    # ------------------------------------------------------------------- stateful API
    def update_state(self, *args, **kwargs):
        """Add one batch to the state Variables."""
        self._require("update_state", "stateless_update")
        state = self.stateless_update([v.value for v in self.variables], *args, **kwargs)
        for variable, value in zip(self.variables, state):
            variable.assign(value)

    def result(self):
        """The metric's value (a scalar, or a dict of them) for the state Variables."""
        self._require("result", "stateless_result")
        return self.stateless_result([v.value for v in self.variables])

    def reset_state(self):
        """Set every state Variable to zeros."""
        for variable in self.variables:
            variable.assign(ops.zeros(variable.shape, variable.dtype))

    def __call__(self, *args, **kwargs):
        """`update_state(...)`, then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    # ------------------------------------------------------------------------ pure API
    def stateless_update(self, state: list, *args, **kwargs) -> list:
        """The state after one more batch (a new list; `state` is left as it is)."""
        self._require("stateless_update", "update_state")
        with self._state_scope(state) as scope:
            self.update_state(*args, **kwargs)
        return [scope.values[variable] for variable in self.variables]

    def stateless_update_state(self, state: list, *args, **kwargs) -> list:
        """Keras 3's name for `stateless_update` (custom train steps call it)."""
        return self.stateless_update(list(state), *args, **kwargs)

    def stateless_result(self, state: list):
        """The metric's value for `state`."""
        self._require("stateless_result", "result")
        with self._state_scope(state):
            return self.result()

    def stateless_reset_state(self) -> list:
        """The state `reset_state` would set, with the Variables left as they are."""
        with self._state_scope([v.value for v in self.variables]) as scope:
            self.reset_state()
        return [scope.values[variable] for variable in self.variables]

    def _state_scope(self, state):
        if len(state) != len(self.variables):
            raise ValueError(
                f"{type(self).__name__} {self.name!r} has {len(self.variables)} state "
                f"variables ({', '.join(v.name for v in self.variables) or 'none'}), got a "
                f"state of {len(state)} arrays: pass one per `metric.variables`, in order."
            )
        return state_scope(dict(zip(self.variables, state)))

    def _require(self, method, alternative):
        """`method` runs `alternative`, so a subclass must override one of the two."""
        if getattr(type(self), alternative) is getattr(Metric, alternative):
            raise NotImplementedError(
                f"{type(self).__name__} implements neither {method} nor {alternative}: a "
                "Metric subclass defines update_state and result (assigning to variables made "
                "by add_variable), or stateless_update and stateless_result."
            )

    def get_config(self) -> dict:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _reading_variables(result):
    @functools.wraps(result)
    def read_result(self):
        return tree.map_structure(
            lambda x: x.value if isinstance(x, Variable) else x, result(self))

    return read_result


class Mean(Metric):
    """The weighted mean of every value seen: total / count (0 before any)."""

    def __init__(self, name="mean"):
        super().__init__(name=name)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

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
