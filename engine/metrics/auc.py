"""AUC: the area under the ROC or precision-recall curve, from confusion counts at
`num_thresholds` thresholds (Keras's approximation, summation methods and numbers)."""

from __future__ import annotations

from engine import losses, ops
from engine.metrics.base import MetricConfigError
from engine.metrics.confusion import COUNTS, ConfusionMetric, divide_no_nan, evenly_spread

CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
SUMMATIONS = ("interpolation", "majoring", "minoring")


def _choice(who, argument, value, choices):
    key = value.lower() if isinstance(value, str) else value
    if key not in choices:
        raise MetricConfigError(f"{who}: {argument} must be one of {', '.join(map(repr, choices))}"
                                f", got {value!r}.")
    return key


class AUC(ConfusionMetric):
    """The area under the ROC curve (`curve="ROC"`), the precision-recall curve ("PR") or
    the precision-recall-gain curve ("PRGAIN"), summed over the intervals between thresholds.
    With `multi_label` each label of y_pred (batch, labels) gets its own curve, and the areas
    are averaged (weighted by `label_weights`)."""

    kept = COUNTS
    variable_names = ("true_positives", "false_positives", "true_negatives", "false_negatives")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self.curve = CURVES[_choice("AUC", "curve", curve, tuple(CURVES))]
        self.summation_method = _choice("AUC", "summation_method", summation_method,
                                        SUMMATIONS)
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            if any(not 0 <= t <= 1 for t in inner):
                raise MetricConfigError(f"AUC: thresholds must be in [0, 1], got {thresholds!r}.")
            self.num_thresholds = len(inner) + 2
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or (
                    num_thresholds < 2):
                raise MetricConfigError(f"AUC: num_thresholds must be an integer > 1, got "
                                        f"{num_thresholds!r}.")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        if num_labels is not None and not multi_label:
            raise MetricConfigError("AUC: num_labels is needed only when multi_label=True.")
        self._init_from_thresholds = thresholds is not None
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else [float(w)
                                                                 for w in label_weights]
        self.from_logits = from_logits
        all_thresholds = [0.0 - losses.EPSILON, *inner, 1.0 + losses.EPSILON]
        shape = None
        if multi_label:
            shape = (self.num_thresholds, num_labels) if num_labels else "later"
        super().__init__(all_thresholds, name, dtype, shape=None if shape == "later" else shape)
        self.clips = evenly_spread([0.0, *inner, 1.0])  # Keras's bucketed counting clips
        if shape == "later":  # made by build_state, from the targets' shape
            self.variables = []

    def build_state(self, y_true_shape):
        if self.variables:
            return
        if len(y_true_shape) != 2:
            raise losses.LossShapeError(
                "AUC", "With multi_label=True, y_true and y_pred must be (batch, labels).",
                y_true_shape, y_true_shape)
        self.num_labels = y_true_shape[-1]
        for name in self.variable_names:
            self.add_variable((self.num_thresholds, self.num_labels), "zeros", name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Eagerly, with multi_label, the first batch makes the per-label Variables."""
        self.build_state(ops.shape(ops.convert(y_pred)))
        super().update_state(y_true, y_pred, sample_weight)

    def predictions(self, y_pred):
        return ops.sigmoid(ops.convert(y_pred)) if self.from_logits else y_pred

    def stateless_result(self, state):
        if not state:
            raise MetricConfigError(
                f"AUC {self.name!r} (multi_label, no num_labels) has no state yet: call "
                "update_state (or fit) first.")
        tp, fp, tn, fn = state
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._mean_over_labels(self._interpolated_pr_areas(tp, fp, fn))
        x, y = self._curve(tp, fp, tn, fn)
        left, right = _ends(y)
        if self.summation_method == "interpolation":
            heights = ops.divide(ops.add(left, right), 2.0)
        elif self.summation_method == "minoring":
            heights = ops.minimum(left, right)
        else:
            heights = ops.maximum(left, right)
        x_left, x_right = _ends(x)
        return self._mean_over_labels(ops.multiply(ops.subtract(x_left, x_right), heights))

    def _curve(self, tp, fp, tn, fn):
        recall = divide_no_nan(tp, ops.add(tp, fn))
        if self.curve == "ROC":
            return divide_no_nan(fp, ops.add(fp, tn)), recall
        if self.curve == "PR":
            return recall, divide_no_nan(tp, ops.add(tp, fp))
        scale = divide_no_nan(ops.add(tp, fn), ops.add(tn, fp))
        no_tp = ops.equal(tp, 0.0)
        recall_gain = ops.subtract(1.0, ops.multiply(scale, divide_no_nan(fn, tp)))
        precision_gain = ops.subtract(1.0, ops.multiply(scale, divide_no_nan(fp, tp)))
        recall_gain = ops.maximum(ops.where(no_tp, 0.0, recall_gain), 0.0)
        return recall_gain, ops.where(no_tp, 1.0, precision_gain)

    @staticmethod
    def _interpolated_pr_areas(tp, fp, fn):
        """Davis & Goadrich's interpolation of precision between thresholds (Keras's closed
        form): precision varies as TP / P with TP and P linear in each interval."""
        predicted = ops.add(tp, fp)
        tp_left, tp_right = _ends(tp)
        p_left, p_right = _ends(predicted)
        dtp = ops.subtract(tp_left, tp_right)
        slope = divide_no_nan(dtp, ops.maximum(ops.subtract(p_left, p_right), 0.0))
        intercept = ops.subtract(tp_right, ops.multiply(slope, p_right))
        both = ops.logical_and(ops.greater(p_left, 0.0), ops.greater(p_right, 0.0))
        ratio = ops.where(both, divide_no_nan(p_left, ops.maximum(p_right, 0.0)), 1.0)
        _, fn_right = _ends(fn)
        return divide_no_nan(
            ops.multiply(slope, ops.add(dtp, ops.multiply(intercept, ops.log(ratio)))),
            ops.maximum(ops.add(tp_right, fn_right), 0.0))

    def _mean_over_labels(self, terms):
        if not self.multi_label:
            return ops.sum(terms)
        by_label = ops.sum(terms, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        weights = ops.convert(self.label_weights, "float32")
        return divide_no_nan(ops.sum(ops.multiply(by_label, weights)), ops.sum(weights))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = list(self.thresholds[1:-1])
        return config


def _ends(x):
    """x at the left and at the right end of each interval between thresholds (axis 0)."""
    return ops.getitem(x, slice(None, -1)), ops.getitem(x, slice(1, None))
