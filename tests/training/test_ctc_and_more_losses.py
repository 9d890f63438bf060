"""CTC, Circle and CategoricalGeneralizedCrossEntropy (engine/losses/specialised.py) and the
ops under them, keras.ops.nn's ctc_loss and ctc_decode (engine/composed_ops/ctc.py), against
Keras on every backend: values under each reduction and weighting, gradients, config, errors."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import engine
from engine import losses, ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(2)
LOGITS = RNG.standard_normal((3, 6, 5)).astype("float32")
LABELS = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]], "int32")  # 0: blank and padding
EMBEDDINGS = RNG.standard_normal((3, 4)).astype("float32")
EMBEDDINGS /= np.linalg.norm(EMBEDDINGS, axis=1, keepdims=True)
CLASSES = np.array([0, 1, 0], "int32")  # class 1 has one sample: no positive pair
PROBABILITIES = RNG.dirichlet(np.ones(4), 3).astype("float32")
WEIGHTS = RNG.uniform(0.1, 2.0, 3).astype("float32")

# (class name, arguments, y_true, y_pred)
CASES = [
    ("CTC", {}, LABELS, LOGITS),
    ("Circle", {}, CLASSES, EMBEDDINGS),
    ("Circle", {"gamma": 16.0, "margin": 0.25, "remove_diagonal": False}, CLASSES, EMBEDDINGS),
    ("CategoricalGeneralizedCrossEntropy", {}, CLASSES, PROBABILITIES),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.8}, CLASSES, PROBABILITIES),
]


def _numbers(value):
    return np.asarray(keras.ops.convert_to_numpy(value), "float64")


REDUCTIONS = ("sum_over_batch_size", "sum", "none")


@functools.cache
def _keras_value(case, reduction="none", weighted=False):
    """Keras's loss for CASES[case], computed once for all backends."""
    name, arguments, y_true, y_pred = CASES[case]
    loss = getattr(keras.losses, name)(reduction=reduction, **arguments)
    return _numbers(loss(y_true, y_pred, sample_weight=WEIGHTS if weighted else None))


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_loss_computes_as_keras(case, backend_name):
    name, arguments, y_true, y_pred = CASES[case]
    got = getattr(losses, name)(reduction="none", **arguments)(y_true, y_pred)
    np.testing.assert_allclose(ops.to_numpy(got), _keras_value(case), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_reductions_weights_and_config_as_keras(case):
    name, arguments, y_true, y_pred = CASES[case]
    for reduction in REDUCTIONS:
        ours = getattr(losses, name)(reduction=reduction, **arguments)
        for weighted in (False, True):
            got = ops.to_numpy(ours(y_true, y_pred, sample_weight=WEIGHTS if weighted else None))
            np.testing.assert_allclose(got, _keras_value(case, reduction, weighted), rtol=1e-5,
                                       atol=1e-5, err_msg=f"{name} {reduction}")
    theirs = getattr(keras.losses, name)(reduction="none", **arguments).get_config()
    assert ours.get_config() == {k: v for k, v in theirs.items() if v is not None}


@pytest.mark.parametrize("name, y_true, y_pred", [
    ("ctc", LABELS, LOGITS), ("circle", CLASSES, EMBEDDINGS),
])
def test_functions_and_lookup(name, y_true, y_pred):
    np.testing.assert_allclose(ops.to_numpy(getattr(losses, name)(y_true, y_pred)),
                               _numbers(getattr(keras.losses, name)(y_true, y_pred)), rtol=1e-5,
                               atol=1e-5)
    assert isinstance(losses.get(name), type(losses.get(getattr(losses, name))))
    got = losses.categorical_generalized_cross_entropy(CLASSES, PROBABILITIES, q=0.3)
    want = keras.losses.categorical_generalized_cross_entropy(CLASSES, PROBABILITIES, q=0.3)
    np.testing.assert_allclose(ops.to_numpy(got), _numbers(want), rtol=1e-6)


def test_ctc_ops_compute_as_keras(backend_name):
    target_length, output_length = np.array([3, 2, 1], "int32"), np.array([6, 4, 2], "int32")
    got = ops.ctc_loss(LABELS, LOGITS, target_length, output_length)
    want = keras.ops.nn.ctc_loss(LABELS, LOGITS, target_length, output_length)
    np.testing.assert_allclose(ops.to_numpy(got), _numbers(want), rtol=1e-5)
    shifted = ops.ctc_loss(LABELS - 1, LOGITS, target_length, output_length, mask_index=4)
    np.testing.assert_allclose(ops.to_numpy(shifted), _numbers(keras.ops.nn.ctc_loss(
        LABELS - 1, LOGITS, target_length, output_length, mask_index=4)), rtol=1e-5)
    for merge_repeated in (True, False):
        decoded, scores = ops.ctc_decode(LOGITS, output_length, merge_repeated=merge_repeated)
        keras_decoded, keras_scores = keras.ops.nn.ctc_decode(
            LOGITS, output_length, merge_repeated=merge_repeated)
        np.testing.assert_array_equal(ops.to_numpy(decoded), _numbers(keras_decoded))
        np.testing.assert_allclose(ops.to_numpy(scores), _numbers(keras_scores), rtol=1e-6)


def test_ctc_loss_gradient_matches_finite_differences():
    """On the NumPy backend: the forward algorithm differentiates through its scan."""
    lengths = (np.array([3, 2, 1], "int32"), np.array([6, 4, 2], "int32"))

    def loss(logits):
        return ops.sum(ops.ctc_loss(LABELS, logits, *lengths))

    _, gradient = engine.backend.active().value_and_grad(loss)(LOGITS)
    x64, numeric = LOGITS.astype("float64"), np.zeros(LOGITS.shape)
    for index in np.ndindex(LOGITS.shape):
        step = np.zeros(LOGITS.shape)
        step[index] = 1e-5
        numeric[index] = (loss(x64 + step) - loss(x64 - step)) / 2e-5
    np.testing.assert_allclose(gradient, numeric, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("call, message", [
    (lambda: losses.CTC()(LABELS[0], LOGITS), "CTC: y_true must be"),
    (lambda: losses.CategoricalGeneralizedCrossEntropy(q=1.0), "q must be a number between"),
    (lambda: losses.Circle(gamma=-1.0), "Circle: gamma must be"),
    (lambda: ops.ctc_decode(LOGITS, [6, 6, 6], strategy="beam"), "ctc_decode: strategy"),
])
def test_bad_arguments_say_what_to_do(call, message):
    with pytest.raises(ValueError, match=message):
        call()
