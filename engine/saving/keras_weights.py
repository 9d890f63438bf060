"""model.save_weights / load_weights: a model's weights as Keras 3's `.weights.h5` file.

The layout is Keras's own (keras_layout.py), so Keras loads the engine's files and the engine
loads Keras's. Loading checks every dataset against the model before it reads or assigns any
(keras_h5.py), so a file that does not fit changes nothing. Writing is atomic: a failed save
leaves the old file.
"""

from __future__ import annotations

import os

from engine.export.errors import KerasFileError
from engine.saving.file_checks import regular_file
from engine.saving.keras_h5 import h5_bytes, h5py_module, read_groups
from engine.saving.keras_layout import layer_groups
from engine.saving.writer import write_atomically
from engine.variables import one_step_state

SUFFIX = ".weights.h5"


def save_weights(model, filepath, overwrite=True) -> None:
    """Write the model's weights to `filepath` (which must end in .weights.h5)."""
    filepath = _checked_path(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists; pass overwrite=True to replace it.")
    with one_step_state():  # fit may run in another thread: one step's weights, all of them
        groups = [(path, [v.numpy() for v in variables])
                  for path, variables in layer_groups(model)]

    write_atomically(filepath, lambda file: file.write(h5_bytes(groups)))


def load_weights(model, filepath, skip_mismatch=False) -> None:
    """Set the model's weights from a .weights.h5 file written by Keras 3 or the engine."""
    h5py = h5py_module()
    filepath = regular_file(_checked_path(filepath), KerasFileError)
    try:
        with h5py.File(filepath, "r") as file:
            pairs = read_groups(file, layer_groups(model), skip_mismatch)
    except OSError as error:
        raise KerasFileError(f"{filepath!r} is not a readable HDF5 file: {error}.") from error
    except KerasFileError as error:
        raise KerasFileError(
            f"Cannot load {filepath!r}: {error} It was saved from another model; pass "
            "skip_mismatch=True to load the layers that fit.") from error
    for variable, array in pairs:
        variable.assign(array)


def _checked_path(filepath) -> str:
    filepath = os.fspath(filepath)
    if not filepath.endswith(SUFFIX):
        raise ValueError(f"The filename must end in `{SUFFIX}` (Keras's weights file), got "
                         f"{filepath!r}. Use model.save for the whole model.")
    return filepath
