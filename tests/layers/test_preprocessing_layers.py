"""Preprocessing layers: the layer harness with Keras parity for everything deterministic
(Rescaling, Normalization, Resizing, CenterCrop; the random layers at inference and with
factors that draw the identity), the image ops against keras.ops.image, Normalization.adapt
against Keras's, and properties of the random layers' training outputs."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import LayerConfigError, LayerShapeError, layers, ops
from engine.backend import available_backends, using
from tests.layers.harness import run_layer_test

IMAGES = (2, 6, 8, 3)  # one image shape throughout: JAX compiles each op once per shape
PIXELS = np.random.default_rng(3).uniform(0, 255, IMAGES).astype("float32")


def row(*values, marks=()):
    """A parameter set named by its layer class or its values."""
    name = "-".join(getattr(v, "__name__", None) or str(v) for v in values
                    if not isinstance(v, (dict, tuple)))
    return pytest.param(*values, marks=marks, id=name)


def slow(*values):
    """A parameter set that runs only with --slow (the fast set keeps one of each kind)."""
    return row(*values, marks=pytest.mark.slow)


CASES = [
    row(layers.Rescaling, {"scale": 1 / 255}, (2, 6, 8, 3)),
    slow(layers.Rescaling, {"scale": 2.0, "offset": -1.0}, (2, 6, 8, 3)),
    row(layers.Rescaling, {"scale": [0.5, 1.0, 2.0], "offset": [0.0, 1.0, -1.0]}, (2, 6, 8, 3)),
    row(layers.Normalization, {"mean": [0.5, -1.0, 2.0], "variance": [4.0, 0.25, 1.0]},
     (2, 6, 8, 3)),
    slow(layers.Normalization, {"axis": None, "mean": 0.5, "variance": 2.0}, (2, 6, 8, 3)),
    slow(layers.Normalization, {"axis": (1, -1), "mean": [1.0, 2.0, 0.0], "variance":
                            [1.0, 4.0, 9.0]}, (2, 6, 8, 3)),
    slow(layers.Normalization, {"mean": [0.5, -1.0, 2.0], "variance": [4.0, 0.0, 1.0],
                            "invert": True}, (2, 6, 8, 3)),
    row(layers.Resizing, {"height": 3, "width": 4}, (2, 3, 4, 3)),
    slow(layers.Resizing, {"height": 9, "width": 5}, (2, 9, 5, 3)),
    row(layers.Resizing, {"height": 4, "width": 3, "interpolation": "nearest"}, (2, 4, 3, 3)),
    slow(layers.Resizing, {"height": 4, "width": 4, "crop_to_aspect_ratio": True}, (2, 4, 4, 3)),
    row(layers.Resizing, {"height": 5, "width": 5, "pad_to_aspect_ratio": True,
                       "fill_value": 1.5}, (2, 5, 5, 3)),
    row(layers.CenterCrop, {"height": 4, "width": 5}, (2, 4, 5, 3)),
    slow(layers.CenterCrop, {"height": 8, "width": 4}, (2, 8, 4, 3)),
]


@pytest.mark.parametrize("cls, config, output_shape", CASES)
def test_deterministic_layer(cls, config, output_shape):
    run_layer_test(cls, config, IMAGES, expected_output_shape=output_shape,
                   expected_weights=[])


RANDOM = [
    row(layers.RandomFlip, {"seed": 1}),
    slow(layers.RandomFlip, {"mode": "horizontal", "seed": 1}),
    row(layers.RandomRotation, {"factor": 0.2, "seed": 1}),
    slow(layers.RandomZoom, {"height_factor": (-0.3, 0.2), "seed": 1}),
    slow(layers.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.3, "seed": 1}),
    row(layers.RandomContrast, {"factor": 0.5, "seed": 1}),
    row(layers.RandomBrightness, {"factor": 0.3, "seed": 1}),
]


@pytest.mark.parametrize("cls, config", RANDOM)
def test_random_layer_is_the_identity_at_inference(cls, config):
    result = run_layer_test(cls, config, input_data=PIXELS, expected_output_shape=IMAGES,
                            expected_weights=[], check_gradients=False)
    np.testing.assert_allclose(result.outputs["numpy"][0], PIXELS)


IDENTITY_DRAWS = [
    row(layers.RandomRotation, {"factor": 0.0}),
    slow(layers.RandomZoom, {"height_factor": 0.0, "interpolation": "nearest"}),
    slow(layers.RandomTranslation, {"height_factor": 0.0, "width_factor": 0.0,
                                    "fill_mode": "constant"}),
    row(layers.RandomContrast, {"factor": 0.0}),
    row(layers.RandomBrightness, {"factor": 0.0, "value_range": (0, 200)}),
]


@pytest.mark.parametrize("cls, config", IDENTITY_DRAWS)
def test_a_random_layer_whose_draws_are_the_identity_trains_as_keras(cls, config):
    """Factor 0: the transform is fixed, so training outputs (the clip included) and their
    gradients go through the same math on every backend and in Keras."""
    run_layer_test(cls, config, input_data=PIXELS, training=True,
                   expected_output_shape=IMAGES, expected_weights=[])


def test_random_crop_at_inference_is_keras_resizing_to_the_aspect_ratio():
    """Keras 3.15's RandomCrop passes images through unchanged at inference, against its own
    output shape; the engine does what its docstring says (Resizing with
    crop_to_aspect_ratio), which is what is compared here."""
    import keras

    run_layer_test(layers.RandomCrop, {"height": 4, "width": 5, "seed": 2}, IMAGES,
                   expected_output_shape=(2, 4, 5, 3), expected_weights=[],
                   keras_layer=lambda config: keras.layers.Resizing(4, 5,
                                                                    crop_to_aspect_ratio=True))


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


def test_normalization_weights_go_through_the_harness():
    run_layer_test(layers.Normalization, {"axis": 1}, (2, 4, 3), expected_weights=[
        ("mean", (4,)), ("variance", (4,)), ("count", ())],
        weights=[np.arange(4, dtype="float32"), np.array([1.0, 4.0, 0.5, 2.0], "float32"),
                 np.array(0, "int32")], keras=False)


# --------------------------------------------------------------- random layers, training
@pytest.mark.parametrize("cls, config", [row(*case.values) for case in RANDOM])  # all fast
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


# ---------------------------------------------------------- Discretization, CategoryEncoding
IDS = np.random.default_rng(4).integers(0, 5, (2, 3)).astype("int32")
NUMBERS = np.random.default_rng(5).normal(0, 1, (2, 3)).astype("float32")
NUMBERS[0, 0] = 0.0  # on a boundary: its bucket is the one above


@pytest.mark.parametrize("cls, config, data, output_shape", [
    row(layers.Discretization, {"bin_boundaries": [-0.5, 0.0, 1.0]}, NUMBERS, (2, 3)),
    row(layers.Discretization, {"bin_boundaries": [0.0, 0.5], "output_mode": "one_hot"},
        NUMBERS, (2, 3, 3)),
    slow(layers.Discretization, {"bin_boundaries": [0.0], "output_mode": "count"}, NUMBERS,
         (2, 2)),
    row(layers.CategoryEncoding, {"num_tokens": 5}, IDS, (2, 5)),
    row(layers.CategoryEncoding, {"num_tokens": 6, "output_mode": "count"}, IDS, (2, 6)),
    slow(layers.CategoryEncoding, {"num_tokens": 5, "output_mode": "one_hot"}, IDS,
         (2, 3, 5)),
])
def test_encoding_layer(cls, config, data, output_shape):
    run_layer_test(cls, config, input_data=data, expected_output_shape=output_shape,
                   expected_weights=[], check_gradients=False)


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
