"""Models: functional graphs of layers (Model), stacks (Sequential), and their JSON spec."""

from engine.keras_namespaces import missing_attribute
from engine.models.cloning import clone_model, model_from_json
from engine.models.functional import Model
from engine.models.sequential import Sequential
from engine.models.spec import model_from_spec
from engine.saving import load_model, save_model

__all__ = [
    "Model", "Sequential", "clone_model", "load_model", "model_from_json", "model_from_spec",
    "save_model",
]
__getattr__ = missing_attribute(__name__)
