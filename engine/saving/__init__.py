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


def save_weights(model, filepath, overwrite=True) -> None:
    """Keras's `keras.saving.save_weights`: `model.save_weights(filepath, overwrite)`."""
    model.save_weights(filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False) -> None:
    """Keras's `keras.saving.load_weights`: `model.load_weights(filepath, skip_mismatch)`."""
    model.load_weights(filepath, skip_mismatch=skip_mismatch)


def __getattr__(name):
    # utils.objects imports this package: its two functions are found here when first asked
    if name in ("serialize_keras_object", "deserialize_keras_object"):
        from engine.utils import objects

        return getattr(objects, name)
    return _missing(name)


__all__ = [
    "CustomObjectScope", "ModelFileError", "custom_object_scope", "get_custom_objects",
    "deserialize_keras_object", "get_registered_name", "get_registered_object", "load_model",
    "load_weights", "register_keras_serializable", "save_model", "save_weights",
    "serialize_keras_object",
]

_missing = missing_attribute(__name__)
