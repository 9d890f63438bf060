"""Keras's `keras.mixed_precision`: the older names of the dtype policy settings, and the
LossScaleOptimizer that compile wraps around the optimizer under "mixed_float16"."""

from __future__ import annotations

from engine.config import dtype_policy, set_dtype_policy
from engine.dtype_policies import DTypePolicy
from engine.keras_namespaces import missing_attribute
from engine.optimizers import LossScaleOptimizer

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
__getattr__ = missing_attribute(__name__)
