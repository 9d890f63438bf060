"""The losses added from Keras 3 (percentage and logarithmic errors, cosine, log-cosh, hinges,
KL divergence, Poisson, focal crossentropies, Dice, Tversky) against Keras: values under
every reduction and weighting on every backend, NumPy gradients, config, lookup, errors."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from engine import losses
from engine.backend import get_backend

keras = pytest.importorskip("keras")

B, C = 6, 4


def _data(kind):
    """(y_true, y_pred, sample_weight) float32 NumPy arrays."""
    rng = np.random.default_rng(0)
    y_true, y_pred = {
        "positive": (rng.uniform(0.2, 3.0, (B, C)), rng.uniform(0.1, 3.0, (B, C))),
        "regression": (rng.normal(size=(B, C)), rng.normal(size=(B, C))),
        "binary_probs": (rng.integers(0, 2, (B, C)), rng.uniform(0.02, 0.98, (B, C))),
        "binary_logits": (rng.integers(0, 2, (B, C)), 2 * rng.normal(size=(B, C))),
        "signs": (rng.choice([-1.0, 1.0], (B, C)), rng.normal(size=(B, C))),
        "one_hot_probs": (np.eye(C)[rng.integers(0, C, B)], rng.dirichlet(np.ones(C), B)),
        "one_hot_logits": (np.eye(C)[rng.integers(0, C, B)], 2 * rng.normal(size=(B, C))),
    }[kind]
    weights = rng.uniform(0.1, 2.0, B)
    return (np.asarray(y_true, "float32"), np.asarray(y_pred, "float32"),
            weights.astype("float32"))


CASES = [
    ("MeanAbsolutePercentageError", {}, "positive"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("LogCosh", {}, "regression"),
    ("Hinge", {}, "signs"),
    ("Hinge", {}, "binary_logits"),
    ("SquaredHinge", {}, "binary_logits"),
    ("CategoricalHinge", {}, "one_hot_logits"),
    ("KLDivergence", {}, "one_hot_probs"),
    ("Poisson", {}, "positive"),
    ("BinaryFocalCrossentropy", {}, "binary_probs"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5,
                                 "from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalFocalCrossentropy", {}, "one_hot_probs"),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 3.0, "from_logits": True,
                                      "label_smoothing": 0.2}, "one_hot_logits"),
    ("Dice", {}, "binary_probs"),
    ("Dice", {"axis": 1}, "binary_probs"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, "binary_probs"),
    ("Tversky", {"axis": (1,)}, "binary_probs"),
]
CASE_IDS = [f"{name}-{kind}-{i}" for i, (name, _, kind) in enumerate(CASES)]
SETTINGS = [("sum_over_batch_size", False), ("sum", True), ("none", True)]


@functools.cache
def _keras_value(case, reduction, weighted):
    name, config, kind = CASES[case]
    y_true, y_pred, weights = _data(kind)
    loss = getattr(keras.losses, name)(**config, reduction=reduction)
    return np.asarray(loss(y_true, y_pred, weights if weighted else None))


def _sample_weights(case, weighted):
    """The per-sample weights, where the loss gives one value per sample (Dice over all axes
    gives one for the batch, cosine similarity along axis 0 one per feature)."""
    per_sample = _keras_value(case, "none", False).shape == (B,)
    return _data(CASES[case][2])[2] if weighted and per_sample else None


@pytest.mark.parametrize("reduction, weighted", SETTINGS, ids=[s[0] for s in SETTINGS])
@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_reductions_and_weights_match_keras(case, reduction, weighted):
    """On NumPy; test_compiled_matches_keras runs each loss on every backend."""
    name, config, kind = CASES[case]
    y_true, y_pred, _ = _data(kind)
    weights = _sample_weights(case, weighted)
    value = getattr(losses, name)(**config, reduction=reduction)(y_true, y_pred, weights)
    expected = _keras_value(case, reduction, weights is not None)
    actual = get_backend("numpy").to_numpy(value)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_functions_are_keras_functions(case):
    name, config, kind = CASES[case]
    y_true, y_pred, _ = _data(kind)
    function = getattr(losses, losses.get(name).function.__name__)
    keras_function = getattr(keras.losses, function.__name__)
    np.testing.assert_allclose(
        get_backend("numpy").to_numpy(function(y_true, y_pred, **config)),
        np.asarray(keras_function(y_true, y_pred, **config)), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_numpy_gradients_match_finite_differences(case):
    name, config, kind = CASES[case]
    y_true, y_pred, _ = (a.astype("float64") for a in _data(kind))
    loss = getattr(losses, name)(**config)
    value = functools.partial(loss, y_true)
    _, grad = get_backend("numpy").value_and_grad(value)(y_pred)
    h, numeric = 1e-6, np.zeros_like(y_pred)
    for index in np.ndindex(y_pred.shape):
        step = np.zeros_like(y_pred)
        step[index] = h
        numeric[index] = (value(y_pred + step) - value(y_pred - step)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_compiled_matches_keras(backend_name, case):
    name, config, kind = CASES[case]
    y_true, y_pred, _ = _data(kind)
    backend, loss = get_backend(backend_name), getattr(losses, name)(**config)
    compiled = backend.jit(lambda t, p: loss(t, p))
    value = compiled(backend.convert(y_true), backend.convert(y_pred))
    np.testing.assert_allclose(backend.to_numpy(value),
                               _keras_value(case, "sum_over_batch_size", False),
                               rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_config_matches_keras(case):
    name, config, _ = CASES[case]
    loss = getattr(losses, name)(**config, reduction="sum")
    saved = json.loads(json.dumps(loss.get_config()))
    assert losses.get({"class_name": name, "config": saved}).get_config() == saved
    keras_config = getattr(keras.losses, name)(**config, reduction="sum").get_config()
    shared = saved.keys() & keras_config.keys()
    assert {k: saved[k] for k in shared} == json.loads(json.dumps(
        {k: keras_config[k] for k in shared}))
    assert getattr(losses, name)().name == getattr(keras.losses, name)().name


@pytest.mark.parametrize("identifier, cls", [
    ("mape", losses.MeanAbsolutePercentageError), ("msle", losses.MeanSquaredLogarithmicError),
    ("log_cosh", losses.LogCosh), ("kld", losses.KLDivergence), ("hinge", losses.Hinge),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy), ("dice", losses.Dice),
    (losses.poisson, losses.Poisson), (losses.tversky, losses.Tversky),
])
def test_names_and_functions_resolve_to_classes(identifier, cls):
    assert type(losses.get(identifier)) is cls


@pytest.mark.parametrize("make, words", [
    (lambda: losses.BinaryFocalCrossentropy(gamma=-1), "BinaryFocalCrossentropy: gamma"),
    (lambda: losses.BinaryFocalCrossentropy(alpha=1.5), "BinaryFocalCrossentropy: alpha"),
    (lambda: losses.CategoricalFocalCrossentropy(label_smoothing=2),
     "CategoricalFocalCrossentropy: label_smoothing"),
    (lambda: losses.CosineSimilarity(axis=1.5), "CosineSimilarity: axis"),
    (lambda: losses.Tversky(alpha="a"), "Tversky: alpha"),
    (lambda: losses.Hinge(reduction="mean"), "Unknown reduction 'mean' for Hinge"),
])
def test_bad_arguments_name_the_loss_and_argument(make, words):
    with pytest.raises(losses.LossConfigError, match=words):
        make()


def test_mismatched_shapes_name_the_loss():
    with pytest.raises(losses.LossShapeError, match="MeanAbsolutePercentageError"):
        losses.MeanAbsolutePercentageError()(np.ones((B, C)), np.ones((B, C + 1)))
