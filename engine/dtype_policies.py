"""Keras's `keras.dtype_policies`: the dtype a layer keeps its weights in and computes in.

A policy named after a dtype ("float32", "float16", ...) keeps weights and computes in that
dtype. "mixed_float16" and "mixed_bfloat16" keep float32 weights and compute in the 16-bit
float (mixed precision): a layer casts its float inputs to the compute dtype and reads its
weights cast to it (engine/layers/precision.py). Mixed precision runs on JAX, PyTorch and
TensorFlow; the NumPy backend refuses it (NumPy has no fast 16-bit math, and no bfloat16
without ml_dtypes), so a layer computing mixed refuses a call there and `set_backend("numpy")`
refuses to move one.
"""

from __future__ import annotations

import gc
import weakref

from engine import backend as backends
from engine.errors import EngineError
from engine.keras_namespaces import missing_attribute

MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}  # name -> compute dtype
MIXED_BACKENDS = ("jax", "torch", "tensorflow")


class DTypePolicyError(EngineError, ValueError):
    """A policy the engine does not know, or mixed precision where it cannot run."""


class DTypePolicy:
    """Keras's DTypePolicy: `name` is a dtype ("float32") or "mixed_float16" /
    "mixed_bfloat16"; None is the global policy's (keras.config.dtype_policy())."""

    def __init__(self, name=None):
        if name is None:
            from engine import config  # engine.config imports this module

            name = config.dtype_policy().name
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: 'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name!r} (of type {type(name).__name__}).")
        if name not in MIXED and name not in backends.DTYPES:
            raise DTypePolicyError(
                f"DTypePolicy: unknown policy {name!r}. Use 'mixed_float16', 'mixed_bfloat16' "
                f"or a dtype: {', '.join(backends.DTYPES)}."
            )
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype a layer computes in: its inputs, outputs and weights as read in call."""
        return MIXED.get(self._name, self._name)

    @property
    def variable_dtype(self) -> str:
        """The dtype a layer keeps its weights in: float32 under a mixed policy."""
        return "float32" if self._name in MIXED else self._name

    @property
    def quantization_mode(self):
        """None: the engine has no quantized policies."""
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


class FloatDTypePolicy(DTypePolicy):
    """Keras's older name for DTypePolicy."""


def get(identifier) -> DTypePolicy:
    """A policy from a name, a policy, Keras's serialized form, or None (the global one)."""
    if isinstance(identifier, DTypePolicy):
        return identifier
    if identifier is None:
        from engine import config

        return config.dtype_policy()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise DTypePolicyError(
        f"dtype_policies.get: expected a policy name such as 'mixed_float16', a DTypePolicy "
        f"or its config dict. Received: {identifier!r}."
    )


def serialize(dtype_policy: DTypePolicy) -> dict:
    """Keras's form: {"module": "keras", "class_name": "DTypePolicy", "config": {"name"}}."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": dtype_policy.get_config(),
            "registered_name": None}


def deserialize(config: dict, custom_objects=None) -> DTypePolicy:
    """The policy `serialize` (or Keras) wrote."""
    class_name = config.get("class_name") if isinstance(config, dict) else None
    if class_name not in ("DTypePolicy", "FloatDTypePolicy"):
        raise DTypePolicyError(
            f"dtype_policies.deserialize: expected a DTypePolicy config, as serialize returns; "
            f"quantized policies are not supported. Received: {config!r:.200}."
        )
    return DTypePolicy(**config.get("config", {}))


def is_mixed(policy: DTypePolicy) -> bool:
    return policy.compute_dtype != policy.variable_dtype


# Layers made with a mixed policy, so that moving to the NumPy backend can refuse them.
_mixed_layers: weakref.WeakSet = weakref.WeakSet()


def register_mixed(layer) -> None:
    _mixed_layers.add(layer)


def in_use() -> bool:
    """Whether a layer with a mixed policy lives (16-bit tensors may reach any layer)."""
    return bool(_mixed_layers)


def refuse_numpy(layer, backend_name: str) -> None:
    """A mixed layer cannot compute on NumPy: the error says where it can."""
    if backend_name == "numpy":
        raise DTypePolicyError(
            f"Layer {layer.name!r} has dtype policy {layer.dtype_policy.name!r} (mixed "
            "precision), which the NumPy backend does not run. Use one of "
            f"{', '.join(MIXED_BACKENDS)} (engine.set_backend('jax')), or make the model "
            "with a float policy (keras.config.set_dtype_policy('float32'))."
        )


def check_move(target_name: str) -> None:
    """Refuse a move to the NumPy backend while a mixed layer with variables lives (a layer
    without any moves nothing, and refuses its own calls there); nothing moves."""
    if target_name != "numpy" or not _mixed_layers:
        return
    gc.collect()  # layers are held in cycles (nodes): only count those still reachable
    names = sorted(layer.name for layer in _mixed_layers if layer.variables)
    if names:
        from engine.switching import BackendSwitchError

        raise BackendSwitchError(
            f"Cannot move to the NumPy backend: layers {', '.join(names[:5])}"
            f"{' ...' if len(names) > 5 else ''} compute in mixed precision, which the NumPy "
            f"backend does not run (it runs on {', '.join(MIXED_BACKENDS)}). Nothing was moved."
        )


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
__getattr__ = missing_attribute(__name__)
