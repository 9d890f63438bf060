"""Keras 3's Metric base for your own and the engine's, and the means every simple metric is.

A metric's state is a list of arrays, one per Variable in `metric.variables` (made by
`add_variable`). A compiled training step threads that state through the pure functions

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

from engine import naming, ops, tree
from engine.errors import EngineError
from engine.layers import masks
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

    def build_state(self, y_true_shape) -> None:
        """Make the Variables whose shapes follow the targets' (a metric of one value per
        class: F1Score, R2Score, ...), before a compiled step reads them; the trainer calls it
        with the shape of the first batch's y. Most metrics have theirs from __init__."""

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
        return {"name": self.name, "dtype": self.dtype}

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

    def __init__(self, name="mean", dtype=None):
        super().__init__(dtype=dtype, name=name)
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


class Sum(Metric):
    """The weighted sum of every value seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), "zeros", name="total")

    def stateless_update(self, state, values, sample_weight=None):
        values, _ = _per_sample(values, sample_weight, ops.sum)
        return [ops.add(state[0], ops.sum(values))]

    def stateless_result(self, state):
        return state[0]


def _per_sample(values, sample_weight, reduce=ops.mean):
    """Keras's reduce_to_samplewise_values: one weighted value (and weight) per sample.

    Axes of `values` beyond the weights' rank are averaged (or reduced by `reduce`: Sum sums);
    the weights, broadcast to the values, are then reduced over their axes after the first,
    as the values are.
    """
    values = ops.cast(ops.convert(values), "float32")
    if sample_weight is not None:
        values, sample_weight = match_rank(values, ops.convert(sample_weight, "float32"))
        weight_rank, value_rank = len(ops.shape(sample_weight)), len(ops.shape(values))
        if value_rank > weight_rank:
            values = reduce(values, axis=tuple(range(weight_rank, value_rank)))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
        if weight_rank > 1:
            sample_weight = reduce(sample_weight, axis=tuple(range(1, weight_rank)))
    if len(ops.shape(values)) > 1:
        values = reduce(values, axis=tuple(range(1, len(ops.shape(values)))))
    return values, sample_weight


class SampleMean(Mean):
    """The weighted mean of `values(y_true, y_pred)`, a function giving one value per sample
    (Keras's MeanMetricWrapper; subclasses name their function by overriding `values`)."""

    def values(self, y_true, y_pred):
        raise NotImplementedError

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        weights = _masked_weights(sample_weight, masks.get_keras_mask(y_pred))
        return super().stateless_update(state, self.values(y_true, y_pred), weights)


def _masked_weights(sample_weight, mask):
    """The sample weights times y_pred's mask (Keras's): padding a layer masked counts 0."""
    if mask is None:
        return sample_weight
    mask = ops.cast(mask, "float32")
    if sample_weight is None:
        return mask
    mask, sample_weight = match_rank(mask, ops.convert(sample_weight, "float32"))
    return ops.multiply(sample_weight, mask)


class MeanMetricWrapper(SampleMean):
    """A function fn(y_true, y_pred, **kwargs) -> per-sample values, averaged like a metric
    (Keras's signature: the keyword arguments are passed to `fn` on every update)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name or getattr(fn, "__name__", type(fn).__name__), dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def values(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self):
        if type(self) is not MeanMetricWrapper:
            return {**super().get_config(), **self.fn_kwargs}
        raise MetricConfigError(
            f"The metric {self.name!r} is a plain function and has no config. Keep the "
            "function in your code and pass it again, or subclass engine.metrics.Metric."
        )
