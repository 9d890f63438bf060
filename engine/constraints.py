"""Keras's `keras.constraints`: projections applied to a weight after each optimizer update.

A layer's `kernel_constraint="max_norm"` (or a Keras config dict, an object below, or any
function of a tensor returning one of the same shape) replaces the kernel with
`constraint(kernel)` after every training step, inside the compiled step on every backend.
"""

from __future__ import annotations

from engine import keras_objects, ops
from engine.keras_namespaces import missing_attribute

EPSILON = 1e-7  # Keras's backend.epsilon(): keeps a zero norm from dividing by zero


class Constraint:
    """The base class (Keras's): the identity. Subclasses override `__call__`."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class MaxNorm(Constraint):
    """Scales each slice along `axis` (a Dense kernel's input axis 0: each unit's incoming
    weights) down to a norm of at most `max_value`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(norms, EPSILON)))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become zero."""

    def __call__(self, w):
        return ops.maximum(w, 0)


class UnitNorm(Constraint):
    """Each slice along `axis` scaled to norm 1."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return ops.divide(w, ops.add(_norms(w, self.axis), EPSILON))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Each slice along `axis` moved `rate` of the way towards a norm in
    [min_value, max_value] (rate 1: all the way)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.add(ops.multiply(ops.clip(norms, self.min_value, self.max_value),
                                       self.rate),
                          ops.multiply(norms, 1 - self.rate))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, EPSILON)))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


# Keras's aliases
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

# What a name or a config's class_name may be: Keras's table (class names and snake_case ones)
KNOWN = {cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
KNOWN.update({"constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
              "non_neg": NonNeg, "unit_norm": UnitNorm})
NAMES = ("max_norm", "min_max_norm", "non_neg", "unit_norm")  # what a form offers
TABLE = keras_objects.Table("constraint", "keras.constraints", KNOWN)


def get(identifier):
    """A constraint from a name ("max_norm", "MaxNorm"), a config dict (Keras's serialize),
    an object or function (kept as it is), or None (none)."""
    return keras_objects.get(TABLE, identifier)


def serialize(constraint):
    """Keras's dict of a constraint: module, class_name, config, registered_name."""
    return keras_objects.serialize(TABLE, constraint)


def deserialize(config, custom_objects=None):
    """The constraint a Keras config dict (or name) describes."""
    return keras_objects.deserialize(TABLE, config, custom_objects)


__getattr__ = missing_attribute(__name__)
