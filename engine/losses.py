"""Losses with Keras 3's names, defaults and numbers, on any backend through engine.ops.

A loss is two steps. A per-sample function (`mean_squared_error`, ...; the same functions
Keras exports) turns y_true and y_pred into one value per sample, averaging over the last
axis. The Loss object then weights those values by `sample_weight` and reduces them:
"sum_over_batch_size" (the default: sum / number of values), "sum" or "none".

    loss = losses.get("sparse_categorical_crossentropy")
    value = loss(labels, probabilities, sample_weight=None)
"""

from __future__ import annotations

import warnings

import numpy as np

from engine import ops
from engine.errors import EngineError
from engine.keras_namespaces import missing_attribute

# Keras's backend.epsilon(): probabilities are clipped to [EPSILON, 1 - EPSILON] before log.
EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "sum", "none")


class LossShapeError(EngineError, ValueError):
    """y_true and y_pred have shapes that a loss (or metric) cannot pair up."""

    def __init__(self, who: str, message: str, y_true_shape, y_pred_shape):
        super().__init__(
            f"{who}: {message} Got y_true of shape {y_true_shape} and y_pred of shape "
            f"{y_pred_shape}."
        )
        self.who = who
        self.y_true_shape = y_true_shape
        self.y_pred_shape = y_pred_shape


class LossConfigError(EngineError, ValueError):
    """A loss was asked for by a name or with an argument it does not know."""


class ClassLabelError(EngineError, ValueError):
    """Integer class labels outside the classes a model's output has."""


# ----------------------------------------------------------------------- shared helpers
def as_float(x):
    """`x` as an array of the active backend, in float32 unless it is float64.

    Like Keras, losses compute in float32 even for float16 outputs: 1 - EPSILON rounds to 1
    in half precision. float64 stays float64, for checks against finite differences.
    """
    x = ops.convert(x)
    return x if ops.dtype(x) in ("float32", "float64") else ops.cast(x, "float32")


def match_rank(a, b):
    """Keras's squeeze_or_expand_to_same_rank: when one rank is one higher and its last axis
    has size 1, that axis is dropped, or (when the other is 1-D) the other gains one."""
    if len(ops.shape(b)) > len(ops.shape(a)):
        b, a = match_rank(b, a)
        return a, b
    if len(ops.shape(a)) == len(ops.shape(b)) + 1 and ops.shape(a)[-1] == 1:
        if len(ops.shape(b)) == 1:
            return a, ops.expand_dims(b, -1)
        return ops.squeeze(a, -1), b
    return a, b


def paired(who, y_true, y_pred, hint=None):
    """(y_true, y_pred) as floats of y_pred's dtype, ranks matched; shapes must be equal.

    `hint(y_true_shape, y_pred_shape)` says what to do when they are not.
    """
    y_pred = as_float(y_pred)
    y_true, y_pred = match_rank(ops.convert(y_true, ops.dtype(y_pred)), y_pred)
    true_shape, pred_shape = ops.shape(y_true), ops.shape(y_pred)
    if true_shape != pred_shape:
        message = hint(true_shape, pred_shape) if hint else "Give y_true the shape of y_pred."
        raise LossShapeError(who, message, true_shape, pred_shape)
    return y_true, y_pred


def one_hot_targets(who, y_true, y_pred, sparse_instead):
    """y_true as floats shaped like y_pred (one-hot or soft targets), else a clear error."""
    y_pred = as_float(y_pred)
    y_true, y_pred = match_rank(ops.convert(y_true, ops.dtype(y_pred)), y_pred)
    true_shape, pred_shape = ops.shape(y_true), ops.shape(y_pred)
    if true_shape == pred_shape:
        return y_true, y_pred
    if true_shape in (pred_shape[:-1], (*pred_shape[:-1], 1)):
        message = (
            f"y_true looks like integer class labels, but one-hot targets shaped like y_pred "
            f"are needed. Use {sparse_instead} for integer labels, or one-hot encode y_true."
        )
    else:
        message = f"y_true must have the shape of y_pred {pred_shape} (one-hot targets)."
    raise LossShapeError(who, message, true_shape, pred_shape)


