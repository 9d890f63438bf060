"""What every loss shares: the Loss base, weighting and reduction, and the checks that pair
y_true with y_pred and explain a mismatch."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.errors import EngineError
from engine.layers import masks

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


def check_number(who: str, argument: str, value, low=None, high=None, integer=False):
    """Raise LossConfigError (a ValueError) unless `value` is a number (an int with `integer`)
    in [low, high]; `who` and `argument` name what was asked for, for the message."""
    kind = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or (
        (low is not None and value < low) or (high is not None and value > high)
    ):
        bounds = f" in [{low}, {high}]" if high is not None else (
            f" >= {low}" if low is not None else "")
        raise LossConfigError(
            f"{who}: {argument} must be {'an integer' if integer else 'a number'}{bounds}, got "
            f"{value!r}."
        )
    return value


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


# ------------------------------------------------------------------------------ base
class Loss:
    """Per-sample values from `call(y_true, y_pred)`, weighted and reduced by `__call__`.

    `dtype` (Keras's) is the dtype the loss computes in: y_pred is cast to it first; None
    computes in float32 (float64 stays float64).
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        if reduction is None:
            reduction = "none"
        if reduction not in REDUCTIONS:
            raise LossConfigError(
                f"Unknown reduction {reduction!r} for {type(self).__name__}. Choose one of: "
                f"{', '.join(REDUCTIONS)}."
            )
        self.reduction = reduction
        self.name = name
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        carried = masks.get_keras_mask(y_pred)  # padding a layer masked counts for nothing
        if self.dtype is not None:
            y_pred = ops.cast(ops.convert(y_pred), self.dtype)
        elif ops.dtype(y_pred) in ("float16", "bfloat16"):  # a mixed model's: Keras's float32
            y_pred = ops.cast(y_pred, "float32")
        return reduce_weighted(
            self.call(y_true, y_pred), sample_weight, self.reduction,
            masks.joined(self.mask(y_true, y_pred), carried),
        )

    def call(self, y_true, y_pred):
        """One value per sample."""
        raise NotImplementedError

    def mask(self, y_true, y_pred):
        """Which per-sample values count (None: all of them)."""
        return None

    def get_config(self) -> dict:
        config = {"name": self.name, "reduction": self.reduction}
        return config if self.dtype is None else {**config, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


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


