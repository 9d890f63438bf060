"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: masks, weight names, initial states, and the errors
they give (the harness rows are in tests/layers/cases/conv_lstm.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import LayerConfigError, LayerShapeError, layers, tree
from engine.backend import available_backends, get_backend, using

FRAMES_2D = (2, 3, 5, 5, 2)  # batch, time, height, width, channels
MASK = np.array([[True, True, False], [True, False, True]])


def test_masked_steps_keep_the_state_and_repeat_the_output():
    """A masked frame is skipped (Keras's RNN semantics; Keras 3.15's own ConvLSTM fails with
    a mask on JAX): each sample's states are those of its kept frames alone."""
    x = np.random.default_rng(3).standard_normal(FRAMES_2D).astype("float32")
    config = {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True,
              "return_state": True, "bias_initializer": "random_uniform"}
    layer = layers.ConvLSTM2D(**config)
    layer(x)
    kept = [tree.flatten(layer(x[b:b + 1, MASK[b]])) for b in range(2)]
    for name in available_backends():
        with using(name):
            twin = layers.ConvLSTM2D.from_config(layer.get_config())
            twin(x)
            twin.set_weights(layer.get_weights())
            sequence, h, c = (get_backend(name).to_numpy(o) for o in twin(x, mask=MASK))
        for b, (alone_sequence, alone_h, alone_c) in enumerate(kept):
            np.testing.assert_allclose(sequence[b, MASK[b]], alone_sequence[0], rtol=1e-5,
                                       atol=1e-6, err_msg=name)
            np.testing.assert_allclose(np.stack([h[b], c[b]]), np.stack([alone_h[0], alone_c[0]]),
                                       rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_array_equal(sequence[0, 2], sequence[0, 1])  # repeated when masked
        np.testing.assert_array_equal(sequence[1, 1], sequence[1, 0])


def test_forget_gate_bias_starts_at_one_with_keras_cell_names():
    layer = layers.ConvLSTM1D(2, 3)
    layer(np.zeros((1, 2, 4, 1), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 1, 1, 0, 0, 0, 0])
    assert [w.name for w in layer.weights] == [
        "conv_lstm1d/conv_lstm_cell/kernel", "conv_lstm1d/conv_lstm_cell/recurrent_kernel",
        "conv_lstm1d/conv_lstm_cell/bias"]


def test_initial_state():
    x = np.ones((2, 3, 4, 1), "float32")
    h = np.full((2, 4, 2), 0.5, "float32")
    layer = layers.ConvLSTM1D(2, 3, padding="same")
    assert not np.allclose(layer(x, initial_state=[h, h]), layer(x))
    with pytest.raises(LayerShapeError, match="takes 2 initial state tensor"):
        layer(x, initial_state=[h])


def test_weight_penalties_and_constraints_are_the_cells():
    layer = layers.ConvLSTM1D(2, 3, kernel_regularizer={"class_name": "L2",
                                                        "config": {"l2": 0.5}},
                              recurrent_regularizer="l1", bias_regularizer="l2",
                              kernel_constraint="non_neg", recurrent_constraint="unit_norm",
                              bias_constraint="max_norm")
    layer(np.ones((2, 3, 4, 1), "float32"))
    kernel, recurrent, bias = layer.get_weights()
    expected = (0.5 * np.sum(kernel ** 2) + 0.01 * np.sum(np.abs(recurrent))
                + 0.01 * np.sum(bias ** 2))
    np.testing.assert_allclose(sum(float(np.asarray(loss)) for loss in layer.losses), expected,
                               rtol=1e-5)
    assert [type(w.constraint).__name__ for w in layer.weights] == [
        "NonNeg", "UnitNorm", "MaxNorm"]


@pytest.mark.parametrize("config, message", [
    ({"dropout": 1.2}, r"ConvLSTM2D: `dropout` must be in \[0, 1\], got 1.2"),
    ({"recurrent_dropout": -0.1}, r"`recurrent_dropout` must be in \[0, 1\]"),
    ({"strides": 2, "dilation_rate": 2}, "strides > 1 cannot be combined with dilation_rate"),
    ({"data_format": "channels_first"}, "`data_format` must be 'channels_last' or None"),
    ({"kernel_size": (3, 3, 3)}, "`kernel_size` must be a positive int or a tuple of 2"),
    ({"padding": "causal"}, "`padding` must be one of"),
])
def test_config_errors(config, message):
    with pytest.raises(LayerConfigError, match=message):
        layers.ConvLSTM2D(**{"filters": 2, "kernel_size": 3, **config})


@pytest.mark.parametrize("shape, message", [
    ((2, 5, 5, 2), r"\(batch, time, height, width, channels\)"),
    ((2, 3, 2, 2, 2), r"kernel spans 3 along axis 2 but the input has only 2.*\(2, 3, 2, 2, 2\)"),
])
def test_shape_errors_leave_the_layer_unbuilt(shape, message):
    layer = layers.ConvLSTM2D(2, 3)
    with pytest.raises(LayerShapeError, match=message):
        layer(np.zeros(shape, "float32"))
    assert not layer.built and not layer.weights


def test_frames_of_unknown_size_are_refused_as_keras_refuses_them():
    with pytest.raises(LayerShapeError, match="known frame sizes"):
        layers.ConvLSTM2D(2, 3)(layers.Input((3, None, 5, 2)))
    output = layers.ConvLSTM2D(2, 3, return_sequences=True)(layers.Input((None, 5, 5, 2)))
    assert output.shape == (None, None, 3, 3, 2)
