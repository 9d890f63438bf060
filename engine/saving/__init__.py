"""Model files: a model's graph, weights, compile config and optimizer state in one safe file.

    engine.saving.save_model(model, "model.wbm")
    model = engine.saving.load_model("model.wbm")

The format (a zip of a JSON manifest and .npy arrays, no pickle) is in docs/model-file.md.
"""

from engine.keras_namespaces import missing_attribute
from engine.saving.format import ModelFileError
from engine.saving.reader import load_model
from engine.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from engine.saving.writer import save_model

__all__ = [
    "CustomObjectScope", "ModelFileError", "custom_object_scope", "get_custom_objects",
    "get_registered_name", "get_registered_object", "load_model", "register_keras_serializable",
    "save_model",
]

__getattr__ = missing_attribute(__name__)
