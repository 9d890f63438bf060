"""The core layers beyond their harness rows (tests/layers/cases/core.py): defaults, unknown
sizes, dropout's draws, batch statistics, then config and shape errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine import LayerConfigError, LayerShapeError, layers
from tests.layers.harness import run_layer_test


def _positive(shape, seed=1):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype("float32")


def _normal(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# ---------------------------------------------------------------------------------- pooling
def test_pooling_strides_default_to_pool_size():
    assert layers.MaxPooling2D(pool_size=3).get_config()["strides"] == (3, 3)


# -------------------------------------------------------------------------------- reshaping
def test_unknown_sizes_stay_unknown():
    def shape(layer, input_shape):
        return layer(layers.Input(input_shape)).shape

    assert shape(layers.Conv2D(8, 3), (None, None, 3)) == (None, None, None, 8)
    assert shape(layers.Conv1D(2, 3, strides=2, padding="same"), (None, 4)) == (None, None, 2)
    assert shape(layers.MaxPooling2D(), (None, 6, 2)) == (None, None, 3, 2)
    assert shape(layers.Flatten(), (None, 4)) == (None, None)
    assert shape(layers.Reshape((-1, 2)), (None, 4)) == (None, None, 2)
    assert shape(layers.Dense(3), (None, 5)) == (None, None, 3)
    a, b = layers.Input((None, 2)), layers.Input((3, 4))
    assert layers.Concatenate()([a, b]).shape == (None, 3, 6)
    assert layers.Add()([layers.Input((None, 4)), layers.Input((3, 4))]).shape == (None, 3, 4)


# ---------------------------------------------------------------------------------- dropout
def _numpy_output(layer, x, **kwargs):
    output = layer(x, **kwargs)  # builds the layer, so it has a backend
    return layer.backend.to_numpy(output)


def test_dropout_drops_and_scales(backend_name):
    ones = np.ones((200, 50), "float32")
    dropout = layers.Dropout(0.25, seed=3)
    first = _numpy_output(dropout, ones, training=True)
    kept = first != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(first[kept], 1 / 0.75, rtol=1e-6)
    assert (_numpy_output(dropout, ones, training=True) != first).any(), "a new mask each call"
    again = layers.Dropout(0.25, seed=3)
    np.testing.assert_array_equal(_numpy_output(again, ones, training=True), first)


def test_dropout_rate_zero_keeps_everything():
    x = _normal((4, 3))
    np.testing.assert_array_equal(layers.Dropout(0.0)(x, training=True), x)


# ----------------------------------------------------------------------- batch normalization
def _bn_weights(features, center=True, scale=True):
    weights = [_normal(features, seed=2)] if scale else []
    weights += [_normal(features, seed=3)] if center else []
    return weights + [_normal(features, seed=4), _positive(features)]


def test_frozen_batch_normalization_uses_moving_statistics_in_training():
    result = run_layer_test(layers.BatchNormalization, {"trainable": False}, (6, 4),
                            training=True, weights=_bn_weights((4,)))
    assert result.layer.trainable_weights == []


def test_batch_normalization_moving_statistics_update():
    x = _normal((8, 3)) * 2 + 1
    bn = layers.BatchNormalization(momentum=0.5)
    bn(x, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(axis=0),
                               rtol=1e-5)


# -------------------------------------------------------------------------------- embedding
def test_embedding_default_initializer_is_keras_uniform():
    assert layers.Embedding(6, 2).get_config()["embeddings_initializer"] == "random_uniform"


# ---------------------------------------------------------------------------- config errors
@pytest.mark.parametrize("make, message", [
    (lambda: layers.Dense(0), "Dense: `units` must be a positive integer, got 0"),
    (lambda: layers.Dense(2.5), "`units` must be a positive integer, got 2.5"),
    (lambda: layers.Dense(3, activation="rellu"), "`activation` must be one of linear"),
    (lambda: layers.Dense(3, kernel_initializer="glorot"), "`kernel_initializer` must be one"),
    (lambda: layers.Conv2D(0, 3), "Conv2D: `filters` must be a positive integer, got 0"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), "`kernel_size` must be a positive int or a tuple of 2"),
    (lambda: layers.Conv1D(4, 3, padding="full"), "`padding` must be one of 'valid', 'same'"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2),
     "strides > 1 cannot be combined with dilation_rate > 1"),
    (lambda: layers.Conv2D(4, 3, strides=0), "`strides` must be a positive int or a tuple of 2"),
    (lambda: layers.MaxPooling2D(pool_size=0), "`pool_size` must be a positive int or a tuple"),
    (lambda: layers.AveragePooling2D(padding="causal"), "`padding` must be one of"),
    (lambda: layers.Reshape((-1, -1)), "may have one -1 (the size that takes the rest), not more"),
    (lambda: layers.Reshape((0, 3)), "got (0, 3)"),
    (lambda: layers.Reshape(12), "`target_shape` must be a tuple of sizes, got 12"),
    (lambda: layers.Dropout(1.0), "must be in [0, 1), got 1.0"),
    (lambda: layers.Dropout(-0.1), "must be in [0, 1), got -0.1"),
    (lambda: layers.Dropout("0.5"), "got '0.5'"),
    (lambda: layers.Dropout(0.5, seed=1.5), "`seed` must be an integer, got 1.5"),
    (lambda: layers.BatchNormalization(axis="channels"), "`axis` must be an int"),
    (lambda: layers.BatchNormalization(epsilon=0), "`epsilon` must be in (0, inf), got 0"),
    (lambda: layers.LayerNormalization(axis=[]), "a non-empty list of ints, got []"),
    (lambda: layers.Embedding(0, 4), "Embedding: `input_dim` must be a positive integer"),
    (lambda: layers.Embedding(10, None), "`output_dim` must be a positive integer, got None"),
    (lambda: layers.Activation("swishy"), "`activation` must be one of linear, relu"),
    (lambda: layers.Concatenate(axis=1.5), "`axis` must be an int, got 1.5"),
    (lambda: layers.Dense(2, name="in\ud800"), "no lone surrogates), got 'in\\ud800'"),
])
def test_config_errors(make, message):
    with pytest.raises(LayerConfigError, match=re.escape(message)):
        make()


# ----------------------------------------------------------------------------- shape errors
@pytest.mark.parametrize("make, bad_shape, good_shape, message", [
    (lambda: layers.Conv2D(4, 3), (2, 5, 3), (2, 5, 5, 3),
     "(Conv2D): expects inputs of rank 4 (batch, height, width, channels), got rank 3."),
    (lambda: layers.Conv1D(4, 3), (2, 5, 4, 3), (2, 5, 3),
     "(Conv1D): expects inputs of rank 3 (batch, width, channels), got rank 4."),
    (lambda: layers.Conv2D(4, 5), (2, 3, 6, 1), (2, 6, 6, 1),
     "its kernel spans 5 along axis 1 but the input has only 3 there, so padding='valid' "
     "leaves no output."),
    (lambda: layers.Conv1D(2, 3, dilation_rate=3), (2, 6, 1), (2, 7, 1),
     "its kernel spans 7 along axis 1"),
    (lambda: layers.Dense(3), (4,), (4, 2), "(Dense): expects inputs of rank 2 or more"),
    (lambda: layers.BatchNormalization(axis=2), (4, 3), (4, 3, 2),
     "axis=2 is out of range for inputs of rank 2"),
    (lambda: layers.LayerNormalization(axis=[1, 3]), (4, 3, 2), (4, 3, 2, 2),
     "axis=[1, 3] is out of range for inputs of rank 3"),
])
def test_build_errors_leave_the_layer_unbuilt(make, bad_shape, good_shape, message):
    layer = make()
    with pytest.raises(LayerShapeError, match=re.escape(message)) as error:
        layer(np.zeros(bad_shape, "float32"))
    assert f"Input shape: {bad_shape}" in str(error.value)
    assert not layer.built and layer.weights == []
    layer(np.zeros(good_shape, "float32"))
    assert layer.built


@pytest.mark.parametrize("make, input_shape, message", [
    (lambda: layers.MaxPooling2D(3), (1, 2, 5, 1),
     "its pool spans 3 along axis 1 but the input has only 2 there"),
    (lambda: layers.GlobalAveragePooling2D(), (2, 3), "expects inputs of rank 4"),
    (lambda: layers.Reshape((5, 5)), (2, 4, 6),
     "cannot reshape (4, 6) (24 values per sample) into target_shape (5, 5) (25 values)"),
    (lambda: layers.Reshape((-1, 5)), (2, 4, 6), "(5 values times the -1 size)"),
])
def test_weightless_shape_errors(make, input_shape, message):
    with pytest.raises(LayerShapeError, match=re.escape(message)):
        make()(np.zeros(input_shape, "float32"))


def test_merge_shape_errors():
    a, b, c = (np.zeros(shape, "float32") for shape in [(2, 3), (2, 4), (2, 3, 1)])
    with pytest.raises(LayerShapeError, match=re.escape(
            "needs inputs of the same shape; got shapes (2, 3), (2, 4).")):
        layers.Add()([a, b])
    with pytest.raises(LayerShapeError, match=re.escape("got shapes (2, 3), (2, 3, 1)")):
        layers.Multiply()([a, c])
    with pytest.raises(LayerShapeError, match=re.escape(
            "sizes match on every axis but axis 0; got shapes (2, 3), (2, 4)")):
        layers.Concatenate(axis=0)([a, b])
    with pytest.raises(LayerShapeError, match=re.escape(
            "takes one list of at least two tensors, as in layers.Add()([a, b]); "
            "got 2 separate tensor argument(s)")):
        layers.Add()(a, a)
    with pytest.raises(LayerShapeError, match=re.escape("got a list of 1 tensor argument(s)")):
        layers.Concatenate()([a])


def test_symbolic_shape_errors_name_the_shapes():
    with pytest.raises(LayerShapeError, match=re.escape("got shapes (None, 3), (None, 4)")):
        layers.Add()([layers.Input((3,)), layers.Input((4,))])


def test_built_layer_rejects_other_channels():
    conv = layers.Conv2D(2, 3)
    conv(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(LayerShapeError, match=re.escape("built for inputs of shape")):
        conv(layers.Input((5, 5, 4)))
    bn = layers.BatchNormalization(axis=1)
    bn(np.zeros((2, 3, 4), "float32"))
    assert bn(layers.Input((3, 7))).shape == (None, 3, 7)
    with pytest.raises(LayerShapeError, match="built for 3 features along axis 1"):
        bn(layers.Input((4, 4)))
    embedding = layers.Embedding(6, 2)
    embedding(np.zeros((2, 5), "int32"))
    assert embedding(layers.Input((7, 2), dtype="int32")).shape == (None, 7, 2, 2)
