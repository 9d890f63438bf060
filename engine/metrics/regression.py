"""Regression metrics: means of a per-sample error (Keras's functions, from engine.losses),
the root of the mean squared error, and R^2."""

from __future__ import annotations

from engine import losses, ops
from engine.metrics.base import Mean, MeanMetricWrapper, Metric, MetricConfigError


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name, dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name, dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name, dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name, dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(normalised y_true * normalised y_pred) over `axis`: the cosine of their angle
    (the loss of that name is its negative)."""
    return ops.negative(losses.cosine_similarity(y_true, y_pred, axis))


class CosineSimilarity(MeanMetricWrapper):
    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype, axis=axis)


class LogCoshError(MeanMetricWrapper):
    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name, dtype)


def pearson_correlation(y_true, y_pred, axis=-1):
    """The Pearson correlation of y_true and y_pred along `axis`: the mean product of their
    standardised values."""
    y_true, y_pred = losses.paired("PearsonCorrelation", y_true, y_pred)

    def standardised(x):
        centred = ops.subtract(x, ops.mean(x, axis=axis, keepdims=True))
        return ops.divide(centred, ops.sqrt(ops.var(centred, axis=axis, keepdims=True)))

    return ops.mean(ops.multiply(standardised(y_true), standardised(y_pred)), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis`, 2 cov / (var_t + var_p + (mean_t -
    mean_p)^2), with the covariance written as Keras writes it (both centred on y_pred's mean),
    for its numbers."""
    y_true, y_pred = losses.paired("ConcordanceCorrelation", y_true, y_pred)
    true_mean = ops.mean(y_true, axis=axis, keepdims=True)
    pred_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    true_var = ops.var(ops.subtract(y_true, true_mean), axis=axis, keepdims=True)
    pred_var = ops.var(ops.subtract(y_pred, pred_mean), axis=axis, keepdims=True)
    covariance = ops.multiply(ops.subtract(y_true, pred_mean), ops.subtract(y_pred, pred_mean))
    norm = ops.add(ops.add(true_var, pred_var), ops.square(ops.subtract(true_mean, pred_mean)))
    return ops.mean(ops.divide(ops.multiply(2.0, covariance), ops.add(norm, losses.EPSILON)),
                    axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name, dtype, axis=axis)


class ConcordanceCorrelation(MeanMetricWrapper):
    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name, dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt of the weighted mean of the squared errors over all batches."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses.paired("RootMeanSquaredError", y_true, y_pred)
        return super().stateless_update(
            state, ops.square(ops.subtract(y_pred, y_true)), sample_weight)

    def stateless_result(self, state):
        return ops.sqrt(super().stateless_result(state))


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination, 1 - residual / total sum of squares, per output
    column; `class_aggregation` averages the columns (or keeps them, None), and
    `num_regressors` > 0 gives the adjusted R^2. Inputs are (batch, outputs)."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        if class_aggregation not in _AGGREGATIONS:
            raise MetricConfigError(
                f"R2Score: class_aggregation must be one of {_AGGREGATIONS}, got "
                f"{class_aggregation!r}."
            )
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, int) or (
                num_regressors < 0):
            raise MetricConfigError(
                f"R2Score: num_regressors must be an integer >= 0, got {num_regressors!r}.")
        super().__init__(dtype=dtype, name=name)
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")

    def build_state(self, y_true_shape):
        if len(self.variables) > 1:
            return
        outputs = 1 if len(y_true_shape) < 2 else y_true_shape[-1]
        for name in ("squared_sum", "sum", "residual", "count"):
            self.add_variable((outputs,), "zeros", name=name)

    def _inputs(self, y_true, y_pred):
        y_true, y_pred = losses.paired("R2Score", y_true, y_pred)
        if len(ops.shape(y_pred)) != 2:
            raise losses.LossShapeError(
                "R2Score", "Inputs must be 2-D, (batch_size, outputs).", ops.shape(y_true),
                ops.shape(y_pred))
        return y_true, y_pred

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Eagerly, the first batch makes the per-output Variables."""
        self.build_state(ops.shape(ops.convert(y_pred)))
        super().update_state(y_true, y_pred, sample_weight)

    def stateless_update(self, state, y_true, y_pred, sample_weight=None):
        self._require_built()
        y_true, y_pred = self._inputs(y_true, y_pred)
        samples, squared_sum, total, residual, count = state
        weight = ops.ones((), "float32") if sample_weight is None else ops.convert(
            sample_weight, "float32")
        if len(ops.shape(weight)) == 1:
            weight = ops.expand_dims(weight, 1)
        weight = ops.broadcast_to(weight, ops.shape(y_true))
        weighted = ops.multiply(y_true, weight)
        size = float(ops.shape(y_true)[0] * ops.shape(y_true)[1])
        return [
            ops.add(samples, size),
            ops.add(squared_sum, ops.sum(ops.multiply(y_true, weighted), axis=0)),
            ops.add(total, ops.sum(weighted, axis=0)),
            ops.add(residual, ops.sum(ops.multiply(ops.square(ops.subtract(y_true, y_pred)),
                                                   weight), axis=0)),
            ops.add(count, ops.sum(weight, axis=0)),
        ]

    def stateless_result(self, state):
        self._require_built()
        samples, squared_sum, total, residual, count = state
        mean = ops.divide(total, count)
        variation = ops.subtract(squared_sum, ops.multiply(total, mean))
        raw = ops.subtract(1.0, ops.divide(residual, variation))
        raw = ops.where(ops.equal(ops.abs(raw), float("inf")), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.divide(ops.sum(ops.multiply(variation, raw)), ops.sum(variation))
        else:
            score = raw
        if self.num_regressors == 0:
            return score
        # with too few samples for the adjustment, the plain R^2 (Keras warns and does so)
        n, regressors = samples, float(self.num_regressors)
        adjusted = ops.divide(ops.multiply(ops.subtract(1.0, score), ops.subtract(n, 1.0)),
                              ops.maximum(ops.subtract(n, regressors + 1.0), 1.0))
        return ops.where(ops.greater(n, regressors + 1.0), ops.subtract(1.0, adjusted), score)

    def _require_built(self):
        if len(self.variables) == 1:
            raise MetricConfigError(
                f"R2Score {self.name!r} has no per-output state yet: call update_state (or "
                "fit) first, or build_state(y_true_shape).")

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
