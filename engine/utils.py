"""Keras's `keras.utils`: the helpers of it that the engine has."""

from __future__ import annotations

import numpy as np

from engine.initializers import set_random_seed
from engine.keras_namespaces import missing_attribute
from engine.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
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


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0) -> np.ndarray:
    """Sequences of different lengths as one array of `maxlen` steps (default: the longest),
    as Keras's: longer ones cut at the start ("pre") or end ("post"), shorter ones filled with
    `value` before ("pre") or after ("post"). Each step may be an array (all of one shape)."""
    for name, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f'{name} must be "pre" or "post", got {given!r}.')
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences takes a list of sequences (each a list or an array).")
    rows = []
    for index, sequence in enumerate(sequences):
        if not hasattr(sequence, "__len__"):
            raise ValueError(
                f"Sequence {index} is {sequence!r}, not a list or an array of steps."
            )
        rows.append(np.asarray(sequence))
    steps = [row.shape[1:] for row in rows if len(row)]
    step_shape = steps[0] if steps else ()
    if any(shape != step_shape for shape in steps):
        raise ValueError(
            f"Every step must have one shape; the sequences' steps have shapes "
            f"{sorted(set(steps))}."
        )
    length = max((len(row) for row in rows), default=0) if maxlen is None else int(maxlen)
    result = np.full((len(rows), length, *step_shape), value, dtype=dtype)
    for index, row in enumerate(rows):
        kept = row[-length:] if truncating == "pre" else row[:length]
        if length == 0 or not len(kept):
            continue
        if padding == "pre":
            result[index, length - len(kept):] = kept
        else:
            result[index, :len(kept)] = kept
    return result


__all__ = [
    "CustomObjectScope",
    "PyDataset",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "register_keras_serializable",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
__getattr__ = missing_attribute(__name__)
