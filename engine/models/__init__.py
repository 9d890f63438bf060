"""Models: functional graphs of layers (Model), stacks (Sequential), and their JSON spec."""

from engine.models.functional import Model
from engine.models.sequential import Sequential
from engine.models.spec import model_from_spec

__all__ = ["Model", "Sequential", "model_from_spec"]
