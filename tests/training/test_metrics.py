"""engine.metrics against Keras 3: accumulation over batches, the pure API, lookup, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import engine
from engine import losses, metrics
from engine.backend import get_backend
from engine.variables import state_scope

keras = pytest.importorskip("keras")

B, D, C, T = 8, 3, 4, 2
BATCHES = 3


def _batch(kind, seed):
    """(y_true, y_pred, sample_weight) as NumPy arrays; the weights fit the metric's values."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, C, B)
    y_true, y_pred, weight_shape = {
        "regression": (rng.normal(size=(B, D)), rng.normal(size=(B, D)), (B,)),
        "regression_sequence": (rng.normal(size=(B, T, D)), rng.normal(size=(B, T, D)), (B, T)),
        "classes": (rng.integers(0, 3, (B, D)), rng.integers(0, 3, (B, D)), (B,)),
        "binary": (rng.integers(0, 2, (B, 1)), rng.uniform(size=(B, 1)), (B,)),
        "binary_flat": (rng.integers(0, 2, B), rng.uniform(size=(B, 1)), (B, 1)),
        "one_hot": (np.eye(C)[labels], rng.uniform(size=(B, C)), (B,)),
        "sparse": (labels, rng.uniform(size=(B, C)), (B,)),
        "sparse_column": (labels[:, None], rng.normal(size=(B, C)), (B, 1)),
        "sparse_sequence": (rng.integers(0, C, (B, T)), rng.normal(size=(B, T, C)), (B, T)),
    }[kind]
    weights = rng.uniform(0.0, 2.0, weight_shape).astype("float32")
    return np.asarray(y_true, "float32"), np.asarray(y_pred, "float32"), weights


CASES = [
    ("MeanSquaredError", {}, "regression"),
    ("MeanSquaredError", {}, "regression_sequence"),
    ("MeanAbsoluteError", {}, "regression"),
    ("Accuracy", {}, "classes"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "binary_flat"),
    ("CategoricalAccuracy", {}, "one_hot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_column"),
    ("SparseCategoricalAccuracy", {}, "sparse_sequence"),
]
CASE_IDS = [f"{name}-{kind}{''.join(f'-{k}={v}' for k, v in config.items())}"
            for name, config, kind in CASES]


def _keras_results(case, weighted):
    """Keras's result after each of the batches."""
    name, config, kind = CASES[case]
    metric, results = getattr(keras.metrics, name)(**config), []
    for seed in range(BATCHES):
        y_true, y_pred, weights = _batch(kind, seed)
        metric.update_state(y_true, y_pred, weights if weighted else None)
        results.append(float(metric.result()))
    return results


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_accumulation_matches_keras(backend_name, case, weighted):
    name, config, kind = CASES[case]
    metric, results = getattr(metrics, name)(**config), []
    for seed in range(BATCHES):
        y_true, y_pred, weights = _batch(kind, seed)
        metric.update_state(y_true, y_pred, weights if weighted else None)
        results.append(float(get_backend(backend_name).to_numpy(metric.result())))
    np.testing.assert_allclose(results, _keras_results(case, weighted), rtol=1e-6)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_compiled_stateless_updates_match_keras_and_leave_variables(backend_name, case):
    name, config, kind = CASES[case]
    backend, metric = get_backend(backend_name), getattr(metrics, name)(**config)
    step = backend.jit(lambda state, t, p, w: metric.stateless_update(state, t, p, w))
    state = [variable.value for variable in metric.variables]
    for seed in range(BATCHES):
        state = step(state, *(backend.convert(a) for a in _batch(kind, seed)))
    result = backend.to_numpy(metric.stateless_result(state))
    np.testing.assert_allclose(result, _keras_results(case, True)[-1], rtol=1e-6)
    assert [float(v.numpy()) for v in metric.variables] == [0.0, 0.0]


def test_update_state_inside_a_state_scope_records_the_new_state():
    metric = metrics.MeanSquaredError()
    y_true, y_pred, _ = _batch("regression", 0)
    with state_scope({v: v.value for v in metric.variables}) as scope:
        metric.update_state(y_true, y_pred)
    assert scope.assigned == set(metric.variables)
    assert float(scope.values[metric.variables[1]]) == B
    assert float(metric.result()) == 0.0


def test_mean_matches_keras_and_tracks_a_loss(backend_name):
    ours, theirs = metrics.Mean(), keras.metrics.Mean()
    rng = np.random.default_rng(3)
    for values, weights in [(rng.uniform(1, 2, (B, D)), rng.uniform(size=B)),
                            (rng.uniform(1, 2, B), None),
                            (rng.uniform(1, 2, (B, T)), rng.uniform(size=(B, T)))]:
        ours.update_state(values.astype("float32"), weights)
        theirs.update_state(values.astype("float32"), weights)
        np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=1e-6)
    tracker = metrics.Mean("loss")
    for loss, batch_size in [(2.0, 32), (5.0, 8)]:  # how a trainer averages batch losses
        tracker.update_state(loss, sample_weight=batch_size)
    np.testing.assert_allclose(float(tracker.result()), (2 * 32 + 5 * 8) / 40, rtol=1e-7)


