"""Keras's masks (engine/layers/masks.py): made, passed on, used and dropped as Keras 3 does,
on every backend, and the same numbers as Keras from the same weights."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import layers as L
from engine.backend import available_backends
from engine.export.errors import ExportError
from engine.layers import masks

keras = pytest.importorskip("keras")

IDS = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 0]], dtype="int32")  # 0 is padding
KEPT = IDS != 0


def _steps(seed=0):
    """(2, 5, 3) floats whose padded steps (where IDS is 0) are all zeros."""
    x = np.random.default_rng(seed).normal(size=(2, 5, 3)).astype("float32")
    return np.where(KEPT[..., None], x, 0.0).astype("float32")


def _numpy(x):
    return np.asarray(engine.ops.convert_to_numpy(x))


def _keras_twin(model):
    """The same architecture in real Keras, with this model's weights."""
    twin = model.to_keras()
    twin.set_weights(model.get_weights())
    return twin


def _sequence_model():
    """Embedding(mask_zero) -> LSTM over sequences -> Dense(softmax): a mask all the way."""
    i = L.Input((5,), dtype="int32")
    x = L.Embedding(10, 4, mask_zero=True)(i)
    x = L.LSTM(3, return_sequences=True)(x)
    return engine.Model(i, L.Dense(3, activation="softmax")(x))


# ----------------------------------------------------------------------- making masks
def test_embedding_with_mask_zero_gives_its_outputs_the_mask_of_nonzero_ids(backend_name):
    embedded = L.Embedding(10, 4, mask_zero=True)(IDS)
    np.testing.assert_array_equal(_numpy(embedded._keras_mask), KEPT)
    assert masks.get_keras_mask(L.Embedding(10, 4)(IDS)) is None


def test_masking_layer_zeroes_and_masks_steps_equal_to_mask_value(backend_name):
    layer = L.Masking(mask_value=0.0)
    out = layer(_steps())
    np.testing.assert_array_equal(_numpy(out._keras_mask), KEPT)
    reference = keras.layers.Masking(mask_value=0.0)
    np.testing.assert_array_equal(
        _numpy(out._keras_mask), np.asarray(reference.compute_mask(_steps())))


def test_symbolic_tensors_carry_the_mask_shape_and_layers_pass_it_or_drop_it():
    i = L.Input((5,), dtype="int32")
    x = L.Embedding(10, 4, mask_zero=True)(i)
    assert x._keras_mask.shape == (None, 5) and x._keras_mask.dtype == "bool"
    assert L.Dense(2)(x)._keras_mask.shape == (None, 5)  # Dense supports masking
    with pytest.warns(UserWarning, match="does not support masking"):
        assert L.Flatten()(x)._keras_mask is None  # Flatten does not, as in Keras
    assert L.LSTM(2)(x)._keras_mask is None  # the last output only: no steps left
    sequences, h, c = L.LSTM(2, return_sequences=True, return_state=True)(x)
    assert sequences._keras_mask.shape == (None, 5) and h._keras_mask is None


def test_a_layer_with_its_own_compute_mask_and_supports_masking_as_keras():
    class Halve(L.Layer):
        def call(self, x, mask=None):
            self.seen = mask
            return x * 0.5

    class Ones(L.Layer):
        def call(self, x):
            return x

        def compute_mask(self, inputs, previous_mask):
            return engine.ops.greater(engine.ops.sum(inputs, axis=-1), 0.0)

    halve = Halve()
    assert not halve.supports_masking and Ones().supports_masking
    out = halve(L.Embedding(10, 4, mask_zero=True)(IDS))
    np.testing.assert_array_equal(_numpy(halve.seen), KEPT)  # a `mask` parameter gets it
    assert masks.get_keras_mask(out) is None  # and it does not pass it on
    halve.supports_masking = True
    assert masks.get_keras_mask(halve(L.Embedding(10, 4, mask_zero=True)(IDS))) is not None


# -------------------------------------------------------------------- layers using masks
def test_masked_lstm_carries_its_state_over_padding_like_keras():
    """Embedding(mask_zero=True) -> LSTM end to end (the recurrent layers take `mask`), on
    every backend, against Keras from the same weights."""
    i = L.Input((5,), dtype="int32")
    model = engine.Model(i, L.LSTM(3)(L.Embedding(10, 4, mask_zero=True)(i)))
    expected = np.asarray(_keras_twin(model)(IDS))
    for name in available_backends():
        model.to_backend(name)
        ours = _numpy(model(IDS))
        np.testing.assert_allclose(ours, expected, atol=1e-5, err_msg=name)
        np.testing.assert_allclose(ours[:1], _numpy(model(IDS[:1, :3])), atol=1e-6)


def test_a_mask_through_lstm_and_dense_over_sequences_matches_keras():
    model = _sequence_model()
    expected = np.asarray(_keras_twin(model)(IDS))
    for name in available_backends():
        ours = model.to_backend(name)(IDS)
        np.testing.assert_allclose(_numpy(ours), expected, atol=1e-5, err_msg=name)
        np.testing.assert_array_equal(_numpy(ours._keras_mask), KEPT)


