"""Model files: a model's graph, weights, compile config and optimizer state in one safe file.

    engine.saving.save_model(model, "model.wbm")
    model = engine.saving.load_model("model.wbm")

The format (a zip of a JSON manifest and .npy arrays, no pickle) is in docs/model-file.md.
"""

from engine.keras_namespaces import missing_attribute
from engine.saving.format import ModelFileError
from engine.saving.reader import load_model
from engine.saving.writer import save_model

__all__ = ["ModelFileError", "load_model", "save_model"]

__getattr__ = missing_attribute(__name__)
