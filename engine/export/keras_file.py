"""Reading a Keras 3 `.keras` file as data: its config.json and its model.weights.h5.

A `.keras` file is a zip. Only two members are read, by exact name, into memory or a private
temporary file; nothing is extracted, imported or unpickled. The weights are HDF5 datasets
read by path (`layers/<name>/vars/<i>`, the path Keras gives each layer), and only plain
float datasets stored in the file itself (no links to other files) are accepted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile

import numpy as np

from engine import naming
from engine.export.errors import KerasFileError

CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
MAX_CONFIG_BYTES = 64 * 2**20
# Where a layer's variables sit below its group, in the order of its weights.
WEIGHT_GROUPS = {
    "SimpleRNN": ["cell/vars"],
    "LSTM": ["cell/vars"],
    "GRU": ["cell/vars"],
    "MultiHeadAttention": ["query_dense/vars", "key_dense/vars", "value_dense/vars",
                           "output_dense/vars"],
}


def read_config(archive: zipfile.ZipFile) -> dict:
    info = _member(archive, CONFIG)
    if info.file_size > MAX_CONFIG_BYTES:
        raise KerasFileError(f"Its {CONFIG} is {info.file_size} bytes, more than a model "
                             f"config can be ({MAX_CONFIG_BYTES}).")
    try:
        return json.loads(archive.read(info).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise KerasFileError(f"Its {CONFIG} is not valid JSON: {error}.") from error


def read_weights(archive: zipfile.ZipFile, config: dict) -> dict:
    """{layer name: [arrays in the layer's weight order]} for every layer in the config."""
    try:
        import h5py
    except ImportError as error:
        raise ImportError("Reading a .keras file needs h5py: pip install h5py") from error

    info = _member(archive, WEIGHTS)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "weights.h5")
        with archive.open(info) as member, open(path, "wb") as copy:
            shutil.copyfileobj(member, copy)
        try:
            with h5py.File(path, "r") as weights:
                return layer_weights(weights, config)
        except OSError as error:
            raise KerasFileError(f"Its {WEIGHTS} is not a readable HDF5 file: {error}.") from error


def _member(archive, name):
    try:
        return archive.getinfo(name)
    except KeyError:
        raise KerasFileError(
            f"It has no {name}; a Keras 3 .keras file holds config.json and model.weights.h5."
        ) from None


def layer_weights(weights, document):
    """Each layer's arrays, found where Keras saves them: layers/<snake_case class>[_n]."""
    config = document["config"]
    sequential = document.get("class_name") == "Sequential"
    result, used = {}, {}
    for entry in config["layers"]:
        class_name, name = entry["class_name"], entry["config"].get("name", entry.get("name"))
        if sequential and class_name == "InputLayer":
            continue  # a Sequential's layers, as Keras saves them, leave out the input
        base = naming.snake_case(class_name)
        count = used.get(base, -1) + 1
        used[base] = count
        group_path = f"layers/{base}" if count == 0 else f"layers/{base}_{count}"
        group = _group(weights, group_path)
        if group is None:  # a layer without weights may have no group; one with them is caught
            result[name] = []
            continue
        own = _group(group, "vars")
        saved_name = own.attrs.get("name") if own is not None else None
        if saved_name is not None and _text(saved_name) != name:
            raise KerasFileError(
                f"Its weights at {group_path!r} belong to layer {_text(saved_name)!r}, but the "
                f"config puts layer {name!r} there; the file is inconsistent."
            )
        result[name] = [
            array
            for sub in weight_groups(class_name, entry["config"])
            for array in _arrays(group, sub, f"{group_path}/{sub}")
        ]
    return result


def weight_groups(class_name, config) -> list[str]:
    """Where a layer's variables sit below its group, in the order of its weights: a layer
    holding layers (RNN's cell, Bidirectional's two) has them in the groups Keras names
    after its attributes, StackedRNNCells' cells each under its name."""
    held = {"RNN": ["cell"], "Bidirectional": ["layer", "backward_layer"],
            "TimeDistributed": ["layer"], "StackedRNNCells": ["cells"]}.get(class_name)
    if held is None or not isinstance(config, dict):
        return WEIGHT_GROUPS.get(class_name, ["vars"])
    groups = []
    for key in held:
        value = config.get(key)
        if class_name == "Bidirectional":  # Keras names its layers' groups after its attributes
            key = "forward_layer" if key == "layer" else key
            value = value or config.get("layer")
        for entry in value if isinstance(value, list) else [value]:
            if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
                raise KerasFileError(f"A {class_name} holds a malformed layer {entry!r}.")
            place = f"{key}/{entry['config'].get('name')}" if key == "cells" else key
            groups += [f"{place}/{sub}" for sub in weight_groups(entry.get("class_name"),
                                                                  entry["config"])]
    return groups


def _arrays(group, path, where):
    """The datasets "0", "1", ... of the group at `path`, as NumPy arrays."""
    import h5py

    holder = _group(group, path)
    if holder is None:
        return []
    arrays = []
    for index in range(len(holder)):
        link = holder.get(str(index), getlink=True)
        if not isinstance(link, h5py.HardLink):
            raise KerasFileError(f"Weight {where}/{index} is missing or a link; weights must be "
                                 "stored in the file itself.")
        dataset = holder[str(index)]
        if (not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind != "f"
                or dataset.external or dataset.is_virtual):
            raise KerasFileError(f"Weight {where}/{index} is not a float array stored in the "
                                 "file.")
        arrays.append(np.asarray(dataset[()]))
    return arrays


def _group(parent, path):
    """The subgroup at `path` (hard links only), or None."""
    import h5py

    node = parent
    for part in path.split("/"):
        link = node.get(part, getlink=True)
        if not isinstance(link, h5py.HardLink):
            return None
        node = node[part]
        if not isinstance(node, h5py.Group):
            return None
    return node


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
