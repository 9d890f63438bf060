"""Keras 3's colour, mixing and geometric augmentation layers and Pipeline beyond the harness
(tests/layers/cases/augmentation_more.py): the identity at inference, properties of the
engine's own random draws while training, Keras parity with pinned draws, and errors."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest

import engine
from engine import LayerConfigError, LayerShapeError, layers, ops

IMAGES = (2, 6, 8, 3)  # one image shape throughout: JAX compiles each op once per shape
PIXELS = np.random.default_rng(3).uniform(0, 255, IMAGES).astype("float32")

RANDOM = [
    (layers.RandomGrayscale, {"seed": 1}),
    (layers.RandomInvert, {"seed": 1}),
    (layers.Solarization, {"addition_factor": 0.2, "threshold_factor": 0.5, "seed": 1}),
    (layers.RandomPosterization, {"factor": (2, 6), "seed": 1}),
    (layers.RandomColorDegeneration, {"factor": 0.5, "seed": 1}),
    (layers.RandomSaturation, {"factor": 0.5, "seed": 1}),
    (layers.RandomHue, {"factor": 0.5, "seed": 1}),
    (layers.RandomSharpness, {"factor": 0.9, "seed": 1}),
    (layers.RandomColorJitter, {"brightness_factor": 0.2, "hue_factor": 0.3, "seed": 1}),
    (layers.RandomGaussianBlur, {"seed": 1}),
    (layers.RandomErasing, {"seed": 1}),
    (layers.MixUp, {"seed": 1}),
    (layers.CutMix, {"seed": 1}),
    (layers.RandomShear, {"x_factor": 0.3, "y_factor": 0.2, "seed": 1}),
    (layers.RandomPerspective, {"seed": 1}),
]


def named(cases):
    return [pytest.param(cls, config, id=cls.__name__) for cls, config in cases]


def train(layer, images=PIXELS):
    return np.asarray(layer(images, training=True))


@pytest.mark.parametrize("cls, config", named([*RANDOM, (layers.Equalization, {})]))
def test_a_random_layer_is_the_identity_at_inference(cls, config):
    np.testing.assert_array_equal(np.asarray(cls(**config)(PIXELS, training=False)), PIXELS)


@pytest.mark.parametrize("cls, config", named(RANDOM))
def test_training_draws_differ_per_call_and_repeat_with_the_seed(cls, config):
    first, again = cls(**config), cls(**config)
    a, *later = (train(first) for _ in range(4))
    assert a.shape == IMAGES and np.isfinite(a).all()
    assert any(not np.allclose(a, b) for b in later), "each call draws anew"
    np.testing.assert_array_equal(train(again), a)


# ------------------------------------------------------------ properties of the draws
def test_grayscale_and_inversion_apply_to_whole_images():
    gray = train(layers.RandomGrayscale(seed=0), np.concatenate([PIXELS] * 4))
    luma = PIXELS @ np.array([0.2989, 0.5870, 0.1140], "float32")
    kinds = set()
    for image, out in zip(np.concatenate([PIXELS] * 4), gray):
        if np.array_equal(out, image):
            kinds.add("kept")
        else:
            kinds.add("gray")
            luma_of = image @ np.array([0.2989, 0.5870, 0.1140], "float32")
            np.testing.assert_allclose(out, np.repeat(luma_of[..., None], 3, -1), rtol=1e-5)
    assert kinds == {"kept", "gray"} and luma.shape == IMAGES[:3]
    inverted = train(layers.RandomInvert(value_range=(0, 255), seed=0), PIXELS)
    for image, out in zip(PIXELS, inverted):
        assert np.array_equal(out, image) or np.allclose(out, 255 - image)


def test_posterization_keeps_the_high_bits():
    out = train(layers.RandomPosterization((3, 3)))
    np.testing.assert_array_equal(out, np.floor(PIXELS) // 32 * 32)
    some = train(layers.RandomPosterization((1, 8), seed=0))
    assert (some == np.floor(some)).all() and set(np.unique(some % 2)) <= {0.0}


def test_hue_turns_each_image_half_the_factor_either_way():
    unit = PIXELS / 255
    out = train(layers.RandomHue((0.4, 0.4), value_range=(0, 1), seed=2), unit)

    def turned(image, turn):
        pixels = [colorsys.hsv_to_rgb((h + turn) % 1.0, s, v) for h, s, v in
                  (colorsys.rgb_to_hsv(*p) for p in image.reshape(-1, 3))]
        return np.array(pixels, "float32").reshape(image.shape)

    for image, result in zip(unit, out):
        errors = [np.abs(result - turned(image, turn)).max() for turn in (0.2, -0.2)]
        assert min(errors) < 1e-4, errors


def test_shear_is_either_way_by_the_pinned_factors():
    out = train(layers.RandomShear((0.2, 0.2), (0.1, 0.1), fill_mode="constant", seed=4))
    for image, result in zip(PIXELS, out):
        candidates = [ops.to_numpy(ops.image.affine_transform(
            image[None], np.array([[1, 0.2 * s, 0, 0.1 * s, 1, 0, 0, 0]], "float32"),
            fill_mode="constant"))[0] for s in (1, -1)]
        assert min(np.abs(result - c).max() for c in candidates) < 1e-3


def test_perspective_keeps_the_top_left_corner():
    out = train(layers.RandomPerspective((1.0, 1.0), scale=0.8, interpolation="nearest",
                                         seed=0))
    np.testing.assert_array_equal(out[:, 0, 0], PIXELS[:, 0, 0])
    assert not np.allclose(out, PIXELS)


def test_erasing_fills_one_box_of_the_pinned_size():
    """scale 1/4: boxes of half the width (4 columns) and half the height (3 rows)."""
    out = train(layers.RandomErasing((1.0, 1.0), scale=(0.25, 0.25), fill_value=-7.0,
                                     value_range=(-10, 300), seed=0))
    for result in out:
        erased = (result == -7.0).all(axis=-1)
        rows, columns = np.nonzero(erased)
        assert erased.sum() == 12 and np.ptp(rows) == 2 and np.ptp(columns) == 3


def test_mixup_blends_images_of_the_batch():
    flat = np.stack([np.full(IMAGES[1:], 10.0), np.full(IMAGES[1:], 200.0)]).astype("float32")
    out = train(layers.MixUp(alpha=2.0, seed=0), flat)
    for result in out:
        assert np.ptp(result) < 1e-3 and 10.0 - 1e-3 <= result[0, 0, 0] <= 200.0 + 1e-3
    same = np.stack([PIXELS[0]] * 2)
    np.testing.assert_allclose(train(layers.MixUp(seed=0), same), same, rtol=1e-5)


def test_cutmix_pastes_a_box_from_the_same_place_of_another_image():
    out = train(layers.CutMix(seed=3), PIXELS)
    for result in out:
        from_each = [(result == image).all(axis=-1) for image in PIXELS]
        assert np.logical_or(*from_each).all()


def test_mixup_and_cutmix_mix_labels_in_the_images_proportions():
    """Constant images 0, 10, 20, 30 with one-hot labels: MixUp's pixels are the labels'
    mix of the constants; CutMix's own-label share is about the share of its own pixels
    (the box covers whole pixels)."""
    flat = np.arange(4, dtype="float32")[:, None, None, None] * 10 + np.zeros((4, 24, 32, 1),
                                                                                "float32")
    data = {"images": flat, "labels": np.eye(4, dtype="float32")}
    mixed = layers.MixUp(alpha=1.0, seed=0)(data, training=True)
    images, labels = np.asarray(mixed["images"]), np.asarray(mixed["labels"])
    np.testing.assert_allclose(images[:, 0, 0, 0], labels @ np.arange(4) * 10, rtol=1e-5)
    cut = layers.CutMix(seed=2)(data, training=True)
    images, labels = np.asarray(cut["images"]), np.asarray(cut["labels"])
    own = (images[..., 0] == flat[..., 0]).mean(axis=(1, 2))
    np.testing.assert_allclose(np.diag(labels), own, atol=0.1)  # the box's edges are whole
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
    kept = layers.CutMix(seed=2)(data, training=False)
    np.testing.assert_array_equal(np.asarray(kept["images"]), flat)


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
def test_a_tiny_alpha_mixes_whole_images_never_nan():
    """Beta(a, a) draws for a near 0 are 0 or 1: each image is itself or another whole."""
    data = {"images": PIXELS, "labels": np.eye(2, dtype="float32")}
    for seed in range(4):
        mixed = layers.MixUp(alpha=1e-4, seed=seed)(data, training=True)
        labels = np.asarray(mixed["labels"])
        assert np.isfinite(labels).all() and set(np.round(labels, 3).ravel()) <= {0.0, 1.0}


def test_equalization_spreads_each_channel_over_the_range_keeping_the_order():
    dim = (PIXELS / 4).astype("float32")  # values in [0, 64)
    out = train(layers.Equalization(), dim)
    assert out.max() > 200 and out.min() >= 0
    for k in range(3):
        order = np.argsort(dim[..., k], axis=None)
        assert (np.diff(out[..., k].reshape(-1)[order]) >= 0).all()


def test_color_jitter_steps_draw_from_their_own_streams():
    jitter = layers.RandomColorJitter(brightness_factor=0.5, contrast_factor=0.5, seed=5)
    assert [step.seed for step in jitter.steps] == [5, 6]
    assert train(jitter).shape == IMAGES


@pytest.mark.parametrize("cls, config", named([
    (layers.RandomInvert, {}), (layers.Solarization, {}),
    (layers.RandomPosterization, {"factor": 4}), (layers.RandomSharpness, {"factor": 0.5}),
    (layers.RandomGaussianBlur, {}),
    (layers.RandomColorJitter, {"brightness_factor": 0.2, "contrast_factor": 0.2}),
    (layers.Equalization, {}), (layers.RandomErasing, {}), (layers.CutMix, {})]))
def test_layers_that_read_no_colours_take_any_number_of_channels(cls, config):
    images = np.concatenate([PIXELS, PIXELS[..., :1]], axis=-1)
    assert train(cls(**config), images).shape == (*IMAGES[:3], 4)


# ------------------------------------------------- Keras parity where draws are pinned
PINNED = [
    (layers.RandomGrayscale, {"factor": 1.0}),
    (layers.RandomInvert, {"factor": (1.0, 1.0), "value_range": (0, 300)}),
    (layers.Solarization, {}),
    (layers.RandomPosterization, {"factor": (5, 5)}),
    (layers.RandomColorDegeneration, {"factor": (-0.5, -0.5)}),
    (layers.RandomSaturation, {"factor": (0.7, 0.7)}),
    (layers.RandomHue, {"factor": 0.0}),
    (layers.RandomSharpness, {"factor": (0.1, 0.1)}),
    (layers.RandomGaussianBlur, {"factor": (1.0, 1.0), "sigma": (0.8, 0.8)}),
    (layers.AutoContrast, {"value_range": (0, 1)}),
    (layers.Equalization, {"bins": 32}),
    (layers.RandomPerspective, {"factor": (0.0, 0.0)}),
]


@pytest.mark.slow
@pytest.mark.parametrize("cls, config", named(PINNED))
def test_pinned_training_is_keras(cls, config):
    keras = pytest.importorskip("keras")
    theirs = getattr(keras.layers, cls.__name__)(**config)(PIXELS, training=True)
    np.testing.assert_allclose(train(cls(**config)), np.asarray(theirs), rtol=1e-4, atol=1e-3)


def test_auto_contrast_stretches_each_channel_at_inference_and_keeps_flat_ones():
    images = PIXELS.copy()
    images[1, ..., 2] = 9.0  # a flat channel
    out = np.asarray(layers.AutoContrast(value_range=(0, 255))(images))
    np.testing.assert_allclose(out[0].min(axis=(0, 1)), 0.0, atol=1e-4)
    np.testing.assert_allclose(out[0].max(axis=(0, 1)), 255.0, rtol=1e-6)
    np.testing.assert_array_equal(out[1, ..., 2], 9.0)


# ------------------------------------------------------------------------- Pipeline
def test_pipeline_trains_each_layer_and_passes_through_the_random_ones_at_inference():
    """Called directly, a Pipeline trains (training defaults to True, as in Keras)."""
    pipeline = layers.Pipeline([layers.RandomInvert((1.0, 1.0)), layers.AutoContrast()])
    np.testing.assert_allclose(train(pipeline), np.asarray(layers.AutoContrast()(
        255 - PIXELS)), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(pipeline(PIXELS, training=False)),
                               np.asarray(layers.AutoContrast()(PIXELS)), rtol=1e-5)
    rebuilt = layers.Pipeline.from_config(pipeline.get_config())
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["RandomInvert",
                                                                   "AutoContrast"]
    assert set(pipeline.get_config()) == {"name", "layers"}  # Keras's Pipeline config


def test_models_train_through_the_augmentations_and_predict_through_auto_contrast():
    inputs = layers.Input(IMAGES[1:])
    x = layers.MixUp(seed=0)(layers.RandomHue(0.2, seed=0)(inputs))
    x = layers.AutoContrast()(layers.RandomErasing(seed=0)(x))
    model = engine.Model(inputs, layers.Dense(1)(layers.Flatten()(x)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(PIXELS / 255, np.zeros((2, 1), "float32"), epochs=1, verbose=0)
    flat = np.asarray(layers.AutoContrast()(PIXELS / 255)).reshape(2, -1)
    dense = model.layers[-1]
    expected = flat @ np.asarray(dense.kernel) + np.asarray(dense.bias)
    np.testing.assert_allclose(model.predict(PIXELS / 255), expected, rtol=1e-4, atol=1e-4)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("make, words", [
    (lambda: layers.RandomGrayscale(1.5), "RandomGrayscale: `factor` must be in \\[0, 1\\]"),
    (lambda: layers.RandomInvert(-0.5), "RandomInvert: `factor`"),
    (lambda: layers.Solarization(addition_factor=2.0), "Solarization: `addition_factor`"),
    (lambda: layers.RandomPosterization(9), "RandomPosterization: `factor`"),
    (lambda: layers.RandomPosterization(2.5), "whole number of bits"),
    (lambda: layers.RandomHue(-0.1), "RandomHue: `factor`"),
    (lambda: layers.RandomColorJitter(contrast_factor=1.5),
     "RandomColorJitter: `contrast_factor`"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4),
     "RandomGaussianBlur: `kernel_size` must be an odd positive integer"),
    (lambda: layers.RandomErasing(fill_value=(1.0, 2.0)), "RandomErasing: `fill_value`"),
    (lambda: layers.RandomErasing(scale=(0.2, 1.5)), "RandomErasing: `scale`"),
    (lambda: layers.MixUp(alpha=0.0), "MixUp: `alpha` must be in \\(0, inf\\)"),
    (lambda: layers.CutMix(factor=2.0), "CutMix: `factor`"),
    (lambda: layers.RandomShear(x_factor=-0.2), "RandomShear: `x_factor`"),
    (lambda: layers.RandomShear(y_factor=(0.1, 1.5)), "RandomShear: `y_factor`"),
    (lambda: layers.RandomPerspective(scale=2.0), "RandomPerspective: `scale`"),
    (lambda: layers.RandomPerspective(interpolation="bicubic"),
     "RandomPerspective: `interpolation`"),
    (lambda: layers.Equalization(bins=1), "Equalization: `bins`"),
    (lambda: layers.AutoContrast(value_range=(1, 1)), "AutoContrast: `value_range`"),
    (lambda: layers.Pipeline([]), "Pipeline: `layers` must be a non-empty list"),
    (lambda: layers.Pipeline([5]), "Pipeline: `layers` must be a layer"),
])
def test_a_bad_config_is_refused_naming_layer_and_argument(make, words):
    with pytest.raises(LayerConfigError, match=words):
        make()


@pytest.mark.parametrize("layer, shape, words", [
    (layers.RandomSaturation(0.5), (2, 6, 8, 4), "needs images with 3 channels \\(RGB\\)"),
    (layers.RandomHue(0.5), (2, 6, 8, 1), "needs images with 3 channels \\(RGB\\)"),
    (layers.RandomGrayscale(), (2, 6, 8, 2), "3 or 1 channels \\(RGB or grayscale\\)"),
    (layers.RandomColorJitter(hue_factor=0.1), (2, 6, 8, 4), "needs images with 3 channels"),
    (layers.RandomErasing(fill_value=(1.0, 2.0, 3.0)), (2, 6, 8, 1), "one `fill_value` per"),
    (layers.AutoContrast(), (2, 6, 8), "expects inputs of rank 4"),
    (layers.MixUp(), (2, 6, 8), "expects inputs of rank 4"),
])
def test_images_that_do_not_fit_are_refused(layer, shape, words):
    with pytest.raises(LayerShapeError, match=words):
        layer(np.zeros(shape, "float32"), training=True) if not isinstance(
            layer, layers.AutoContrast) else layer(np.zeros(shape, "float32"))
