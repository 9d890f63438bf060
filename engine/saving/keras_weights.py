"""model.save_weights / load_weights: a model's weights as Keras 3's `.weights.h5` file.

The layout is Keras's own, so Keras loads the engine's files and the engine loads Keras's:
`layers/<snake_case class>[_n]/vars/<i>` for each layer, a layer holding layers (an RNN's
cell, MultiHeadAttention's projections) with its variables in the groups Keras names after
those (engine/export/keras_file.py: weight_groups). Loading reads plain float datasets only
and checks every array against the model before it assigns any, so a file that does not fit
changes nothing. Writing goes to a temporary file first: a failed save leaves the old file.
"""

from __future__ import annotations

import os
import tempfile

from engine import naming
from engine.variables import one_step_state

SUFFIX = ".weights.h5"


def save_weights(model, filepath, overwrite=True) -> None:
    """Write the model's weights to `filepath` (which must end in .weights.h5)."""
    h5py = _h5py()
    filepath = _checked_path(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists; pass overwrite=True to replace it.")
    with one_step_state():  # fit may run in another thread: one step's weights, all of them
        groups = list(_layer_groups(model))
    folder = os.path.dirname(os.path.abspath(filepath))
    handle, temporary = tempfile.mkstemp(suffix=SUFFIX, dir=folder)
    os.close(handle)
    try:
        with h5py.File(temporary, "w") as file:
            file.create_group("layers")
            file.create_group("vars")
            for path, arrays in groups:
                group = file.require_group(path)
                for index, array in enumerate(arrays):
                    group.create_dataset(str(index), data=array)
        os.replace(temporary, filepath)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load_weights(model, filepath, skip_mismatch=False) -> None:
    """Set the model's weights from a .weights.h5 file written by Keras 3 or the engine."""
    h5py = _h5py()
    from engine.export.errors import KerasFileError
    from engine.export.keras_file import layer_weights

    filepath = _checked_path(filepath)
    layers = _saved_layers(model)
    document = {"class_name": _class_name(model), "config": {"layers": [
        {"class_name": type(layer).__name__, "config": layer.get_config()} for layer in layers]}}
    try:
        with h5py.File(filepath, "r") as file:
            arrays = layer_weights(file, document)
    except OSError as error:
        raise KerasFileError(f"{filepath!r} is not a readable HDF5 file: {error}.") from error
    pairs = []
    for layer in layers:
        found, weights = arrays.get(layer.get_config().get("name", layer.name), []), layer.weights
        shapes = [tuple(a.shape) for a in found]
        expected = [tuple(w.shape) for w in weights]
        if shapes != expected:
            if skip_mismatch:
                continue
            raise KerasFileError(
                f"{filepath!r} holds weights of shapes {shapes} for layer {layer.name!r}, which "
                f"has weights of shapes {expected}: it was saved from another model. Pass "
                "skip_mismatch=True to load the layers that fit."
            )
        pairs += zip(weights, found)
    for variable, array in pairs:
        variable.assign(array)


def _layer_groups(model):
    """(group path, arrays) for every layer that has weights, as Keras lays them out."""
    from engine.export.keras_file import weight_groups

    used = {}
    for layer in _saved_layers(model):
        base = naming.snake_case(type(layer).__name__)
        count = used.get(base, -1) + 1
        used[base] = count
        path = f"layers/{base}" if count == 0 else f"layers/{base}_{count}"
        if not layer.weights:
            continue
        places = weight_groups(type(layer).__name__, layer.get_config())
        parts = _by_inner_layer(layer)
        if len(parts) != len(places):
            raise ValueError(f"Layer {layer.name!r} holds {len(parts)} groups of weights where "
                             f"Keras keeps {len(places)}; its weights cannot be written as "
                             "Keras's.")
        for place, weights in zip(places, parts):
            yield f"{path}/{place}", [w.backend.to_numpy(w.value) for w in weights]


def _by_inner_layer(layer) -> list[list]:
    """The layer's weights grouped by the layer inside it that holds them, in order: the part
    of each weight's name between the layer's name and the weight's own."""
    groups: dict[str, list] = {}
    for weight in layer.weights:
        parts = weight.name.split("/")
        groups.setdefault("/".join(parts[1:-1]), []).append(weight)
    return list(groups.values())


def _saved_layers(model) -> list:
    """The layers Keras saves: a Sequential's without its input layer, a graph's all."""
    from engine.layers.input_layer import InputLayer
    from engine.models.sequential import Sequential

    layers = model.layers if not isinstance(model, Sequential) else [
        layer for layer in model.layers if not isinstance(layer, InputLayer)]
    return list(layers)


def _class_name(model) -> str:
    from engine.models.sequential import Sequential

    return "Sequential" if isinstance(model, Sequential) else "Functional"


def _checked_path(filepath) -> str:
    filepath = os.fspath(filepath)
    if not filepath.endswith(SUFFIX):
        raise ValueError(f"The filename must end in `{SUFFIX}` (Keras's weights file), got "
                         f"{filepath!r}. Use model.save for the whole model.")
    return filepath


def _h5py():
    try:
        import h5py
    except ImportError as error:
        raise ImportError("Weights files are HDF5: pip install h5py (or "
                          "'model-workbench[keras]').") from error
    return h5py
