"""Keras 3's metrics on the engine: results after several weighted and unweighted batches equal
Keras's on every backend, compiled metrics log Keras's values through fit, and bad arguments
are refused naming the metric and the argument."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

import engine
from engine import metrics
from engine.backend import get_backend
from engine.training.trainer import TrainingDivergedError

keras = pytest.importorskip("keras")
# Keras's IoU metrics count in integers and warn about float weights; so do the cases here
pytestmark = pytest.mark.filterwarnings("ignore:You are passing weight as `float`")

B, C = 8, 3
BATCHES = 3


def _batch(kind, seed):
    """(y_true, y_pred, sample_weight) float32 NumPy arrays of one shape per kind."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, C, B)
    y_true, y_pred = {
        "binary": (rng.integers(0, 2, (B, 1)), rng.uniform(size=(B, 1))),
        "logits": (rng.integers(0, 2, (B, 1)), rng.normal(size=(B, 1))),
        "multilabel": (rng.integers(0, 2, (B, C)), rng.uniform(size=(B, C))),
        "one_hot": (np.eye(C)[labels], rng.dirichlet(np.ones(C), B)),
        "sparse": (labels, rng.dirichlet(np.ones(C), B)),
        "regression": (rng.uniform(0.5, 2.0, (B, C)), rng.normal(1.0, 1.0, (B, C))),
        "signs": (rng.choice([-1.0, 1.0], (B, C)), rng.normal(size=(B, C))),
        "classes": (labels, rng.integers(0, C, B)),
        "bits": (rng.integers(0, 2, B), rng.uniform(size=B)),
    }[kind]
    weights = rng.uniform(0.0, 2.0, B)
    return (np.asarray(y_true, "float32"), np.asarray(y_pred, "float32"),
            weights.astype("float32"))


CASES = [
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("TrueNegatives", {"thresholds": 0.3}, "multilabel"),
    ("FalseNegatives", {}, "multilabel"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "multilabel"),
    ("Precision", {"top_k": 2}, "multilabel"),
    ("Recall", {"class_id": 1, "thresholds": [0.3, 0.6]}, "multilabel"),
    ("Recall", {"top_k": 1, "class_id": 2}, "one_hot"),
    ("AUC", {}, "binary"),
    ("AUC", {"curve": "PR"}, "multilabel"),
    ("AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 7}, "binary"),
    ("AUC", {"curve": "PRGAIN", "summation_method": "minoring"}, "binary"),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 2.0, 0.5]}, "multilabel"),
    ("AUC", {"from_logits": True, "thresholds": [0.25, 0.5, 0.9]}, "logits"),
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("RecallAtPrecision", {"precision": 0.6, "num_thresholds": 50}, "multilabel"),
    ("SensitivityAtSpecificity", {"specificity": 0.5, "class_id": 0}, "multilabel"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7}, "binary"),
    ("F1Score", {}, "one_hot"),
    ("F1Score", {"average": "micro", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"average": "macro", "beta": 2.0, "threshold": 0.5}, "multilabel"),
    ("FBetaScore", {"average": "weighted", "beta": 0.5}, "one_hot"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2},
     "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("PearsonCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {"axis": -1}, "regression"),
    ("Hinge", {}, "signs"),
    ("SquaredHinge", {}, "multilabel"),
    ("CategoricalHinge", {}, "one_hot"),
    ("KLDivergence", {}, "one_hot"),
    ("Poisson", {}, "regression"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "multilabel"),
    ("BinaryCrossentropy", {"from_logits": True}, "logits"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "one_hot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("TopKCategoricalAccuracy", {"k": 2}, "one_hot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "classes"),
    ("MeanIoU", {"num_classes": C, "ignore_class": 1}, "classes"),
    ("MeanIoU", {"num_classes": C, "dtype": "float32"}, "classes"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "bits"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1]}, "one_hot"),
    ("OneHotMeanIoU", {"num_classes": C}, "one_hot"),
]
CASE_IDS = [f"{name}-{kind}-{i}" for i, (name, _, kind) in enumerate(CASES)]
# CI runs one case of each family on every backend (Keras's own first run of each costs
# seconds of JAX compilation); --slow runs them all
SAMPLE = {0, 6, 7, 10, 13, 15, 20, 23, 25, 30, 41, 43, 48}
SAMPLED = [pytest.param(case, id=CASE_IDS[case],
                        marks=() if case in SAMPLE else pytest.mark.slow)
           for case in range(len(CASES))]


@functools.cache
def _keras_results(case):
    return _results(keras, case)


def _results(namespace, case, to_numpy=np.asarray):
    """The result after each batch: the first two unweighted, the rest weighted."""
    name, config, kind = CASES[case]
    metric, results = getattr(namespace.metrics, name)(**config), []
    for seed in range(BATCHES):
        y_true, y_pred, weights = _batch(kind, seed)
        metric.update_state(y_true, y_pred, weights if seed >= 2 else None)
        results.append(np.asarray(to_numpy(metric.result()), "float64"))
    return results


