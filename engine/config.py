"""Keras's `keras.config`: the settings a Keras program reads, as the engine fixes them.

The engine computes in float32 with channels-last images and one fuzz factor (losses' 1e-7),
so it has their getters and no setters: a Keras program that sets them gets the missing-name
error rather than a setting that nothing honours. `set_backend` is the engine's: it switches
live, moving every model, where Keras's reloads Keras.
"""

from __future__ import annotations

from engine.backend import current
from engine.keras_namespaces import missing_attribute
from engine.losses import EPSILON
from engine.switching import set_backend


def backend() -> str:
    """The default backend's name: "numpy", "jax", "torch" or "tensorflow"."""
    return current().name


def floatx() -> str:
    """The float type of weights and computation: always "float32" in the engine."""
    return "float32"


def epsilon() -> float:
    """The fuzz factor that keeps losses away from log(0) and division by zero."""
    return EPSILON


def image_data_format() -> str:
    """Where images keep their channels: "channels_last", (batch, height, width, channels)."""
    return "channels_last"


__all__ = ["backend", "epsilon", "floatx", "image_data_format", "set_backend"]
__getattr__ = missing_attribute(__name__)
