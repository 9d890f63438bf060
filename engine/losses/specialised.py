"""Losses for particular setups, as Keras 3 has them: CTC for label sequences not aligned with
the output's steps, Circle for metric learning on normalised embeddings, and the generalized
cross entropy that tolerates noisy labels."""

from __future__ import annotations

from engine import ops
from engine.losses.base import LossConfigError, LossShapeError, as_float, check_number
from engine.losses.classes import PerSampleLoss


def ctc(y_true, y_pred):
    """CTC loss per sample: y_true (batch, labels) integer labels, 0 the blank and padding;
    y_pred (batch, steps, classes) logits. Every step of y_pred counts."""
    y_pred = as_float(y_pred)
    true_shape, pred_shape = ops.shape(y_true), ops.shape(y_pred)
    if len(true_shape) != 2 or len(pred_shape) != 3:
        raise LossShapeError("CTC", "y_true must be (batch, labels) integer labels and y_pred "
                             "(batch, steps, classes) logits.", true_shape, pred_shape)
    y_true = ops.cast(ops.convert(y_true), "int32")
    batch, steps = pred_shape[:2]
    label_length = ops.cast(ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1),
                            "int32")
    return ops.ctc_loss(y_true, y_pred, label_length, ops.full((batch,), steps, "int32"),
                        mask_index=0)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss per sample: y_true integer labels, y_pred L2-normalised embeddings, scored
    against `ref_embeddings` with `ref_labels` (default: the batch itself)."""
    y_pred = as_float(y_pred)
    labels = ops.reshape(ops.cast(ops.convert(y_true), "int32"), (-1, 1))
    references = y_pred if ref_embeddings is None else as_float(ref_embeddings)
    reference_labels = labels if ref_labels is None else ops.reshape(
        ops.cast(ops.convert(ref_labels), "int32"), (-1, 1))
    distances = ops.maximum(
        ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(references))), 0.0)
    positive = ops.equal(labels, ops.transpose(reference_labels))
    negative = ops.logical_not(positive)
    if remove_diagonal:
        rows, columns = ops.shape(positive)
        positive = ops.logical_and(positive, ops.logical_not(
            ops.cast(ops.eye(rows, columns), "bool")))
    positive_weights = ops.relu(ops.multiply(ops.add(margin, distances),
                                             ops.cast(positive, ops.dtype(distances))))
    negative_weights = ops.relu(ops.multiply(ops.subtract(1.0 + margin, distances),
                                             ops.cast(negative, ops.dtype(distances))))
    positive_terms = ops.multiply(-gamma, ops.multiply(positive_weights,
                                                       ops.subtract(margin, distances)))
    negative_terms = ops.multiply(gamma, ops.multiply(negative_weights,
                                                      ops.subtract(1.0 - margin, distances)))
    never = ops.full((), float("-inf"), ops.dtype(distances))
    return ops.softplus(ops.add(
        ops.logsumexp(ops.where(positive, positive_terms, never), axis=1),
        ops.logsumexp(ops.where(negative, negative_terms, never), axis=1)))


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p**q) / q per sample, p the probability y_pred gives the integer label y_true."""
    y_pred = as_float(y_pred)
    labels = ops.cast(ops.reshape(ops.convert(y_true), (-1,)), "int32")
    hot = ops.one_hot(labels, ops.shape(y_pred)[-1], dtype=ops.dtype(y_pred))
    probability = ops.sum(ops.multiply(y_pred, hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(probability, q)), q)


class CTC(PerSampleLoss):
    """Connectionist temporal classification of integer label sequences against logits."""

    function = staticmethod(ctc)

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(reduction, name, dtype)


class Circle(PerSampleLoss):
    """Circle loss of integer labels and L2-normalised embeddings; samples whose loss is 0
    (no other sample of their class) are left out of the mean, as Keras's mask does."""

    function = staticmethod(circle)

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        check_number("Circle", "gamma", gamma, 0.0)
        check_number("Circle", "margin", margin)
        super().__init__(reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def mask(self, y_true, y_pred):
        return ops.greater(self.call(y_true, y_pred), 0.0)


class CategoricalGeneralizedCrossEntropy(PerSampleLoss):
    """Generalized cross entropy, (1 - p**q) / q: cross entropy as q -> 0, MAE at q = 1."""

    function = staticmethod(categorical_generalized_cross_entropy)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise LossConfigError(f"CategoricalGeneralizedCrossEntropy: q must be a number "
                                  f"between 0 and 1 (both excluded), got {q!r}.")
        super().__init__(reduction, name, dtype, q=q)
