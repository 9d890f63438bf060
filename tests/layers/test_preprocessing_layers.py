"""Preprocessing layers: the image ops against keras.ops.image, Normalization.adapt and
Discretization.adapt against Keras's, properties of the random layers' training outputs, and
errors (the harness rows are in tests/layers/cases/preprocessing.py)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import LayerConfigError, LayerShapeError, layers, ops
from engine.backend import available_backends, using
from tests.layers.cases.preprocessing import IDS, IMAGES, PIXELS, RANDOM


def row(*values, marks=()):
    """A parameter set named by its layer class or its values."""
    name = "-".join(getattr(v, "__name__", None) or str(v) for v in values
                    if not isinstance(v, (dict, tuple)))
    return pytest.param(*values, marks=marks, id=name)


def slow(*values):
    """A parameter set that runs only with --slow (the fast set keeps one of each kind)."""
    return row(*values, marks=pytest.mark.slow)


# ------------------------------------------------------------------ image ops against Keras
TRANSFORMS = np.array([[0.9, -0.3, 1.37, 0.25, 1.1, -1.21, 0.0, 0.0],
                       [1.3, 0.15, -2.13, -0.2, 0.8, 1.59, 0.0, 0.0]], "float32")


@pytest.mark.parametrize("fill_mode, interpolation", [
    ("constant", "bilinear"), ("reflect", "nearest"),
    *[slow(mode, interpolation) for mode in ("constant", "nearest", "wrap", "mirror", "reflect")
      for interpolation in ("bilinear", "nearest")
      if (mode, interpolation) not in {("constant", "bilinear"), ("reflect", "nearest")}],
])
def test_affine_transform_is_keras(fill_mode, interpolation):
    keras = pytest.importorskip("keras")
    theirs = keras.ops.image.affine_transform(PIXELS, TRANSFORMS, interpolation, fill_mode,
                                              fill_value=7.0)
    for name in available_backends():
        with using(name):
            ours = ops.image.affine_transform(PIXELS, TRANSFORMS, interpolation, fill_mode,
                                              7.0)
            np.testing.assert_allclose(ops.to_numpy(ours), np.asarray(theirs), rtol=1e-4,
                                       atol=1e-3, err_msg=name)


@pytest.mark.parametrize("size, interpolation", [
    ((3, 4), "bilinear"), ((9, 13), "nearest"), slow((9, 13), "bilinear"),
    slow((3, 4), "nearest"), slow((6, 3), "bilinear"), slow((6, 3), "nearest"),
])
def test_resize_is_keras(size, interpolation):
    keras = pytest.importorskip("keras")
    theirs = keras.ops.image.resize(PIXELS, size, interpolation)
    for name in available_backends():
        with using(name):
            ours = ops.to_numpy(ops.image.resize(PIXELS, size, interpolation))
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-3,
                                   err_msg=name)


# ------------------------------------------------------------------------- Normalization
def test_adapt_matches_keras_for_an_array_and_for_batches():
    keras = pytest.importorskip("keras")
    data = np.random.default_rng(0).normal(2.0, 3.0, (10, 4, 3)).astype("float32")
    batches = [data[:3], data[3:7], data[7:]]
    for axis in (-1, (1, 2), None):
        theirs = keras.layers.Normalization(axis=axis)
        theirs.adapt(data)
        for source in (data, batches, iter(batches)):
            ours = layers.Normalization(axis=axis)
            ours.adapt(source)
            np.testing.assert_allclose(ours(data), theirs(data), rtol=1e-4, atol=1e-5)
            assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]


def test_an_adapted_normalization_trains_nothing_and_runs_in_a_model():
    data = np.random.default_rng(0).normal(2.0, 3.0, (8, 3)).astype("float32")
    norm = layers.Normalization()
    norm.adapt(data)
    assert not norm.trainable_weights
    inputs = layers.Input((3,))
    model = engine.Model(inputs, layers.Dense(1)(norm(inputs)))
    normalized = (data - data.mean(0)) / data.std(0)
    np.testing.assert_allclose(np.asarray(norm(data)), normalized, rtol=1e-4, atol=1e-5)
    assert model.predict(data).shape == (8, 1)


# --------------------------------------------------------------- random layers, training
@pytest.mark.parametrize("cls, config", [row(cls, config) for cls, config, _ in RANDOM])
def test_training_draws_differ_per_call_and_repeat_with_the_seed(cls, config):
    first, again = cls(**config), cls(**config)
    a, *later = (np.asarray(first(PIXELS, training=True)) for _ in range(4))
    assert a.shape == IMAGES
    assert any(not np.allclose(a, b) for b in later), "each call draws anew"
    np.testing.assert_array_equal(np.asarray(again(PIXELS, training=True)), a)


def test_flips_are_exact_flips_of_each_image():
    out = np.asarray(layers.RandomFlip("horizontal", seed=3)(PIXELS, training=True))
    for image, flipped in zip(PIXELS, out):
        assert np.array_equal(flipped, image) or np.array_equal(flipped, image[:, ::-1])


def test_contrast_and_brightness_stay_in_range_and_move_each_image_as_one():
    for layer in (layers.RandomContrast(0.9, seed=0), layers.RandomBrightness(0.5, seed=0)):
        out = np.asarray(layer(PIXELS, training=True))
        assert out.min() >= 0 and out.max() <= 255
    shifted = np.asarray(layers.RandomBrightness((0.1, 0.1), value_range=(0, 1000))(
        PIXELS, training=True))
    np.testing.assert_allclose(shifted - PIXELS, 100.0, rtol=1e-5)


def test_a_random_crop_is_a_window_of_the_image():
    out = np.asarray(layers.RandomCrop(4, 5, seed=0)(PIXELS, training=True))
    windows = [PIXELS[:, i:i + 4, j:j + 5] for i in range(3) for j in range(4)]
    assert any(np.array_equal(out, w) for w in windows)


def test_rotation_by_a_half_turn_reverses_both_axes():
    half = layers.RandomRotation((0.5, 0.5), interpolation="nearest")
    out = np.asarray(half(PIXELS, training=True))
    np.testing.assert_allclose(out, PIXELS[:, ::-1, ::-1], atol=1e-3)


def test_random_layers_train_in_fit_and_pass_through_in_predict():
    inputs = layers.Input(IMAGES[1:])
    x = layers.RandomFlip(seed=0)(layers.Rescaling(1 / 255)(inputs))
    x = layers.RandomRotation(0.1, seed=0)(x)
    model = engine.Model(inputs, layers.Dense(1)(layers.Flatten()(x)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(PIXELS, np.zeros((2, 1), "float32"), epochs=1, verbose=0)
    flat = PIXELS.reshape(2, -1) / 255
    dense = model.layers[-1]
    expected = flat @ np.asarray(dense.kernel) + np.asarray(dense.bias)
    np.testing.assert_allclose(model.predict(PIXELS), expected, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("make, message", [
    (lambda: layers.Normalization(mean=1.0), "needs both `mean` and `variance`"),
    (lambda: layers.Normalization(mean=[1.0, 2.0], variance=[1.0]), "must have one shape"),
    (lambda: layers.Normalization(mean=[[1.0]], variance=[[1.0]]), "more than the 1 axes"),
    (lambda: layers.Rescaling("half"), "Rescaling: `scale` must be a number"),
    (lambda: layers.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "cannot both be True"),
    (lambda: layers.Resizing(4, 4, antialias=True), "antialias=True"),
    (lambda: layers.Resizing(4, 4, interpolation="bicubic"), "`interpolation` must be one of"),
    (lambda: layers.RandomRotation(2.0), "RandomRotation: `factor` must be a number or"),
    (lambda: layers.RandomContrast(-0.1), "in \\[0, 1\\]"),
    (lambda: layers.RandomFlip("diagonal"), "`mode` must be one of"),
    (lambda: layers.RandomBrightness(0.1, value_range=(1, 1)), "`value_range` must be"),
    (lambda: layers.Discretization([1.0, 0.0]), "`bin_boundaries` must be a list of numbers in "
                                                "increasing order"),
    (lambda: layers.Discretization([0.0], num_bins=3), "disagrees with the 1 bin_boundaries"),
    (lambda: layers.CategoryEncoding(4, sparse=True), "`sparse=True` is not supported"),
])
def test_a_bad_argument_names_layer_and_argument(make, message):
    with pytest.raises(LayerConfigError, match=message):
        make()


@pytest.mark.parametrize("layer, shape, message", [
    (layers.Resizing(4, 4), (None, 6, 3), "expects inputs of rank 4"),
    (layers.Resizing(4, 4), (None, None, None, 3), "known height and width"),
    (layers.RandomFlip(), (None, 8), "expects inputs of rank 4"),
    (layers.Normalization(axis=3), (None, 4, 3), "out of range"),
    (layers.CategoryEncoding(4), (None, 2, 3), "give inputs of rank 2"),
])
def test_inputs_that_do_not_fit_are_refused(layer, shape, message):
    with pytest.raises(LayerShapeError, match=message):
        layer(layers.Input(shape[1:]))


def test_discretization_adapts_its_boundaries_as_keras_does():
    keras = pytest.importorskip("keras")
    data = np.random.default_rng(0).normal(size=(50, 3)).astype("float32")
    theirs = keras.layers.Discretization(num_bins=4)
    theirs.adapt(data)
    for source in (data, [data[:20], data[20:]]):
        ours = layers.Discretization(num_bins=4)
        ours.adapt(source)
        np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-5)
        np.testing.assert_array_equal(np.asarray(ours(data)), np.asarray(theirs(data)))
    assert ours.get_config()["bin_boundaries"] == ours.bin_boundaries
    with pytest.raises(LayerConfigError, match="`adapt` needs `num_bins`"):
        layers.Discretization().adapt(data)


@pytest.mark.parametrize("layer, message", [
    (layers.Discretization(), "give `bin_boundaries`"),
    (layers.CategoryEncoding(), "give `num_tokens`"),
])
def test_an_encoding_layer_without_its_sizes_is_refused_when_built(layer, message):
    with pytest.raises(LayerConfigError, match=message):
        layer(IDS)


def test_adapt_refuses_data_of_another_shape_and_given_statistics():
    norm = layers.Normalization()
    norm.adapt(np.ones((4, 3), "float32"))
    with pytest.raises(LayerShapeError, match="was built for inputs"):
        norm.adapt(np.ones((4, 2), "float32"))
    with pytest.raises(LayerConfigError, match="was given `mean` and `variance`"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(np.ones((4, 3), "float32"))
