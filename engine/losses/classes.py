"""The Loss classes Keras 3 has: each holds its arguments, checked when it is made, and
weights and reduces the values of its per-sample function (engine/losses/functions.py)."""

from __future__ import annotations

from engine.losses import functions
from engine.losses.base import Loss, check_number, class_labels
from engine.ops import not_equal


class PerSampleLoss(Loss):
    """A Loss around `function` (a staticmethod) called with the arguments given at init,
    which are also its attributes and its config."""

    function = None

    def __init__(self, reduction, name, dtype=None, **arguments):
        super().__init__(reduction, name, dtype)
        self._arguments = tuple(arguments)
        vars(self).update(arguments)

    def call(self, y_true, y_pred):
        return self.function(y_true, y_pred, **{key: getattr(self, key)
                                                for key in self._arguments})

    def get_config(self):
        return {**super().get_config(),
                **{key: getattr(self, key) for key in self._arguments}}


def _checked_crossentropy(who, label_smoothing, axis):
    check_number(who, "label_smoothing", label_smoothing, 0.0, 1.0)
    check_number(who, "axis", axis, integer=True)


def _checked_focus(who, gamma, alpha=None):
    check_number(who, "gamma", gamma, 0.0)
    if alpha is not None:
        check_number(who, "alpha", alpha, 0.0, 1.0)


class MeanSquaredError(PerSampleLoss):
    """mean((y_true - y_pred)^2) per sample, weighted and reduced."""

    function = staticmethod(functions.mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction, name, dtype)


class MeanAbsoluteError(PerSampleLoss):
    """mean(|y_true - y_pred|) per sample, weighted and reduced."""

    function = staticmethod(functions.mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction, name, dtype)


class MeanAbsolutePercentageError(PerSampleLoss):
    """100 * mean(|(y_true - y_pred) / y_true|) per sample, weighted and reduced."""

    function = staticmethod(functions.mean_absolute_percentage_error)

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(reduction, name, dtype)


class MeanSquaredLogarithmicError(PerSampleLoss):
    """mean((log(1 + y_pred) - log(1 + y_true))^2) per sample, weighted and reduced."""

    function = staticmethod(functions.mean_squared_logarithmic_error)

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(reduction, name, dtype)


class CosineSimilarity(PerSampleLoss):
    """Minus the cosine of the angle between y_true and y_pred along `axis`."""

    function = staticmethod(functions.cosine_similarity)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        check_number("CosineSimilarity", "axis", axis, integer=True)
        super().__init__(reduction, name, dtype, axis=axis)


class Huber(PerSampleLoss):
    """Squared error up to `delta`, linear beyond it (see `huber`)."""

    function = staticmethod(functions.huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        check_number("Huber", "delta", delta, 0.0)
        super().__init__(reduction, name, dtype, delta=delta)


class LogCosh(PerSampleLoss):
    """mean(log(cosh(y_pred - y_true))) per sample, weighted and reduced."""

    function = staticmethod(functions.log_cosh)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction, name, dtype)


class Hinge(PerSampleLoss):
    """mean(max(1 - y_true * y_pred, 0)) per sample, labels -1/1 (0/1 are converted)."""

    function = staticmethod(functions.hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class SquaredHinge(PerSampleLoss):
    """mean(max(1 - y_true * y_pred, 0)^2) per sample, labels -1/1 (0/1 are converted)."""

    function = staticmethod(functions.squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class CategoricalHinge(PerSampleLoss):
    """The hinge loss of one-hot targets: max(0, 1 + best wrong score - true score)."""

    function = staticmethod(functions.categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction, name, dtype)


class KLDivergence(PerSampleLoss):
    """sum(y_true * log(y_true / y_pred)) per sample, weighted and reduced."""

    function = staticmethod(functions.kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction, name, dtype)


class Poisson(PerSampleLoss):
    """mean(y_pred - y_true * log(y_pred)) per sample, weighted and reduced."""

    function = staticmethod(functions.poisson)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction, name, dtype)


class BinaryCrossentropy(PerSampleLoss):
    """Crossentropy of 0/1 labels and one probability (or logit) per output."""

    function = staticmethod(functions.binary_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        _checked_crossentropy("BinaryCrossentropy", label_smoothing, axis)
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(PerSampleLoss):
    """Binary crossentropy that down-weights easy examples by (1 - p_t)^gamma."""

    function = staticmethod(functions.binary_focal_crossentropy)

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        _checked_crossentropy("BinaryFocalCrossentropy", label_smoothing, axis)
        _checked_focus("BinaryFocalCrossentropy", gamma, alpha)
        super().__init__(reduction, name, dtype, apply_class_balancing=apply_class_balancing,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(PerSampleLoss):
    """Crossentropy of one-hot targets and a distribution (or logits) over classes."""

    function = staticmethod(functions.categorical_crossentropy)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        _checked_crossentropy("CategoricalCrossentropy", label_smoothing, axis)
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(PerSampleLoss):
    """Categorical crossentropy that down-weights confident classes by alpha (1 - p)^gamma."""

    function = staticmethod(functions.categorical_focal_crossentropy)

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        _checked_crossentropy("CategoricalFocalCrossentropy", label_smoothing, axis)
        _checked_focus("CategoricalFocalCrossentropy", gamma)
        super().__init__(reduction, name, dtype, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(PerSampleLoss):
    """Crossentropy of integer class labels and a distribution (or logits) over classes;
    samples labelled `ignore_class` are left out of the mean."""

    function = staticmethod(functions.sparse_categorical_crossentropy)

    def __init__(self, from_logits=False, ignore_class=None,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy",
                 dtype=None):
        if ignore_class is not None:
            check_number("SparseCategoricalCrossentropy", "ignore_class", ignore_class,
                         integer=True)
        super().__init__(reduction, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class)

    def mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        labels, _ = class_labels(type(self).__name__, y_true, y_pred, "CategoricalCrossentropy")
        return not_equal(labels, self.ignore_class)


class Dice(PerSampleLoss):
    """1 - the Dice coefficient of y_true and y_pred, summed over `axis` (None: all)."""

    function = staticmethod(functions.dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(reduction, name, dtype, axis=axis)


class Tversky(PerSampleLoss):
    """1 - the Tversky index: Dice with false positives weighted by alpha and false
    negatives by beta."""

    function = staticmethod(functions.tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        check_number("Tversky", "alpha", alpha)
        check_number("Tversky", "beta", beta)
        super().__init__(reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
