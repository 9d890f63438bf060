"""Losses with Keras 3's names, defaults and numbers, on any backend through engine.ops.

A loss is two steps. A per-sample function (`mean_squared_error`, ...; the same functions
Keras exports, in functions.py) turns y_true and y_pred into one value per sample, averaging
over the last axis. The Loss object (classes.py) then weights those values by `sample_weight`
and reduces them: "sum_over_batch_size" (the default: sum / number of values), "sum" or "none".

    loss = losses.get("sparse_categorical_crossentropy")
    value = loss(labels, probabilities, sample_weight=None)
"""

from __future__ import annotations

from engine.keras_namespaces import missing_attribute
from engine.losses.base import (
    EPSILON,
    REDUCTIONS,
    ClassLabelError,
    Loss,
    LossConfigError,
    LossFunction,
    LossShapeError,
    as_float,
    check_class_labels,
    class_labels,
    match_rank,
    one_hot_targets,
    paired,
    reduce_weighted,
)
from engine.losses.classes import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Dice,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    PerSampleLoss,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    Tversky,
)
from engine.losses.functions import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    cosine_similarity,
    dice,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
    tversky,
)
from engine.losses.specialised import (
    CTC,
    CategoricalGeneralizedCrossEntropy,
    Circle,
    categorical_generalized_cross_entropy,
    circle,
    ctc,
)

__all__ = [
    "EPSILON", "REDUCTIONS", "ClassLabelError", "Loss", "LossConfigError", "LossFunction",
    "LossShapeError", "as_float", "check_class_labels", "class_labels", "match_rank",
    "one_hot_targets", "paired", "reduce_weighted", "PerSampleLoss", "NAMES", "get",
]

_CLASSES = (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, Dice,
    Tversky, CTC, Circle, CategoricalGeneralizedCrossEntropy,
)
__all__ += [cls.__name__ for cls in _CLASSES]
# Keras's lower-case names (and its legacy aliases): each gives its class with defaults
_NAMES = {
    **{cls.__name__: cls for cls in _CLASSES},
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "cosine_similarity": CosineSimilarity,
    "huber": Huber, "huber_loss": Huber,
    "log_cosh": LogCosh, "logcosh": LogCosh,
    "hinge": Hinge, "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "KLD": KLDivergence,
    "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "dice": Dice, "tversky": Tversky, "ctc": CTC, "circle": Circle,
    "categorical_generalized_cross_entropy": CategoricalGeneralizedCrossEntropy,
}
NAMES = tuple(_NAMES)
_FUNCTIONS = (
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, categorical_hinge, cosine_similarity, dice, hinge, huber,
    kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
    squared_hinge, tversky, ctc, circle, categorical_generalized_cross_entropy,
)
__all__ += [function.__name__ for function in _FUNCTIONS]
# the function Keras exports under a name, as a loss: the class it stands for, with defaults
_CLASS_OF_FUNCTION = {function: _NAMES[function.__name__] for function in _FUNCTIONS}


def get(identifier) -> Loss:
    """A Loss from a name ("mse", "BinaryCrossentropy", ...), a Loss instance or class, a
    {"class_name", "config"} dict, or a function fn(y_true, y_pred) -> per-sample values
    (Keras's own functions, `losses.hinge`, ... become their classes)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _NAMES:
        return _NAMES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and identifier in _CLASS_OF_FUNCTION:
        return _CLASS_OF_FUNCTION[identifier]()
    if callable(identifier) and not isinstance(identifier, type):
        return LossFunction(identifier)
    raise LossConfigError(
        f"Unknown loss {identifier!r}. Choose one of: {', '.join(NAMES)}; or pass a Loss, "
        "or a function f(y_true, y_pred) that returns one value per sample."
    )


__getattr__ = missing_attribute(__name__)
