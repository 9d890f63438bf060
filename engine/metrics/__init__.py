"""Metrics with Keras 3's names, arguments and numbers, and Keras 3's Metric base for your own.

A metric's state is a list of arrays, one per Variable in `metric.variables` (made by
`add_variable`). A compiled training step threads that state through the pure functions

    state = metric.stateless_update(state, y_true, y_pred, sample_weight)
    value = metric.stateless_result(state)

while `update_state`, `result` and `reset_state` do the same on the Variables themselves
(base.py says how the two sides meet). The metrics live by kind: base.py (Metric, Mean, Sum,
MeanMetricWrapper), accuracy.py, regression.py, probabilistic.py (the crossentropies, KL
divergence, Poisson, hinges), confusion.py (counts, Precision, Recall, X-at-Y), auc.py,
f_score.py and iou.py.
"""

from __future__ import annotations

from engine import losses
from engine.keras_namespaces import missing_attribute
from engine.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
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
)
from engine.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from engine.metrics.auc import AUC
from engine.metrics.base import (
    Mean,
    MeanMetricWrapper,
    Metric,
    MetricConfigError,
    SampleMean,
    Sum,
)
from engine.metrics.confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from engine.metrics.f_score import F1Score, FBetaScore
from engine.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from engine.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from engine.metrics.regression import (
    ConcordanceCorrelation,
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    PearsonCorrelation,
    R2Score,
    RootMeanSquaredError,
    concordance_correlation,
    pearson_correlation,
)
from engine.naming import snake_case

_FUNCTIONS = (
    binary_accuracy, binary_crossentropy, binary_focal_crossentropy, categorical_accuracy,
    concordance_correlation, pearson_correlation,
    categorical_crossentropy, categorical_focal_crossentropy, categorical_hinge, hinge, huber,
    kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, poisson, sparse_categorical_accuracy,
    sparse_categorical_crossentropy, sparse_top_k_categorical_accuracy, squared_hinge,
    top_k_categorical_accuracy,
)
_CLASSES = (
    Mean, Sum, MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError,
    R2Score, AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives,
    TruePositives, ConcordanceCorrelation, PearsonCorrelation, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Accuracy,
    BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, F1Score, FBetaScore, IoU, BinaryIoU, MeanIoU, OneHotIoU,
    OneHotMeanIoU,
)
__all__ = ["Metric", "MetricConfigError", "MeanMetricWrapper", "SampleMean", "NAMES", "get",
           *(cls.__name__ for cls in _CLASSES), *(fn.__name__ for fn in _FUNCTIONS)]
# Keras's names: each class by its name and its snake_case name, and the legacy aliases
_NAMES = {
    **{cls.__name__: cls for cls in _CLASSES},
    **{snake_case(cls.__name__): cls for cls in _CLASSES},
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
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
        return _made(_NAMES[identifier], identifier)
    if isinstance(identifier, dict) and identifier.get("class_name") in _NAMES:
        return _NAMES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return _made(identifier)
    if callable(identifier) and not isinstance(identifier, type):
        return MeanMetricWrapper(identifier)
    raise MetricConfigError(
        f"Unknown metric {identifier!r}. Choose one of: {', '.join(NAMES)}; or pass a Metric, "
        "or a function f(y_true, y_pred) that returns one value per sample."
    )


def _made(cls, name=None):
    """cls() (named `name`), or a clear error when it has arguments without defaults."""
    try:
        return cls() if name is None else cls(name=name)
    except TypeError as error:
        raise MetricConfigError(
            f"The metric {cls.__name__} has arguments without defaults ({error}): pass an "
            f"instance, like {cls.__name__}(...), instead of its name or class."
        ) from None


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