def class_labels(who, y_true, y_pred, one_hot_instead):
    """y_true as class indices shaped like y_pred without its class axis, else a clear error."""
    y_pred, y_true = as_float(y_pred), ops.convert(y_true)
    true_shape, pred_shape = ops.shape(y_true), ops.shape(y_pred)
    if len(true_shape) == len(pred_shape) and true_shape[-1:] == (1,):
        y_true = ops.squeeze(y_true, -1)
    if ops.shape(y_true) == pred_shape[:-1]:
        return y_true, y_pred
    if true_shape == pred_shape:
        message = (
            f"y_true is shaped like y_pred, so it looks one-hot, but integer class labels of "
            f"shape {pred_shape[:-1]} are needed. Use {one_hot_instead} for one-hot targets, "
            "or pass the class indices (argmax of y_true over its last axis)."
        )
    else:
        message = (
            f"y_true must hold one integer class label per sample, shape {pred_shape[:-1]} "
            f"(y_pred's shape without its class axis)."
        )
    raise LossShapeError(who, message, true_shape, pred_shape)


def reduce_weighted(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Per-sample `values` times `sample_weight` (and the 0/1 `mask`), reduced.

    "sum_over_batch_size" divides the sum by the number of values, or by the number of
    unmasked ones when there is a mask; 0-d values are returned as they are (Keras's rule).
    """
    dtype = ops.dtype(values)
    if mask is not None:
        mask = ops.cast(mask, dtype)
        if sample_weight is not None:
            mask, sample_weight = match_rank(mask, ops.convert(sample_weight, dtype))
            sample_weight = ops.multiply(sample_weight, mask)
        else:
            sample_weight = mask
    if sample_weight is not None:
        values, sample_weight = match_rank(values, ops.convert(sample_weight, dtype))
        values = ops.multiply(values, sample_weight)
    if reduction == "none" or ops.shape(values) in ((), (0,)):
        return values
    if reduction == "sum_over_batch_size" and mask is None:
        return ops.mean(values)  # the sum over the count of values, in one op
    total = ops.sum(values)
    if reduction == "sum":
        return total
    return ops.divide(total, ops.maximum(ops.sum(mask), 1.0))


# ---------------------------------------------------------------- per-sample functions
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)^2) over the last axis."""
    y_true, y_pred = paired("MeanSquaredError", y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = paired("MeanAbsoluteError", y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of e^2/2 where |e| <= delta, else delta*|e| - delta^2/2."""
    y_true, y_pred = paired("Huber", y_true, y_pred)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(0.5, ops.square(error))
    linear = ops.subtract(ops.multiply(delta, abs_error), 0.5 * delta**2)
    return ops.mean(ops.where(ops.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over `axis` of -(t log p + (1 - t) log(1 - p)), labels smoothed towards 1/2.

    Probabilities are clipped to [EPSILON, 1 - EPSILON]; logits go through log-sigmoid,
    written with softplus: -log sigmoid(x) = softplus(-x).
    """
    y_true, y_pred = paired("BinaryCrossentropy", y_true, y_pred, _binary_hint)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        positive, negative = ops.softplus(ops.negative(y_pred)), ops.softplus(y_pred)
    else:
        p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
        positive, negative = ops.negative(ops.log(p)), ops.negative(ops.log(ops.subtract(1.0, p)))
    values = ops.add(ops.multiply(y_true, positive),
                     ops.multiply(ops.subtract(1.0, y_true), negative))
    return ops.mean(values, axis=axis)


def _binary_hint(true_shape, pred_shape):
    classes = pred_shape[-1] if pred_shape else 1
    if len(true_shape) == len(pred_shape) - 1 and classes > 1:
        return (
            f"y_true looks like integer class labels for {classes} classes: use "
            "SparseCategoricalCrossentropy with a softmax output, or give the model one "
            "output per binary label."
        )
    return "Give y_true the shape of y_pred: one 0/1 label per output."


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(t * log p) over `axis`, for one-hot (or soft) targets t.

    Labels are smoothed towards 1/num_classes. Probabilities are first normalised to sum
    to 1 along `axis` and clipped to [EPSILON, 1 - EPSILON]; logits go through log-softmax.
    """
    y_true, y_pred = one_hot_targets(
        "CategoricalCrossentropy", y_true, y_pred, "SparseCategoricalCrossentropy")
    if ops.shape(y_pred)[axis] == 1:
        warnings.warn(
            f"CategoricalCrossentropy got y_pred of shape {ops.shape(y_pred)}, one class: "
            "the loss is always 0. Use BinaryCrossentropy for a single sigmoid output.",
            stacklevel=2,
        )
    if label_smoothing:
        classes = ops.shape(y_true)[axis]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    log_p = _log_probabilities(y_pred, from_logits, axis)
    return ops.negative(ops.sum(ops.multiply(y_true, log_p), axis=axis))


def _log_probabilities(y_pred, from_logits, axis):
    if from_logits:
        return ops.log_softmax(y_pred, axis=axis)
    p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    return ops.log(ops.clip(p, EPSILON, 1.0 - EPSILON))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None):
    """Categorical crossentropy with integer class labels y_true (classes on the last axis).

    Samples labelled `ignore_class` get a loss of 0 (the Loss object also leaves them out
    of the mean).
    """
    labels, y_pred = class_labels(
        "SparseCategoricalCrossentropy", y_true, y_pred, "CategoricalCrossentropy")
    if ignore_class is not None:
        valid = ops.not_equal(labels, ignore_class)
        labels = ops.where(valid, labels, ops.zeros(ops.shape(labels), ops.dtype(labels)))
    labels = ops.cast(labels, "int32")
    if from_logits:  # one op, which PyTorch and TensorFlow run as their fused kernels
        values = ops.sparse_softmax_crossentropy(labels, y_pred)
    else:
        targets = ops.one_hot(labels, ops.shape(y_pred)[-1], dtype=ops.dtype(y_pred))
        values = categorical_crossentropy(targets, y_pred)
    if ignore_class is None:
        return values
    return ops.where(valid, values, ops.zeros(ops.shape(values), ops.dtype(values)))


def check_class_labels(loss, labels, classes: int, output: str) -> None:
    """Raise ClassLabelError if the integer `labels` (NumPy) that the SparseCategorical-
    Crossentropy `loss` will read hold a class outside 0 .. classes - 1 (its ignore_class
    aside): a step would count such a sample as a loss of 0 on some backends and stop on
    others."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iuf" or labels.size == 0:
        return
    if loss.ignore_class is not None:
        labels = labels[labels != loss.ignore_class]
        if labels.size == 0:
            return
    low, high = labels.min(), labels.max()
    if low >= 0 and high < classes:
        return
    bad = low if low < 0 else high
    raise ClassLabelError(
        f"{type(loss).__name__} reads y as class indices 0 to {classes - 1} (output "
        f"{output!r} has {classes} classes), but y holds {bad:g}. Number the classes from 0 "
        "(for labels 1 to N, pass y - 1), or give the last layer one unit per class."
    )


# ------------------------------------------------------------------------------ classes
class Loss:
    """Per-sample values from `call(y_true, y_pred)`, weighted and reduced by `__call__`."""

    def __init__(self, reduction="sum_over_batch_size", name=None):
        if reduction is None:
            reduction = "none"
        if reduction not in REDUCTIONS:
            raise LossConfigError(
                f"Unknown reduction {reduction!r} for {type(self).__name__}. Choose one of: "
                f"{', '.join(REDUCTIONS)}."
            )
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        return reduce_weighted(
            self.call(y_true, y_pred), sample_weight, self.reduction, self.mask(y_true, y_pred)
        )

    def call(self, y_true, y_pred):
        """One value per sample."""
        raise NotImplementedError

    def mask(self, y_true, y_pred):
        """Which per-sample values count (None: all of them)."""
        return None

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class MeanSquaredError(Loss):
    """mean((y_true - y_pred)^2) per sample, weighted and reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error"):
        super().__init__(reduction, name)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)


class MeanAbsoluteError(Loss):
    """mean(|y_true - y_pred|) per sample, weighted and reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error"):
        super().__init__(reduction, name)

    def call(self, y_true, y_pred):
        return mean_absolute_error(y_true, y_pred)


class Huber(Loss):
    """Squared error up to `delta`, linear beyond it (see `huber`)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss"):
        super().__init__(reduction, name)
        self.delta = delta

    def call(self, y_true, y_pred):
        return huber(y_true, y_pred, self.delta)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class _Crossentropy(Loss):
    """What the binary and categorical crossentropies share: arguments and config."""

    function = None  # the per-sample function, a staticmethod

    def __init__(self, from_logits, label_smoothing, axis, reduction, name):
        super().__init__(reduction, name)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def call(self, y_true, y_pred):
        return self.function(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class BinaryCrossentropy(_Crossentropy):
    """Crossentropy of 0/1 labels and one probability (or logit) per output."""

    function = staticmethod(binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy"):
        super().__init__(from_logits, label_smoothing, axis, reduction, name)


class CategoricalCrossentropy(_Crossentropy):
    """Crossentropy of one-hot targets and a distribution (or logits) over classes."""

    function = staticmethod(categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy"):
        super().__init__(from_logits, label_smoothing, axis, reduction, name)


class SparseCategoricalCrossentropy(Loss):
    """Crossentropy of integer class labels and a distribution (or logits) over classes."""

    def __init__(self, from_logits=False, ignore_class=None,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy"):
        super().__init__(reduction, name)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def call(self, y_true, y_pred):
        return sparse_categorical_crossentropy(
            y_true, y_pred, self.from_logits, self.ignore_class)

    def mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        labels, _ = class_labels(type(self).__name__, y_true, y_pred, "CategoricalCrossentropy")
        return ops.not_equal(labels, self.ignore_class)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}


class LossFunction(Loss):
    """A function fn(y_true, y_pred) -> per-sample values, weighted and reduced like a Loss."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None):
        super().__init__(reduction, name or getattr(fn, "__name__", type(fn).__name__))
        self.fn = fn

    def call(self, y_true, y_pred):
        y_pred = as_float(y_pred)
        return self.fn(*match_rank(ops.convert(y_true, ops.dtype(y_pred)), y_pred))

    def get_config(self):
        raise LossConfigError(
            f"The loss {self.name!r} is a plain function and has no config. Keep the function "
            "in your code and pass it again, or subclass engine.losses.Loss with get_config."
        )


# ------------------------------------------------------------------------------- lookup
_CLASSES = (MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy)
_NAMES = {
    **{cls.__name__: cls for cls in _CLASSES},
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
NAMES = tuple(_NAMES)


def get(identifier) -> Loss:
    """A Loss from a name ("mse", "BinaryCrossentropy", ...), a Loss instance or class, a
    {"class_name", "config"} dict, or a function fn(y_true, y_pred) -> per-sample values."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _NAMES:
        return _NAMES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and not isinstance(identifier, type):
        return LossFunction(identifier)
    raise LossConfigError(
        f"Unknown loss {identifier!r}. Choose one of: {', '.join(NAMES)}; or pass a Loss, "
        "or a function f(y_true, y_pred) that returns one value per sample."
    )

__getattr__ = missing_attribute(__name__)
