"""MultiHeadAttention, SimpleRNN, LSTM and GRU: weight names, dropout, then configs and shapes
(the harness rows are in tests/layers/cases/attention_recurrent.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine import LayerConfigError, LayerShapeError, layers
from tests.layers.harness import run_layer_test


# ------------------------------------------------------------------------ MultiHeadAttention
def test_mha_without_bias_and_inactive_dropout():
    result = run_layer_test(
        layers.MultiHeadAttention,
        {"num_heads": 2, "key_dim": 3, "use_bias": False, "dropout": 0.3},
        input_shapes=[(2, 4, 6), (2, 5, 6)], expected_output_shape=(2, 4, 6),
    )
    assert [w.name.split("/", 1)[1] for w in result.layer.weights] == [
        "query/kernel", "key/kernel", "value/kernel", "attention_output/kernel"]


def test_mha_attention_dropout_in_training():
    run_layer_test(
        layers.MultiHeadAttention, {"num_heads": 2, "key_dim": 3, "dropout": 0.5, "seed": 3},
        input_shapes=[(2, 4, 6), (2, 5, 6)], training=True, random=True,
    )
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=3)
    query, value = np.ones((1, 4, 6), "float32"), np.ones((1, 5, 6), "float32")
    assert not np.allclose(mha(query, value, training=True), mha(query, value))


@pytest.mark.parametrize("config, message", [
    ({"num_heads": 0, "key_dim": 3}, "`num_heads` must be a positive integer, got 0"),
    ({"num_heads": 2, "key_dim": 3, "dropout": 1.0}, "`dropout` must be in [0, 1), got 1.0"),
    ({"num_heads": 2, "key_dim": 3, "output_shape": (2, 3)}, "must be a positive integer, got (2"),
    ({"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)}, "got (1, 2)"),
    ({"num_heads": 2, "key_dim": 3, "kernel_initializer": "nope"}, "`kernel_initializer` must"),
    ({"num_heads": 2, "key_dim": 3, "seed": "7"}, "`seed` must be an integer, got '7'"),
])
def test_mha_config_errors(config, message):
    with pytest.raises(LayerConfigError, match=re.escape(message)):
        layers.MultiHeadAttention(**config)


def test_mha_accepts_the_sequence_axis_as_attention_axes():
    mha = layers.MultiHeadAttention(num_heads=1, key_dim=2, attention_axes=1)
    assert mha.get_config()["attention_axes"] == [1]


@pytest.mark.parametrize("shapes, message", [
    ([(2, 6), (2, 5, 6)], r"query as \(batch, sequence, features\).*got shape \(2, 6\)"),
    ([(2, 4, 6), (3, 5, 6)], r"one batch size .* got \[2, 3\]"),
    ([(2, 4, 6), (2, 5, 6), (2, 7, 6)], r"key and value of the same sequence length"),
])
def test_mha_shape_errors(shapes, message):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    with pytest.raises(LayerShapeError, match=message):
        mha(*[np.zeros(s, "float32") for s in shapes])
    assert not mha.built and not mha.weights


def test_mha_built_layer_rejects_another_feature_size():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    mha(np.zeros((2, 4, 6), "float32"), np.zeros((2, 5, 6), "float32"))
    with pytest.raises(LayerShapeError, match=r"built for a key with last axis 6.*\(None, 5, 8\)"):
        mha(layers.Input((4, 6)), layers.Input((5, 6)), layers.Input((5, 8)))


# ----------------------------------------------------------------------- SimpleRNN, LSTM, GRU
def test_lstm_forget_gate_bias_starts_at_one_with_keras_cell_names():
    lstm = layers.LSTM(2)
    lstm(np.zeros((1, 3, 5), "float32"))
    np.testing.assert_array_equal(lstm.get_weights()[2], [0, 0, 1, 1, 0, 0, 0, 0])
    assert [w.name for w in lstm.weights] == [
        "lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"]


def test_recurrent_layers_take_sequences_of_unknown_length():
    sequence = layers.Input((None, 3))
    output, state = layers.GRU(4, return_sequences=True, return_state=True)(sequence)
    assert (output.shape, state.shape) == ((None, None, 4), (None, 4))


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_recurrent_config_errors(cls):
    with pytest.raises(LayerConfigError, match=r"`dropout` must be in \[0, 1\], got 1.2"):
        cls(4, dropout=1.2)
    with pytest.raises(LayerConfigError, match=r"`recurrent_dropout` must be in \[0, 1\]"):
        cls(4, recurrent_dropout=-0.1)
    with pytest.raises(LayerConfigError, match="`units` must be a positive integer, got 0"):
        cls(0)
    with pytest.raises(LayerConfigError, match="`activation` must be one of .*, got 'tanhh'"):
        cls(4, activation="tanhh")


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_recurrent_layers_need_rank_3_inputs(cls):
    rnn = cls(4)
    with pytest.raises(LayerShapeError, match=r"\(batch, time, features\).*\(2, 3\)"):
        rnn(np.zeros((2, 3), "float32"))
    assert not rnn.built and not rnn.weights