def test_result_is_zero_before_updates_and_after_reset(backend_name):
    metric = metrics.SparseCategoricalAccuracy()
    assert float(metric.result()) == 0.0 == float(keras.metrics.SparseCategoricalAccuracy()
                                                  .result())
    metric.update_state(*_batch("sparse", 0))
    assert float(metric.result()) > 0
    metric.reset_state()
    assert [float(v.numpy()) for v in metric.variables] == [0.0, 0.0]
    assert float(metric.result()) == 0.0


def test_variables_are_named_untrainable_and_move_with_the_backend():
    metric = metrics.BinaryAccuracy(name="acc")
    assert [v.name for v in metric.variables] == ["acc/total", "acc/count"]
    assert not any(v.trainable for v in metric.variables)
    assert all(v.shape == () and v.dtype == "float32" for v in metric.variables)
    metric.update_state(*_batch("binary", 0))
    before = float(metric.result())
    for name in engine.available_backends():
        engine.set_backend(name)
        assert all(v.backend.name == name for v in metric.variables)
        assert float(get_backend(name).to_numpy(metric.result())) == before


# ----------------------------------------------------------------- lookup and config
@pytest.mark.parametrize("loss, expected", [
    ("sparse_categorical_crossentropy", metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", metrics.CategoricalAccuracy),
    ("binary_crossentropy", metrics.BinaryAccuracy),
    (losses.SparseCategoricalCrossentropy(from_logits=True), metrics.SparseCategoricalAccuracy),
    (losses.CategoricalCrossentropy(), metrics.CategoricalAccuracy),
    (losses.BinaryCrossentropy(from_logits=True), metrics.BinaryAccuracy),
])
@pytest.mark.parametrize("identifier", ["accuracy", "acc"])
def test_accuracy_follows_the_loss(identifier, loss, expected):
    metric = metrics.get(identifier, loss=loss)
    assert type(metric) is expected and metric.name == identifier


@pytest.mark.parametrize("loss", [None, "mse", losses.Huber()])
def test_accuracy_without_a_crossentropy_loss_asks_which_one(loss):
    with pytest.raises(metrics.MetricConfigError,
                       match="ambiguous.*BinaryAccuracy.*CategoricalAccuracy.*SparseCategorical"):
        metrics.get("accuracy", loss=loss)


@pytest.mark.parametrize("identifier, expected", [
    ("mse", metrics.MeanSquaredError), ("mean_squared_error", metrics.MeanSquaredError),
    ("mae", metrics.MeanAbsoluteError), ("MAE", metrics.MeanAbsoluteError),
    ("binary_accuracy", metrics.BinaryAccuracy),
    ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy), ("mean", metrics.Mean),
])
def test_get_resolves_names_and_names_the_metric_after_them(identifier, expected):
    metric = metrics.get(identifier)
    assert type(metric) is expected and metric.name == identifier


def test_get_passes_instances_builds_classes_and_wraps_functions():
    metric = metrics.BinaryAccuracy(threshold=0.2)
    assert metrics.get(metric) is metric
    assert metrics.get(metrics.CategoricalAccuracy).name == "categorical_accuracy"
    y_true, y_pred, weights = _batch("regression", 0)
    wrapped = metrics.get(losses.mean_absolute_error)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "mean_absolute_error"
    reference = metrics.MeanAbsoluteError()
    for metric in (wrapped, reference):
        metric.update_state(y_true, y_pred, weights)
    assert float(wrapped.result()) == float(reference.result())
    with pytest.raises(metrics.MetricConfigError, match="plain function"):
        wrapped.get_config()


def test_unknown_metric_lists_the_names():
    with pytest.raises(metrics.MetricConfigError, match="Unknown metric 'acuracy'.*accuracy, acc"):
        metrics.get("acuracy")


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_config_round_trips_and_matches_keras(case):
    name, config, _ = CASES[case]
    metric = getattr(metrics, name)(**config, name="tracked")
    saved = json.loads(json.dumps(metric.get_config()))
    assert type(metric).from_config(saved).get_config() == saved
    assert metrics.get({"class_name": name, "config": saved}).get_config() == saved
    keras_config = getattr(keras.metrics, name)(**config, name="tracked").get_config()
    assert saved == keras_config
    assert getattr(metrics, name)().name == getattr(keras.metrics, name)().name


# ------------------------------------------------------------------------------ errors
def test_sparse_accuracy_with_one_hot_targets_says_use_categorical():
    y_true, y_pred, _ = _batch("one_hot", 0)
    with pytest.raises(losses.LossShapeError, match="looks one-hot.*Use CategoricalAccuracy"):
        metrics.SparseCategoricalAccuracy().update_state(y_true, y_pred)


def test_categorical_accuracy_with_labels_says_use_sparse():
    y_true, y_pred, _ = _batch("sparse", 0)
    with pytest.raises(losses.LossShapeError,
                       match="integer class labels.*Use SparseCategoricalAccuracy"):
        metrics.CategoricalAccuracy().update_state(y_true, y_pred)


def test_regression_metric_shape_mismatch_names_the_shapes():
    with pytest.raises(losses.LossShapeError, match=r"y_true of shape \(8, 2\)"):
        metrics.MeanSquaredError().update_state(np.zeros((B, 2)), np.zeros((B, D)))
