"""Flatten and Reshape: the same values per sample, in another shape (the batch axis stays)."""

from __future__ import annotations

import math
import numbers

from engine import ops
from engine.errors import LayerConfigError
from engine.layers.layer import Layer


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)."""

    def call(self, inputs):
        return ops.reshape(inputs, (ops.shape(inputs)[0], -1))

    def compute_output_shape(self, input_shape):
        sizes = input_shape[1:]
        return (input_shape[0], None if None in sizes else math.prod(sizes))


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one size of target_shape may be -1 (inferred)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _check_target_shape(target_shape)

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0], *self.compute_output_shape(shape)[1:]))

    def compute_output_shape(self, input_shape):
        sizes = input_shape[1:]
        if None in sizes:
            return (input_shape[0], *(None if d == -1 else d for d in self.target_shape))
        values, known = math.prod(sizes), math.prod(d for d in self.target_shape if d != -1)
        fits = values % known == 0 if -1 in self.target_shape else values == known
        if not fits:
            raise self.shape_error(
                f"cannot reshape {tuple(sizes)} ({values} values per sample) into "
                f"target_shape {self.target_shape} ({known} values"
                f"{' times the -1 size' if -1 in self.target_shape else ''}). "
                "Choose a target_shape with the same number of values.",
                input_shape,
            )
        return (input_shape[0], *(values // known if d == -1 else d for d in self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


def _check_target_shape(target_shape) -> tuple:
    sizes = tuple(target_shape) if isinstance(target_shape, (tuple, list)) else None
    if (
        sizes is None
        or not all(isinstance(d, numbers.Integral) and (d > 0 or d == -1) for d in sizes)
        or sizes.count(-1) > 1
    ):
        raise LayerConfigError(
            "Reshape: `target_shape` must be a tuple of positive ints (without the batch axis), "
            f"with at most one -1 for a size to infer, got {target_shape!r}."
        )
    return tuple(int(d) for d in sizes)
