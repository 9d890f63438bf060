"""Keras's `keras.utils`: the helpers of it that the engine has."""

from __future__ import annotations

import numpy as np

from engine.initializers import set_random_seed
from engine.keras_namespaces import missing_attribute
from engine.training.data_adapters.batch import pack_x_y_sample_weight, unpack_x_y_sample_weight
from engine.training.data_adapters.py_dataset import PyDataset


def to_categorical(x, num_classes=None) -> np.ndarray:
    """Class labels as one-hot float32 rows (the last axis of size 1 dropped, as Keras does);
    `num_classes` defaults to the largest label + 1."""
    labels = np.asarray(x, dtype=np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    return np.eye(classes, dtype=np.float32)[labels]


__all__ = [
    "PyDataset",
    "pack_x_y_sample_weight",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
__getattr__ = missing_attribute(__name__)