def test_softmax_with_a_mask_leaves_masked_values_out_as_keras():
    x = np.random.default_rng(1).normal(size=(2, 5)).astype("float32")
    mask = np.array([[1, 1, 0, 1, 0], [0, 0, 0, 0, 0]], bool)  # a fully masked row: zeros
    ours = _numpy(L.Softmax()(x, mask=mask))
    np.testing.assert_allclose(ours, np.asarray(keras.layers.Softmax()(x, mask=mask)),
                               atol=1e-6)
    assert np.all(ours[1] == 0.0)
    with pytest.raises(engine.LayerShapeError, match="mask"):
        L.Softmax()(x, mask=np.ones((2, 3), bool))


def test_global_average_pooling_1d_averages_unmasked_steps_as_keras(backend_name):
    x = _steps()
    ours = L.GlobalAveragePooling1D()(x, mask=KEPT)
    theirs = keras.layers.GlobalAveragePooling1D()(x, mask=KEPT)
    np.testing.assert_allclose(_numpy(ours), np.asarray(theirs), atol=1e-6)
    assert masks.get_keras_mask(ours) is None


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_multi_head_attention_masks_match_keras(dropout):
    """Query and value masks (from their tensors), an attention mask and a causal mask; with
    dropout Keras zeroes fully masked rows, without it they attend evenly."""
    rng = np.random.default_rng(2)
    query, value = _steps(3), rng.normal(size=(2, 6, 3)).astype("float32")
    value_mask = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]], bool)
    attention_mask = rng.uniform(size=(2, 5, 6)) > 0.3
    ours = L.MultiHeadAttention(2, 3, dropout=dropout)
    ours(query, value)
    theirs = keras.layers.MultiHeadAttention(2, 3, dropout=dropout)
    theirs(query, value)
    theirs.set_weights(ours.get_weights())
    masked_query = masks.set_keras_mask(query, KEPT)
    for kwargs in ({"value_mask": value_mask}, {"attention_mask": attention_mask},
                   {"use_causal_mask": True}):
        got = _numpy(ours(masked_query, value, **kwargs))
        keras_query = keras.ops.convert_to_tensor(query)
        keras_query._keras_mask = keras.ops.convert_to_tensor(KEPT)
        np.testing.assert_allclose(got, np.asarray(theirs(keras_query, value, **kwargs)),
                                   atol=1e-5, err_msg=str(list(kwargs)))


def test_a_graph_refuses_a_call_option_it_would_lose():
    """A node keeps tensors only: use_causal_mask=True would silently be dropped."""
    i = L.Input((5, 3))
    attention = L.MultiHeadAttention(2, 3)
    assert attention(i, i, use_causal_mask=False).shape == (None, 5, 3)  # the default: kept
    with pytest.raises(engine.LayerConfigError, match="use_causal_mask=True"):
        attention(i, i, use_causal_mask=True)


def test_merging_layers_join_masks_as_keras():
    a = L.Embedding(10, 2, mask_zero=True)(IDS)
    b = L.Embedding(10, 2, mask_zero=True)(IDS[::-1])
    either = KEPT | KEPT[::-1]
    np.testing.assert_array_equal(_numpy(L.Add()([a, b])._keras_mask), either)
    np.testing.assert_array_equal(_numpy(L.Concatenate(axis=1)([a, b])._keras_mask),
                                  np.concatenate([KEPT, KEPT[::-1]], axis=1))
    assert masks.get_keras_mask(L.Add()([a, np.ones((2, 5, 2), "float32")])) is None


# ----------------------------------------------------------------------- training
LABELS = np.random.default_rng(3).integers(0, 3, IDS.shape).astype("int32")


def _compiled(model):
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    return model


def test_masked_steps_count_for_nothing_in_loss_and_metrics(backend_name):
    model = _compiled(_sequence_model())
    other_padding = np.where(KEPT, LABELS, (LABELS + 1) % 3)
    assert model.evaluate(IDS, LABELS, verbose=0) == pytest.approx(
        model.evaluate(IDS, other_padding, verbose=0))


def test_fit_and_evaluate_with_masks_match_keras():
    model = _compiled(_sequence_model())
    twin = _compiled(_keras_twin(model))
    assert model.evaluate(IDS, LABELS, verbose=0) == pytest.approx(
        twin.evaluate(IDS, LABELS, verbose=0), rel=1e-5)
    for m in (model, twin):
        m.fit(IDS, LABELS, batch_size=2, epochs=1, verbose=0, shuffle=False)
    for w_ours, w_keras in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(w_ours, np.asarray(w_keras), atol=1e-5)


# ------------------------------------------------------------------ saving and export
def test_a_saved_model_keeps_mask_zero_and_its_masked_outputs(tmp_path):
    model = _sequence_model()
    model.save(tmp_path / "masked.wbm")
    loaded = engine.load_model(tmp_path / "masked.wbm")
    assert loaded.get_layer(model.layers[1].name).mask_zero
    np.testing.assert_allclose(_numpy(loaded(IDS)), _numpy(model(IDS)), atol=1e-6)


@pytest.mark.parametrize("target", ["torch", "jax", "tensorflow", "onnx"])
def test_exports_that_carry_no_masks_refuse_a_layer_that_uses_one(target, tmp_path):
    model = _sequence_model()
    with pytest.raises(ExportError, match="'lstm'.*uses the mask"):
        if target == "onnx":
            model.export_onnx(tmp_path / "masked.onnx")
        else:
            model.to_code(target)
    i = L.Input((5,), dtype="int32")  # a mask nothing uses changes nothing: it exports
    assert "def " in engine.Model(i, L.Dense(2)(L.Embedding(10, 4, mask_zero=True)(i))
                                  ).to_code("torch" if target == "onnx" else target)
