"""Model Workbench's engine: one Keras-style model API on NumPy, JAX, PyTorch and TensorFlow.

import engine
from engine import layers
engine.set_backend("jax")       # moves every live model; "numpy" is the default

`import engine as keras` gives Keras 3's namespaces (docs/keras-compatibility.md).
"""

from engine import (
    activations,
    config,
    constraints,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    training,
    tree,
    utils,
)
from engine.backend import MissingBackendError, available_backends
from engine.backend import current as _current_backend
from engine.dtype_policies import DTypePolicy, FloatDTypePolicy
from engine.errors import EngineError, GraphError, LayerConfigError, LayerShapeError, SpecError
from engine.export import from_keras, load_keras
from engine.initializers import Initializer, set_random_seed
from engine.inspection import InspectionCallback, inspect
from engine.keras_namespaces import missing_attribute
from engine.layers import Input, Layer
from engine.losses import Loss
from engine.metrics import Metric
from engine.models import Model, Sequential, model_from_spec
from engine.naming import reset as _reset_names
from engine.optimizers import Optimizer
from engine.saving import ModelFileError, load_model
from engine.switching import BackendSwitchError, set_backend
from engine.training import callbacks
from engine.variables import Variable

__version__ = "0.1.0"


def backend_name() -> str:
    """The name of the default backend (the one new models are built on)."""
    return _current_backend().name


def devices() -> list[str]:
    """The devices the default backend sees, GPUs first when there are any."""
    return _current_backend().devices()


def clear_session() -> None:
    """Restart default layer names (dense, dense_1, ...) from the beginning."""
    _reset_names()


__getattr__ = missing_attribute(__name__)

__all__ = [
    "BackendSwitchError",
    "DTypePolicy",
    "EngineError",
    "FloatDTypePolicy",
    "GraphError",
    "Initializer",
    "Input",
    "InspectionCallback",
    "Layer",
    "LayerConfigError",
    "LayerShapeError",
    "Loss",
    "Metric",
    "MissingBackendError",
    "Model",
    "ModelFileError",
    "Optimizer",
    "Sequential",
    "SpecError",
    "Variable",
    "activations",
    "available_backends",
    "backend_name",
    "callbacks",
    "clear_session",
    "config",
    "constraints",
    "devices",
    "dtype_policies",
    "from_keras",
    "initializers",
    "inspect",
    "layers",
    "load_keras",
    "load_model",
    "losses",
    "metrics",
    "mixed_precision",
    "model_from_spec",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "set_backend",
    "set_random_seed",
    "training",
    "tree",
    "utils",
]