@pytest.mark.parametrize("case", SAMPLED)
def test_results_match_keras(backend_name, case):
    ours = _results(engine, case, get_backend(backend_name).to_numpy)
    for mine, theirs in zip(ours, _keras_results(case)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_config_round_trips(case):
    name, config, kind = CASES[case]
    metric = getattr(metrics, name)(**config, name="tracked")
    saved = json.loads(json.dumps(metric.get_config()))
    again = metrics.get({"class_name": name, "config": saved})
    assert again.get_config() == saved
    y_true, y_pred, _ = _batch(kind, 0)
    metric.update_state(y_true, y_pred)
    again.update_state(y_true, y_pred)
    np.testing.assert_allclose(metric.result(), again.result())


def test_reset_state_starts_again():
    metric = metrics.AUC()
    y_true, y_pred, _ = _batch("binary", 0)
    metric.update_state(y_true, y_pred)
    first = float(metric.result())
    metric.update_state(*_batch("binary", 1)[:2])
    metric.reset_state()
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == first


@pytest.mark.parametrize("identifier, cls", [
    ("mape", metrics.MeanAbsolutePercentageError), ("MSLE", metrics.MeanSquaredLogarithmicError),
    ("auc", metrics.AUC), ("true_positives", metrics.TruePositives),
    ("f1_score", metrics.F1Score), ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
])
def test_names_resolve_as_keras_does(identifier, cls):
    metric = metrics.get(identifier)
    assert type(metric) is cls and metric.name == identifier
    assert type(keras.metrics.get(identifier)) in (getattr(keras.metrics, cls.__name__), type)


@pytest.mark.parametrize("make, words", [
    (lambda: metrics.Precision(thresholds=1.5), "Precision: thresholds"),
    (lambda: metrics.Recall(top_k=0), "Recall: top_k"),
    (lambda: metrics.TruePositives(thresholds=[0.5, "a"]), "TruePositives: thresholds"),
    (lambda: metrics.AUC(curve="XY"), "AUC: curve"),
    (lambda: metrics.AUC(num_thresholds=1), "AUC: num_thresholds"),
    (lambda: metrics.AUC(num_labels=3), "AUC: num_labels"),
    (lambda: metrics.PrecisionAtRecall(recall=2), "PrecisionAtRecall: recall"),
    (lambda: metrics.F1Score(average="mean"), "F1Score: average"),
    (lambda: metrics.FBetaScore(beta=2), "FBetaScore: beta"),
    (lambda: metrics.R2Score(num_regressors=-1), "R2Score: num_regressors"),
    (lambda: metrics.IoU(num_classes=2, target_class_ids=[2]), "IoU: target_class_ids"),
    (lambda: metrics.TopKCategoricalAccuracy(k=0), "TopKCategoricalAccuracy: k"),
    (lambda: metrics.get("IoU"), "IoU has arguments without defaults"),
])
def test_bad_arguments_name_the_metric_and_argument(make, words):
    with pytest.raises(metrics.MetricConfigError, match=words):
        make()


def _architecture(ns):
    inputs = ns.layers.Input((4,))
    return inputs, ns.layers.Dense(1, activation="sigmoid")(inputs)


def _compiled_metrics(ns):
    return [
        ns.metrics.TruePositives(name="tp"), ns.metrics.Precision(name="precision"),
        ns.metrics.Recall(thresholds=[0.3, 0.7], name="recall"), ns.metrics.AUC(name="auc"),
        ns.metrics.F1Score(threshold=0.5, name="f1"), ns.metrics.R2Score(name="r2"),
        ns.metrics.MeanAbsolutePercentageError(name="mape"),
    ]


def _fit_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(32, 1)) > 0).astype("float32")
    weights = rng.uniform(0.5, 1.5, 32).astype("float32")
    kernel = rng.uniform(-0.5, 0.5, (4, 1)).astype("float32")
    return x, y, weights, [kernel, np.zeros(1, "float32")]


def _fit(ns, model):
    x, y, weights, start = _fit_data()
    model.set_weights(start)
    model.compile(ns.optimizers.SGD(0.1), "binary_crossentropy",
                  weighted_metrics=_compiled_metrics(ns))
    return model.fit(x, y, sample_weight=weights, batch_size=8, epochs=2, shuffle=False,
                     verbose=0, validation_data=(x[:16], y[:16])).history


@functools.cache
def _keras_history():
    return _fit(keras, keras.Model(*_architecture(keras)))


def test_compiled_metrics_log_keras_values_through_fit(backend_name):
    ours, theirs = _fit(engine, engine.Model(*_architecture(engine))), _keras_history()
    assert set(ours) == set(theirs)
    for key, values in theirs.items():
        np.testing.assert_allclose(ours[key], values, rtol=2e-4, atol=1e-5, err_msg=key)


def test_a_metric_that_becomes_nan_stops_fit_as_a_nan_loss_does():
    x, y, _, start = _fit_data()
    model = engine.Model(*_architecture(engine))
    model.set_weights(start)
    model.compile("sgd", "binary_crossentropy",
                  weighted_metrics=[engine.metrics.R2Score(name="r2")])
    with pytest.raises(TrainingDivergedError, match="metric 'r2' became nan at epoch 1"):
        # every sample weighted 0: the loss is 0, R^2's mean of the targets 0 / 0
        model.fit(x, y, sample_weight=np.zeros(len(x), "float32"), epochs=1, verbose=0)
