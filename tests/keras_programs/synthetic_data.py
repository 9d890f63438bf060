"""Stand-ins for the datasets the programs download: random data of the same shapes and
dtypes as `keras.datasets.*.load_data()`, tiny, and the same on every run."""

from __future__ import annotations

import numpy as np


def _images(rng, count, shape, classes):
    images = rng.integers(0, 256, size=(count, *shape)).astype("uint8")
    labels = rng.integers(0, classes, size=(count,)).astype("uint8")
    return images, labels


def mnist(train: int = 256, test: int = 64):
    """((x_train, y_train), (x_test, y_test)): uint8 28x28 images, uint8 labels 0-9."""
    rng = np.random.default_rng(0)
    return _images(rng, train, (28, 28), 10), _images(rng, test, (28, 28), 10)


def cifar10(train: int = 64, test: int = 32):
    """((x_train, y_train), (x_test, y_test)): uint8 32x32x3 images, labels of shape (n, 1)."""
    rng = np.random.default_rng(0)
    (x_train, y_train), (x_test, y_test) = (
        _images(rng, train, (32, 32, 3), 10), _images(rng, test, (32, 32, 3), 10)
    )
    return (x_train, y_train[:, None]), (x_test, y_test[:, None])


def imdb(num_words: int = 20000, train: int = 64, test: int = 32, length: int = 40):
    """((x_train, y_train), (x_test, y_test)): lists of word-id sequences, labels 0 or 1."""
    rng = np.random.default_rng(0)

    def split(count):
        lengths = rng.integers(length // 2, length * 2, size=count)
        reviews = [list(rng.integers(1, num_words, size=n)) for n in lengths]
        return reviews, rng.integers(0, 2, size=count)

    return split(train), split(test)

