"""The per-sample loss functions Keras exports (`keras.losses.mean_squared_error`, ...): each
turns y_true and y_pred into one value per sample (or, for dice and tversky with axis=None,
one for the batch), with Keras's numerics."""

from __future__ import annotations

import math
import warnings

from engine import ops
from engine.losses.base import (
    EPSILON,
    LossConfigError,
    as_float,
    class_labels,
    one_hot_targets,
    paired,
)


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


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / y_true|) over the last axis, |y_true| at least EPSILON."""
    y_true, y_pred = paired("MeanAbsolutePercentageError", y_true, y_pred)
    ratio = ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), EPSILON))
    return ops.multiply(100.0, ops.mean(ops.abs(ratio), axis=-1))


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(1 + y_pred) - log(1 + y_true))^2) over the last axis, values at least EPSILON."""
    y_true, y_pred = paired("MeanSquaredLogarithmicError", y_true, y_pred)
    difference = ops.subtract(ops.log(ops.add(ops.maximum(y_pred, EPSILON), 1.0)),
                              ops.log(ops.add(ops.maximum(y_true, EPSILON), 1.0)))
    return ops.mean(ops.square(difference), axis=-1)


def _l2_normalize(x, axis):
    """x / max(||x||, EPSILON) along `axis` (Keras's ops.normalize): a zero vector stays 0."""
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(squares, EPSILON**2)))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(normalised y_true * normalised y_pred) over `axis`: -1 for the same direction."""
    y_true, y_pred = paired("CosineSimilarity", y_true, y_pred)
    products = ops.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis))
    return ops.negative(ops.sum(products, axis=axis))


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, as x + softplus(-2x) - log 2 (no
    overflow for large errors)."""
    y_true, y_pred = paired("LogCosh", y_true, y_pred)
    error = ops.subtract(y_pred, y_true)
    values = ops.add(error, ops.softplus(ops.multiply(error, -2.0)))
    return ops.mean(ops.subtract(values, math.log(2.0)), axis=-1)


def _hinge_labels(y_true):
    """0/1 labels as -1/1 (labels already -1/1, or anything else, are left as they are)."""
    is_label = ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0))
    all_binary = ops.min(ops.cast(is_label, ops.dtype(y_true)))
    return ops.where(ops.equal(all_binary, 1.0), ops.subtract(ops.multiply(y_true, 2.0), 1.0),
                     y_true)


def _hinge_margins(who, y_true, y_pred):
    y_true, y_pred = paired(who, y_true, y_pred)
    return ops.maximum(ops.subtract(1.0, ops.multiply(_hinge_labels(y_true), y_pred)), 0.0)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; 0/1 labels count as -1/1."""
    return ops.mean(_hinge_margins("Hinge", y_true, y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)^2) over the last axis; 0/1 labels count as -1/1."""
    return ops.mean(ops.square(_hinge_margins("SquaredHinge", y_true, y_pred)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred)), one-hot y_true."""
    y_true, y_pred = one_hot_targets("CategoricalHinge", y_true, y_pred, "Hinge")
    positive = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    negative = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(negative, positive), 1.0), 0.0)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [EPSILON, 1]."""
    y_true, y_pred = paired("KLDivergence", y_true, y_pred)
    y_true, y_pred = ops.clip(y_true, EPSILON, 1.0), ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + EPSILON)) over the last axis."""
    y_true, y_pred = paired("Poisson", y_true, y_pred)
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, EPSILON)))),
                    axis=-1)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy times (1 - p_t)^gamma, p_t the probability given to the true label,
    so that easy examples count less; with `apply_class_balancing`, times alpha for positives
    and 1 - alpha for negatives. Mean over `axis`."""
    y_true, y_pred = paired("BinaryFocalCrossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    bce = ops.negative(ops.add(ops.multiply(y_true, ops.log(p)),
                               ops.multiply(ops.subtract(1.0, y_true),
                                            ops.log(ops.subtract(1.0, p)))))
    p_t = ops.add(ops.multiply(y_true, y_pred),
                  ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha),
                         ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical crossentropy with each class's term times alpha * (1 - p)^gamma, so that
    confident predictions count less. `alpha` may be one number or one per class."""
    y_true, y_pred = one_hot_targets(
        "CategoricalFocalCrossentropy", y_true, y_pred, "SparseCategoricalCrossentropy")
    if ops.shape(y_pred)[-1] == 1:
        warnings.warn(
            f"CategoricalFocalCrossentropy got y_pred of shape {ops.shape(y_pred)}, one class. "
            "Use BinaryFocalCrossentropy for a single sigmoid output.", stacklevel=2)
    if label_smoothing:
        classes = ops.shape(y_true)[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    p = ops.clip(p, EPSILON, 1.0 - EPSILON)
    crossentropy = ops.negative(ops.multiply(y_true, ops.log(p)))
    factor = ops.multiply(ops.power(ops.subtract(1.0, p), float(gamma)),
                          ops.convert(alpha, ops.dtype(p)))
    return ops.sum(ops.multiply(factor, crossentropy), axis=axis)


def _overlap_inputs(who, y_true, y_pred, axis):
    y_pred = as_float(y_pred)
    y_true = ops.cast(ops.convert(y_true), ops.dtype(y_pred))
    if ops.shape(y_true) != ops.shape(y_pred):
        raise LossConfigError(
            f"{who}: y_true of shape {ops.shape(y_true)} and y_pred of shape "
            f"{ops.shape(y_pred)} must have the same shape."
        )
    return y_true, y_pred, None if axis is None else tuple(axis) if isinstance(
        axis, (list, tuple)) else axis


def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + EPSILON), summed over `axis`
    (None: over everything, one value for the batch)."""
    y_true, y_pred, axis = _overlap_inputs("Dice", y_true, y_pred, axis)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), EPSILON)
    return ops.subtract(1.0, ops.divide(ops.multiply(2.0, intersection), total))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN + EPSILON), with soft counts summed over `axis`
    (None: over everything): alpha weighs false positives, beta false negatives."""
    y_true, y_pred, axis = _overlap_inputs("Tversky", y_true, y_pred, axis)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    # Keras's naming, kept for its numbers: "fp" counts y_true where y_pred is low
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denominator = ops.add(ops.add(ops.add(intersection, ops.multiply(fp, alpha)),
                                  ops.multiply(fn, beta)), EPSILON)
    return ops.subtract(1.0, ops.divide(intersection, denominator))
