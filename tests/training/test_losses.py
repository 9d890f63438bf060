"""engine.losses against Keras 3: values, reductions, sample weights, gradients, errors."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

import engine
from engine import losses
from engine.backend import get_backend, using

keras = pytest.importorskip("keras")

B, D, C, T = 6, 4, 5, 3
REDUCTIONS = ["sum_over_batch_size", "sum", "none"]


def _data(kind, seed=0):
    """(y_true, y_pred, sample_weight) float32 NumPy arrays; the weights fit the loss values."""
    rng = np.random.default_rng(seed)
    uniform, normal = rng.uniform, rng.normal
    binary = rng.integers(0, 2, (B, D)).astype("float32")
    one_hot = np.eye(C, dtype="float32")[rng.integers(0, C, B)]
    labels = rng.integers(0, C, B)
    sequence_labels = np.where(uniform(size=(B, T)) < 0.3, -1, rng.integers(0, C, (B, T)))
    y_true, y_pred, weight_shape = {
        "regression": (normal(size=(B, D)), normal(size=(B, D)), (B,)),
        "regression_1d": (normal(size=B), normal(size=B), (B,)),
        "regression_column": (normal(size=B), normal(size=(B, 1)), (B,)),
        "binary_probs": (binary, uniform(0.02, 0.98, (B, D)), (B,)),
        "binary_logits": (binary, 3 * normal(size=(B, D)), (B,)),
        "binary_column": (binary[:, 0], uniform(0.02, 0.98, (B, 1)), (B,)),
        "one_hot_probs": (one_hot, uniform(0.05, 1.0, (B, C)), (B,)),
        "one_hot_logits": (one_hot, 2 * normal(size=(B, C)), (B,)),
        "one_hot_axis1_logits": (
            np.eye(C)[rng.integers(0, C, (B, T))].transpose(0, 2, 1), normal(size=(B, C, T)),
            (B, T)),
        "sparse_probs": (labels, uniform(0.05, 1.0, (B, C)), (B,)),
        "sparse_logits": (labels, 2 * normal(size=(B, C)), (B,)),
        "sparse_column_probs": (labels[:, None], uniform(0.05, 1.0, (B, C)), (B,)),
        "sparse_sequence_logits": (sequence_labels, 2 * normal(size=(B, T, C)), (B, T)),
    }[kind]
    weights = uniform(0.1, 2.0, weight_shape)
    return (np.asarray(y_true, "float32"), np.asarray(y_pred, "float32"),
            weights.astype("float32"))


CASES = [
    ("MeanSquaredError", {}, "regression"),
    ("MeanSquaredError", {}, "regression_1d"),
    ("MeanSquaredError", {}, "regression_column"),
    ("MeanAbsoluteError", {}, "regression"),
    ("Huber", {}, "regression"),
    ("Huber", {"delta": 0.4}, "regression"),
    ("BinaryCrossentropy", {}, "binary_probs"),
    ("BinaryCrossentropy", {}, "binary_column"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logits"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary_probs"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "one_hot_probs"),
    ("CategoricalCrossentropy", {"from_logits": True}, "one_hot_logits"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "one_hot_probs"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "one_hot_logits"),
    ("CategoricalCrossentropy", {"from_logits": True, "axis": 1}, "one_hot_axis1_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse_probs"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse_column_probs"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, "sparse_probs"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1},
     "sparse_sequence_logits"),
]
CASE_IDS = [f"{name}-{kind}-{'-'.join(f'{k}={v}' for k, v in config.items())}"
            for name, config, kind in CASES]


@functools.cache
def _keras_value(case, reduction, weighted):
    name, config, kind = CASES[case]
    y_true, y_pred, weights = _data(kind)
    loss = getattr(keras.losses, name)(**config, reduction=reduction)
    return np.asarray(loss(y_true, y_pred, weights if weighted else None))


def _ours(name, config, **kwargs):
    return getattr(losses, name)(**config, **kwargs)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_matches_keras(backend_name, case, reduction, weighted):
    name, config, kind = CASES[case]
    y_true, y_pred, weights = _data(kind)
    value = _ours(name, config, reduction=reduction)(
        y_true, y_pred, weights if weighted else None)
    expected = _keras_value(case, reduction, weighted)
    actual = get_backend(backend_name).to_numpy(value)
    assert actual.dtype == np.float32 and actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("weights", [(B, 1), (B, T)], ids=str)
def test_sample_weights_of_higher_rank_match_keras(weights):
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.normal(size=(2, B, T, D)).astype("float32")
    sample_weight = rng.uniform(size=weights).astype("float32")
    for reduction in REDUCTIONS:
        expected = keras.losses.MeanSquaredError(reduction=reduction)(
            y_true, y_pred, sample_weight)
        actual = losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight)
        np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_every_ignored_label_gives_zero():
    y_pred = np.random.default_rng(2).normal(size=(3, C)).astype("float32")
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    assert float(loss(np.full(3, -1), y_pred)) == 0.0


# -------------------------------------------------------------------------- gradients
def _gradient(backend, case, dtype="float32"):
    name, config, kind = CASES[case]
    y_true, y_pred, weights = (a.astype(dtype) for a in _data(kind))
    loss = _ours(name, config)
    with using(backend):
        _, grad = backend.value_and_grad(lambda p: loss(y_true, p, weights))(
            backend.convert(y_pred))
    return backend.to_numpy(grad)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_gradients_agree_across_backends(backend_name, case):
    """Each backend's float32 gradient against NumPy's float64 one (checked just below)."""
    expected = _gradient(get_backend("numpy"), case, "float64")
    np.testing.assert_allclose(
        _gradient(get_backend(backend_name), case), expected,
        rtol=1e-5, atol=1e-6 * np.abs(expected).max())


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_numpy_gradients_match_finite_differences(case):
    name, config, kind = CASES[case]
    y_true, y_pred, weights = (a.astype("float64") for a in _data(kind))
    loss = _ours(name, config)
    value = functools.partial(loss, y_true, sample_weight=weights)
    _, grad = get_backend("numpy").value_and_grad(value)(y_pred)
    assert grad.dtype == np.float64
    h, numeric = 1e-6, np.zeros_like(y_pred)
    for index in np.ndindex(y_pred.shape):
        step = np.zeros_like(y_pred)
        step[index] = h
        numeric[index] = (value(y_pred + step) - value(y_pred - step)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)


COMPILED = [i for i, case_id in enumerate(CASE_IDS) if case_id in (
    "BinaryCrossentropy-binary_probs-", "BinaryCrossentropy-binary_logits-from_logits=True",
    "SparseCategoricalCrossentropy-sparse_probs-",
    "SparseCategoricalCrossentropy-sparse_sequence_logits-from_logits=True-ignore_class=-1")]


@pytest.mark.parametrize("case", COMPILED, ids=[CASE_IDS[i] for i in COMPILED])
def test_compiled_loss_matches_keras(backend_name, case):
    name, config, kind = CASES[case]
    y_true, y_pred, weights = _data(kind)
    backend, loss = get_backend(backend_name), _ours(name, config)
    compiled = backend.jit(lambda t, p, w: loss(t, p, w))
    value = compiled(*(backend.convert(a) for a in (y_true, y_pred, weights)))
    np.testing.assert_allclose(
        backend.to_numpy(value), _keras_value(case, "sum_over_batch_size", True), rtol=1e-6)


# ----------------------------------------------------------------- config and lookup
@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_config_round_trip_and_keras_names(case):
    name, config, _ = CASES[case]
    loss = _ours(name, config, reduction="sum")
    saved = json.loads(json.dumps(loss.get_config()))
    assert type(loss).from_config(saved).get_config() == loss.get_config()
    assert losses.get({"class_name": name, "config": saved}).get_config() == saved
    keras_config = getattr(keras.losses, name)(**config, reduction="sum").get_config()
    shared = saved.keys() & keras_config.keys()
    assert {k: saved[k] for k in shared} == {k: keras_config[k] for k in shared}
    assert saved.keys() - keras_config.keys() <= {"delta"}  # Keras's Huber config drops delta
    assert getattr(losses, name)().name == getattr(keras.losses, name)().name


@pytest.mark.parametrize("identifier, cls", [
    ("mse", losses.MeanSquaredError), ("mean_squared_error", losses.MeanSquaredError),
    ("MSE", losses.MeanSquaredError), ("mae", losses.MeanAbsoluteError),
    ("mean_absolute_error", losses.MeanAbsoluteError), ("huber", losses.Huber),
    ("Huber", losses.Huber), ("binary_crossentropy", losses.BinaryCrossentropy),
    ("bce", losses.BinaryCrossentropy),
    ("categorical_crossentropy", losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ("SparseCategoricalCrossentropy", losses.SparseCategoricalCrossentropy),
    (losses.Huber, losses.Huber),
])
def test_get_resolves_keras_names(identifier, cls):
    assert type(losses.get(identifier)) is cls


def test_get_passes_instances_and_wraps_functions():
    loss = losses.Huber(delta=2.0)
    assert losses.get(loss) is loss
    y_true, y_pred, weights = _data("regression")

    def squared(t, p):
        return engine.ops.mean(engine.ops.square(engine.ops.subtract(t, p)), axis=-1)

    wrapped = losses.get(squared)
    assert wrapped.name == "squared" and wrapped.reduction == "sum_over_batch_size"
    np.testing.assert_allclose(
        wrapped(y_true, y_pred, weights), losses.MeanSquaredError()(y_true, y_pred, weights),
        rtol=1e-7)
    with pytest.raises(losses.LossConfigError, match="plain function"):
        wrapped.get_config()


def test_unknown_loss_lists_the_names():
    with pytest.raises(losses.LossConfigError, match="Unknown loss 'msq'.*mse.*huber"):
        losses.get("msq")
    with pytest.raises(ValueError, match="Unknown loss 3"):
        losses.get(3)


def test_unknown_reduction_is_refused():
    with pytest.raises(losses.LossConfigError, match="reduction 'mean_of_sums'.*sum_over_batch"):
        losses.MeanSquaredError(reduction="mean_of_sums")
    assert losses.MeanSquaredError(reduction=None).reduction == "none"


# ------------------------------------------------------------------------------ errors
def test_sparse_loss_with_one_hot_targets_says_use_categorical():
    y_true, y_pred, _ = _data("one_hot_probs")
    with pytest.raises(losses.LossShapeError) as error:
        losses.SparseCategoricalCrossentropy()(y_true, y_pred)
    message = str(error.value)
    assert "looks one-hot" in message and "Use CategoricalCrossentropy" in message
    assert f"y_true of shape {(B, C)}" in message and isinstance(error.value, ValueError)
    assert isinstance(error.value, engine.EngineError)


@pytest.mark.parametrize("labels", [(B,), (B, 1)], ids=str)
def test_categorical_loss_with_integer_labels_says_use_sparse(labels):
    _, y_pred, _ = _data("one_hot_probs")
    y_true = np.zeros(labels, "int32")
    with pytest.raises(losses.LossShapeError,
                       match="integer class labels.*Use SparseCategoricalCrossentropy"):
        losses.CategoricalCrossentropy()(y_true, y_pred)


def test_binary_loss_with_class_labels_says_use_sparse():
    y_true, y_pred, _ = _data("sparse_probs")
    with pytest.raises(losses.LossShapeError, match="5 classes: use SparseCategorical"):
        losses.BinaryCrossentropy()(y_true, y_pred)


def test_regression_shape_mismatch_names_both_shapes():
    with pytest.raises(losses.LossShapeError,
                       match=r"MeanSquaredError: .*y_true of shape \(6, 3\) and y_pred of "
                             r"shape \(6, 4\)"):
        losses.MeanSquaredError()(np.zeros((B, 3)), np.zeros((B, D)))


def test_sparse_labels_of_the_wrong_length():
    with pytest.raises(losses.LossShapeError, match=r"one integer class label per sample"):
        losses.SparseCategoricalCrossentropy()(np.zeros(B + 1), np.ones((B, C)))


def test_one_class_categorical_warns_like_keras():
    with pytest.warns(UserWarning, match="Use BinaryCrossentropy"):
        losses.CategoricalCrossentropy()(np.ones((B, 1)), np.ones((B, 1)))
