"""Datasets: seeded, shuffled, shaped for fit; digits from scikit-learn with no download."""

import numpy as np
import pytest

import engine
from engine import layers
from workbench import datasets
from workbench.errors import DatasetError


@pytest.mark.parametrize("name", sorted(datasets.PLANE))
def test_plane_datasets_are_seeded_balanced_and_on_the_plane(name):
    data = datasets.load(name, samples=300, noise=0.2, seed=3)
    assert data.name == name and data.task == "binary" and data.classes == 2 and len(data) == 300
    assert data.x.shape == (300, 2) and data.x.dtype == np.float32
    assert data.y.shape == (300, 1) and data.y.dtype == np.float32
    assert set(np.unique(data.y)) == {0.0, 1.0} and 0.35 < data.y.mean() < 0.65
    assert np.abs(data.x).max() < 1.6
    again = datasets.load(name, samples=300, noise=0.2, seed=3)
    np.testing.assert_array_equal(data.x, again.x)
    other = datasets.load(name, samples=300, noise=0.2, seed=4)
    assert not np.array_equal(data.x, other.x)
    assert 0.3 < data.y[:150].mean() < 0.7  # shuffled: the first half holds both classes


def test_noise_zero_and_several_classes():
    clean = datasets.circles(samples=200, noise=0.0)
    radius = np.linalg.norm(clean.x, axis=1)
    inner = clean.y[:, 0] == 1
    assert radius[inner].max() < radius[~inner].min()  # separable without noise
    three = datasets.spirals(samples=300, classes=3)
    assert three.task == "multiclass" and three.y.dtype == np.int32 and three.classes == 3
    assert set(np.unique(three.y)) == {0, 1, 2}


def test_digits_come_with_scikit_learn():
    flat = datasets.digits()
    assert flat.x.shape == (1797, 64) and flat.y.shape == (1797,) and flat.classes == 10
    assert flat.x.min() == 0 and flat.x.max() == 1 and flat.task == "multiclass"
    images = datasets.load("digits", image=True)
    assert images.x.shape == (1797, 8, 8, 1)


def test_a_dataset_is_usable_by_fit_and_splits():
    data = datasets.xor(200)
    train, test = data.split(0.25)
    assert len(train) == 150 and len(test) == 50
    np.testing.assert_array_equal(test.x, data.x[150:])
    i = layers.Input((2,))
    model = engine.Model(i, layers.Dense(1, activation="sigmoid")(layers.Dense(8, "tanh")(i)))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(*train, epochs=2, batch_size=50, verbose=0)
    assert len(history.history["loss"]) == 2
    assert data.info() == {
        "name": "xor",
        "task": "binary",
        "samples": 200,
        "classes": 2,
        "x_shape": [2],
        "y_shape": [1],
    }


def test_arrays_become_datasets_with_a_guessed_task():
    x = np.zeros((4, 3), np.float32)
    assert datasets.as_dataset((x, np.array([0, 2, 1, 1]))).task == "multiclass"
    assert datasets.as_dataset((x, np.array([0.0, 1.0, 1.0, 0.0]))).task == "binary"
    assert datasets.as_dataset((x, np.array([0.5, 1.5, 2.0, 0.0]))).task == "regression"


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: datasets.load("mnist"), "Unknown dataset 'mnist'"),
        (lambda: datasets.load("xor", colour="red"), "cannot take these options"),
        (lambda: datasets.spirals(samples=1), "samples must be"),
        (lambda: datasets.moons(noise=2), "noise must be"),
        (lambda: datasets.xor().split(1.5), "test_fraction"),
        (lambda: datasets.as_dataset([1, 2]), "Dataset or an \\(x, y\\) tuple"),
    ],
)
def test_bad_requests_say_what_to_do(call, text):
    with pytest.raises(DatasetError, match=text):
        call()
