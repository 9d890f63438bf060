"""Regularization layers (spatial, Gaussian and alpha dropout, Gaussian noise, activity
regularization) and normalization layers (UnitNormalization, RMSNormalization,
GroupNormalization): what the random layers do while training, Keras's activity loss, and
errors (the harness rows are in tests/layers/cases/normalization_regularization.py)."""

import numpy as np
import pytest

import engine
from engine import layers
from engine.errors import LayerConfigError, LayerShapeError


def _draw(layer, x):
    return layer.backend.to_numpy(layer(x, training=True)) if layer.built else \
        np.asarray(engine.ops.to_numpy(layer(x, training=True)))


def test_spatial_dropout_drops_whole_channels(backend_name):
    x = np.ones((4, 6, 5, 8), "float32")
    out = _draw(layers.SpatialDropout2D(0.5, seed=2), x)
    assert np.all(out == out[:, :1, :1, :]) and set(np.unique(out)) == {0.0, 2.0}


def test_gaussian_noise_and_dropout_draw_with_keras_moments(backend_name):
    x = np.ones((200, 100), "float32")
    noise = _draw(layers.GaussianNoise(0.5, seed=3), x)
    np.testing.assert_allclose([noise.mean(), noise.std()], [1.0, 0.5], atol=0.02)
    dropped = _draw(layers.GaussianDropout(0.2, seed=3), x)
    np.testing.assert_allclose([dropped.mean(), dropped.std()], [1.0, 0.5], atol=0.02)


def test_alpha_dropout_keeps_mean_and_variance_and_a_seed_repeats(backend_name):
    x = np.random.default_rng(0).normal(size=(400, 50)).astype("float32")
    out = _draw(layers.AlphaDropout(0.2, seed=4), x)
    np.testing.assert_allclose([out.mean(), out.var()], [0.0, 1.0], atol=0.05)
    np.testing.assert_array_equal(_draw(layers.AlphaDropout(0.2, seed=4), x), out)


def test_activity_regularization_adds_keras_loss():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    values = {}
    for ns in (keras, engine):
        layer = ns.layers.ActivityRegularization(l1=0.01, l2=0.02)
        np.testing.assert_array_equal(np.asarray(ns.ops.convert_to_numpy(layer(x))), x)
        values[ns.__name__] = [float(np.asarray(ns.ops.convert_to_numpy(v)))
                               for v in layer.losses]
        assert {k: v for k, v in layer.get_config().items() if k in ("l1", "l2")} == {
            "l1": 0.01, "l2": 0.02}
        assert "activity_regularizer" not in layer.get_config()
    np.testing.assert_allclose(values["engine"], values["keras"], rtol=1e-6)


@pytest.mark.parametrize("make, error, words", [
    (lambda: layers.GaussianNoise(1.5), LayerConfigError, "`stddev` must be in [0, 1]"),
    (lambda: layers.SpatialDropout1D(1.0), LayerConfigError, "`rate` must be in [0, 1)"),
    (lambda: layers.SpatialDropout2D(0.5, data_format="channels_first"), LayerConfigError,
     "channels-last"),
    (lambda: layers.ActivityRegularization(l1=-1.0), LayerConfigError, "`l1` must be in"),
    (lambda: layers.SpatialDropout1D(0.5)(np.ones((2, 3), "float32")), LayerShapeError,
     "expects inputs of rank 3"),
])
def test_bad_arguments_and_shapes_are_refused(make, error, words):
    with pytest.raises(error, match=__import__("re").escape(words)):
        make()


def test_group_normalization_normalises_each_group_of_each_sample():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(2, 5, 6)).astype("float32")
    out = np.asarray(layers.GroupNormalization(groups=2, epsilon=0.0)(x)).reshape(2, 5, 2, 3)
    np.testing.assert_allclose(out.mean(axis=(1, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(1, 3)), 1.0, atol=1e-4)


@pytest.mark.parametrize("make, words", [
    (lambda: layers.GroupNormalization(groups=0), "`groups` must be a positive number"),
    (lambda: layers.GroupNormalization(groups=4)(np.ones((2, 3, 6), "float32")),
     "splits the 6 channels along axis -1 into 4 groups"),
    (lambda: layers.UnitNormalization(axis=3)(np.ones((2, 3), "float32")),
     "axis=3 is out of range"),
    (lambda: layers.AlphaDropout(0.2, noise_shape=(None, 1))(np.ones((2, 3, 4), "float32"),
                                                             training=True),
     "noise_shape=(None, 1), which needs inputs of rank 2"),
])
def test_bad_normalization_arguments_and_shapes_are_refused(make, words):
    with pytest.raises((LayerConfigError, LayerShapeError), match=__import__("re").escape(words)):
        make()
