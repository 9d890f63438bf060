"""keras.initializers: Keras's values for the deterministic ones, reproducible seeded draws
with Keras's formulas, get/serialize/deserialize and Keras's names."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import engine
from engine import initializers
from engine.errors import LayerConfigError
from engine.keras_names import KERAS_NAMES

DETERMINISTIC = [
    ("Zeros", {}, (3, 4)),
    ("Ones", {}, (2, 5)),
    ("Constant", {"value": 0.25}, (3, 4)),
    ("Identity", {"gain": 2.0}, (3, 5)),
    ("STFT", {}, (16, 1, 9)),
    ("STFT", {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True},
     (8, 1, 5)),
    ("STFT", {"window": None}, (8, 1, 5)),
]


@pytest.mark.parametrize("class_name, kwargs, shape", DETERMINISTIC)
def test_deterministic_initializers_give_keras_values(class_name, kwargs, shape):
    ours = getattr(initializers, class_name)(**kwargs)(shape, "float32")
    theirs = keras.ops.convert_to_numpy(getattr(keras.initializers, class_name)(**kwargs)(shape))
    assert ours.dtype == np.float32 and ours.shape == shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "initializer, check",
    [
        (initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=3),
         lambda v: np.abs(v).max() <= np.sqrt(3 * 2.0 / 50)),
        (initializers.VarianceScaling(1.0, "fan_avg", "truncated_normal", seed=3),
         lambda v: np.abs(v).max() <= 2 * np.sqrt(1.0 / 45) / 0.8796256610342398),
        (initializers.VarianceScaling(1.0, "fan_in", "untruncated_normal", seed=3),
         lambda v: abs(v.std() - np.sqrt(1.0 / 40)) < 0.02),
        (initializers.HeUniform(seed=3), lambda v: np.abs(v).max() <= np.sqrt(6.0 / 40)),
        (initializers.Orthogonal(gain=2.0, seed=3),
         lambda v: np.allclose(v @ v.T, 4 * np.eye(40), atol=1e-4)),
        (initializers.RandomUniform(-1.0, 1.0, seed=3), lambda v: np.abs(v).max() <= 1.0),
        (initializers.TruncatedNormal(1.0, 0.5, seed=3), lambda v: np.abs(v - 1).max() <= 1.0),
    ],
)
def test_seeded_initializers_repeat_their_values_and_follow_keras_formulas(initializer, check):
    first = initializer((40, 50))
    np.testing.assert_array_equal(first, initializer((40, 50)))  # Keras: same values per call
    assert check(first)
    other = type(initializer).from_config({**initializer.get_config(), "seed": 4})
    assert not np.array_equal(first, other((40, 50)))


def test_unseeded_initializers_follow_the_engine_seed():
    engine.set_random_seed(7)
    first = initializers.GlorotNormal()((3, 4))
    engine.set_random_seed(7)
    np.testing.assert_array_equal(first, initializers.get("glorot_normal")((3, 4)))


@pytest.mark.parametrize("name", ["constant", "Constant", "identity", "variance_scaling",
                                  "stft", "he_normal", "HeNormal", "orthogonal", "normal"])
def test_get_serialize_deserialize(name):
    initializer = initializers.get(name)
    config = initializers.serialize(initializer)
    assert config["module"] == "keras.initializers"
    again = initializers.deserialize(config)
    assert type(again) is type(initializer) and again.get_config() == initializer.get_config()


@pytest.mark.parametrize("class_name, kwargs", [
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform",
                         "seed": 5}),
    ("Constant", {"value": 3.0}), ("GlorotUniform", {"seed": 1}), ("Orthogonal", {"gain": 0.5}),
    ("RandomNormal", {"mean": 1.0, "stddev": 2.0}),
    ("STFT", {"side": "imag", "window": "hamming"}),
])
def test_reads_keras_configs(class_name, kwargs):
    theirs = getattr(keras.initializers, class_name)(**kwargs)
    ours = initializers.deserialize(keras.initializers.serialize(theirs))
    assert type(ours).__name__ == class_name
    assert ours.get_config() == theirs.get_config()


def test_keras_names_and_aliases():
    for name in KERAS_NAMES["keras.initializers"]:
        assert hasattr(initializers, name), name
    assert initializers.constant is initializers.Constant
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.IdentityInitializer is initializers.Identity


def test_layers_take_named_initializers_and_refuse_others_clearly():
    assert engine.layers.Dense(2, kernel_initializer=initializers.HeNormal(seed=1)) \
        .kernel_initializer == "he_normal"
    with pytest.raises(LayerConfigError, match=r"got Constant\(value=0.5\)"):
        engine.layers.Dense(2, kernel_initializer=initializers.Constant(0.5))
    with pytest.raises(LayerConfigError, match="assign the result after building"):
        initializers.check(initializers.VarianceScaling(scale=3.0))
    with pytest.raises(LayerConfigError, match="only be used for 2D"):
        initializers.Identity()((2, 2, 2))


@pytest.mark.parametrize("make, message", [
    (lambda: initializers.VarianceScaling(mode="fan"), "VarianceScaling: `mode`"),
    (lambda: initializers.VarianceScaling(distribution="normal"),
     "VarianceScaling: `distribution`"),
    (lambda: initializers.VarianceScaling(scale=0), "VarianceScaling: `scale`"),
    (lambda: initializers.GlorotUniform(seed="a"), "GlorotUniform: `seed`"),
    (lambda: initializers.STFT(side="both"), "STFT: `side`"),
    (lambda: initializers.STFT(window="nonsense"), "STFT: unknown window"),
    (lambda: initializers.get("nonsense"), "Unknown initializer"),
])
def test_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
