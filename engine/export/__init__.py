"""Models out of and into other frameworks: code, weights, Keras 3 and ONNX (docs/export.md).

    model.to_code("torch")              # readable source of a torch.nn.Module
    model.export_weights("torch")       # the state_dict that module loads
    engine.load_keras("model.keras")    # a Keras 3 file, read as data only
    model.export_onnx("model.onnx")

Frameworks are imported only by the functions that need them. The names below load their
modules on first use, so the engine imports none of this (or any framework) at start-up.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "to_code": "engine.export.codegen",
    "export_weights": "engine.export.weights",
    "from_keras": "engine.export.keras_io",
    "load_keras": "engine.export.keras_io",
    "to_keras": "engine.export.keras_io",
    "export_onnx": "engine.export.onnx_export",
    "ExportError": "engine.export.errors",
    "KerasFileError": "engine.export.errors",
}


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


__all__ = list(_EXPORTS)
