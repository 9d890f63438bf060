"""Keras's `keras.regularizers`: penalties on weights or activations that join the loss.

A layer's `kernel_regularizer="l2"` (or a Keras config dict, an object below, or any function
of a tensor returning a scalar) adds `regularizer(kernel)` to `layer.losses` and so to the
training loss; `activity_regularizer` does the same with the layer's outputs, divided by the
batch size. Names and config dicts are looked up in a fixed table: nothing is imported.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from engine import keras_objects, ops
from engine.keras_namespaces import missing_attribute


class Regularizer:
    """The base class (Keras's): a penalty of zero. Subclasses override `__call__` and
    `get_config`."""

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def get_config(self) -> dict:
        raise NotImplementedError(f"{self} does not implement get_config()")


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x ** 2); each factor 0 by default."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _checked_factor(0.0 if l1 is None else l1, "L1L2", "l1")
        self.l2 = _checked_factor(0.0 if l2 is None else l2, "L1L2", "l2")

    def __call__(self, x):
        penalty = ops.zeros((), ops.dtype(x))
        if self.l1:
            penalty = ops.add(penalty, ops.multiply(ops.sum(ops.abs(x)), self.l1))
        if self.l2:
            penalty = ops.add(penalty, ops.multiply(ops.sum(ops.square(x)), self.l2))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        # Keras keeps this factor (and OrthogonalRegularizer's) as a float32 tensor
        self.l1 = _float32(_checked_factor(0.01 if l1 is None else l1, "L1", "l1"))

    def __call__(self, x):
        return ops.multiply(ops.sum(ops.abs(x)), self.l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x ** 2)."""

    def __init__(self, l2=0.01):
        self.l2 = _checked_factor(0.01 if l2 is None else l2, "L2", "l2")

    def __call__(self, x):
        return ops.multiply(ops.sum(ops.square(x)), self.l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """factor * the mean |cosine| between distinct rows (mode="rows") or columns of a 2-D
    tensor: it pushes them towards being orthogonal."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _float32(_checked_factor(factor, "OrthogonalRegularizer", "factor"))
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}.")
        self.mode = mode

    def __call__(self, inputs):
        shape = ops.shape(inputs)
        if len(shape) != 2:
            raise ValueError(
                f"OrthogonalRegularizer: inputs must have rank 2, got shape {tuple(shape)}.")
        vectors = inputs if self.mode == "rows" else ops.transpose(inputs)
        vectors = unit_vectors(vectors, axis=1)
        size = shape[0] if self.mode == "rows" else shape[1]
        product = ops.matmul(vectors, ops.transpose(vectors))
        off_diagonal = ops.sum(ops.abs(ops.multiply(product, _off_diagonal(size))))
        pairs = size * (size - 1.0) / 2.0
        return ops.multiply(off_diagonal, self.factor * 0.5 / pairs)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


def unit_vectors(x, axis):
    """x / its L2 norm along `axis`, the norm floored at 1e-7 (Keras's ops.normalize)."""
    inverse_norm = ops.minimum(
        ops.divide(1.0, ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))), 1e7)
    return ops.multiply(x, inverse_norm)


def _off_diagonal(size):
    """Ones but on the diagonal."""
    return ops.convert(1.0 - np.eye(size, dtype="float32"))


def _float32(value: float) -> float:
    return float(np.float32(value))


def _checked_factor(value, owner: str, name: str) -> float:
    """A penalty factor: a finite number >= 0, as a float."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value < 0):
        raise ValueError(f"{owner}: {name} must be a non-negative number, got {value!r}.")
    return float(value)


# Keras's aliases
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

# What a name or a config's class_name may be: Keras's table (class names and snake_case ones)
KNOWN = {cls.__name__: cls for cls in (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)}
KNOWN.update({"regularizer": Regularizer, "l1": L1, "l2": L2, "l1l2": L1L2,
              "orthogonal_regularizer": OrthogonalRegularizer})
NAMES = ("l1", "l2", "l1l2", "orthogonal_regularizer")  # what a form offers
TABLE = keras_objects.Table("regularizer", "keras.regularizers", KNOWN)


def get(identifier):
    """A regularizer from a name ("l2", "L1L2"), a config dict (Keras's serialize), an
    object or function (kept as it is), or None (none)."""
    return keras_objects.get(TABLE, identifier)


def serialize(regularizer):
    """Keras's dict of a regularizer: module, class_name, config, registered_name."""
    return keras_objects.serialize(TABLE, regularizer)


def deserialize(config, custom_objects=None):
    """The regularizer a Keras config dict (or name) describes."""
    return keras_objects.deserialize(TABLE, config, custom_objects)


__getattr__ = missing_attribute(__name__)
