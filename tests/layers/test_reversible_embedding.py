"""ReversibleEmbedding's reverse calls: logits through the (transposed or own reverse) table
and the soft cap, against Keras's from the same weights on every backend, their gradients
against the closed form, and what a graph refuses."""

from __future__ import annotations

import numpy as np
import pytest

from engine import LayerConfigError, layers, ops
from engine.backend import available_backends, get_backend, using

IDS = np.random.default_rng(4).integers(0, 6, (2, 5)).astype("int32")
VECTORS = np.random.default_rng(5).normal(size=(2, 5, 3)).astype("float32")
CONFIGS = [
    {},
    {"tie_weights": False},
    {"logit_soft_cap": 1.5},
    {"tie_weights": False, "logit_soft_cap": 0.5, "reverse_dtype": "float64"},
]


def built(config):
    layer = layers.ReversibleEmbedding(6, 3, **config)
    layer(IDS)
    return layer


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_reverse_logits_are_keras_from_the_same_weights(config):
    keras = pytest.importorskip("keras")
    theirs = keras.layers.ReversibleEmbedding(6, 3, **config)
    theirs(IDS)
    ours = built(config)
    assert [w.name.split("/")[-1] for w in ours.weights] == [
        w.path.split("/")[-1] for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    expected = np.asarray(theirs(VECTORS, reverse=True))
    for name in available_backends():
        with using(name):
            logits = ops.to_numpy(ours(VECTORS, reverse=True))
            ids = ops.to_numpy(ours(IDS))
        assert logits.shape == (2, 5, 6) == ours.compute_output_shape((2, 5, 3), reverse=True)
        np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(ids, np.asarray(theirs(IDS)), rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("config", CONFIGS[1:3], ids=str)
def test_reverse_gradients_are_the_closed_form(config):
    """d sum(r * logits) / d vectors = (r * cap') @ table.T, cap' = 1 - tanh(l / cap)^2."""
    weights = built(config).get_weights()
    table = weights[0] if len(weights) == 1 else weights[1].T  # (input_dim, output_dim)
    r = np.random.default_rng(6).normal(size=(2, 5, 6)).astype("float32")
    cap = config.get("logit_soft_cap")
    slope = 1 - np.tanh(VECTORS @ table.T / cap) ** 2 if cap else 1.0
    expected = (r * slope) @ table
    for name in available_backends():
        backend = get_backend(name)
        with using(name):
            layer = built(config)
            layer.set_weights(weights)

            def loss(vectors, layer=layer, backend=backend):
                return backend.sum(backend.multiply(layer(vectors, reverse=True),
                                                    backend.convert(r)))

            _, grad = backend.value_and_grad(loss)(backend.convert(VECTORS))
        np.testing.assert_allclose(backend.to_numpy(grad), expected, rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_ids_carry_the_mask_and_vectors_none():
    layer = built({"mask_zero": True})
    assert np.array_equal(np.asarray(layer.compute_mask(IDS, None)), IDS != 0)
    assert layer.compute_mask(VECTORS, None) is None


def test_a_graph_refuses_a_reverse_call_and_a_bad_cap_is_refused():
    vectors = layers.Input((5, 3))
    with pytest.raises(LayerConfigError, match="reverse=True"):
        layers.ReversibleEmbedding(6, 3)(vectors, reverse=True)
    with pytest.raises(LayerConfigError, match="ReversibleEmbedding: `logit_soft_cap`"):
        layers.ReversibleEmbedding(6, 3, logit_soft_cap=0.0)
    with pytest.raises(LayerConfigError, match="ReversibleEmbedding: `tie_weights`"):
        layers.ReversibleEmbedding(6, 3, tie_weights="no")
