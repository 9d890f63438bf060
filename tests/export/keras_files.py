"""Hand-made `.keras` files (a zip of config.json and model.weights.h5), hostile ones included."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np


def tensor(layer, node=0, index=0, shape=(None, 4)):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape), "dtype": "float32",
                       "keras_history": [layer, node, index]}}


def input_entry(name="input_layer", shape=(None, 4)):
    return {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
            "name": name, "inbound_nodes": [],
            "config": {"batch_shape": list(shape), "dtype": "float32", "sparse": False,
                       "name": name}}


def dense_entry(name="dense", units=3, source="input_layer", **changes):
    entry = {
        "module": "keras.layers", "class_name": "Dense", "registered_name": None, "name": name,
        "config": {"name": name, "trainable": True,
                   "dtype": {"module": "keras", "class_name": "DTypePolicy",
                             "config": {"name": "float32"}, "registered_name": None},
                   "units": units, "activation": "linear", "use_bias": True,
                   "kernel_initializer": {"module": "keras.initializers",
                                          "class_name": "GlorotUniform",
                                          "config": {"seed": None}, "registered_name": None},
                   "kernel_regularizer": None},
        "inbound_nodes": [{"args": [tensor(source)], "kwargs": {}}],
    }
    entry.update({k: v for k, v in changes.items() if k != "config"})
    entry["config"].update(changes.get("config", {}))
    return entry


def functional(*entries, outputs=("dense", 0, 0)):
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "registered_name": "Functional",
            "config": {"name": "functional", "trainable": True,
                       "layers": [input_entry(), *entries],
                       "input_layers": ["input_layer", 0, 0], "output_layers": list(outputs)}}


def dense_weights(kernel_shape=(4, 3)):
    rng = np.random.default_rng(0)
    return {"layers/dense/vars/0": rng.normal(size=kernel_shape).astype("float32"),
            "layers/dense/vars/1": rng.normal(size=kernel_shape[-1:]).astype("float32")}


def write(path, config, weights=None, links=None) -> bytes:
    """A .keras file with `config` and HDF5 `weights` ({path: array}); returns its bytes."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for name, value in (weights or {}).items():
            h5[name] = value
        for name, target in (links or {}).items():
            h5[name] = h5py.SoftLink(target)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buffer.getvalue())
    with open(path, "rb") as file:
        return file.read()
