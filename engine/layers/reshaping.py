"""Flatten and Reshape: the same values per sample, in another shape (the batch axis stays)."""

from __future__ import annotations

import math

import numpy as np

from engine import ops
from engine.layers.declaration import Sizes, declare, exports
from engine.layers.layer import Layer


@declare("reshaping")
class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)."""

    def call(self, inputs):
        return ops.reshape(inputs, (ops.shape(inputs)[0], -1))

    def compute_output_shape(self, input_shape):
        sizes = input_shape[1:]
        return (input_shape[0], None if None in sizes else math.prod(sizes))


@declare("reshaping")
class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one size of target_shape may be -1 (inferred)."""

    target_shape = Sizes(wildcard=True, suggested=[-1])

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


# ---------------------------------------------------------------------------------- exports
def flatten_to_torch(step, torch):
    return torch.Emitted([], torch.assign(step, f"torch.flatten({step.args[0]}, 1)"))


def flatten_to_arrays(step, code):
    return code.assign(step, code.template("reshape", x=step.args[0], sizes="-1"))


def flatten_to_onnx(b, step, onnx):
    return [b.op("Flatten", [step.args[0]], step.name, axis=1)]


exports(Flatten, torch=flatten_to_torch, arrays=flatten_to_arrays, onnx=flatten_to_onnx)


def reshape_to_torch(step, torch):
    sizes = ", ".join(str(d) for d in step.layer.target_shape)
    x = step.args[0]
    return torch.Emitted([], torch.assign(step, f"{x}.reshape({x}.shape[0], {sizes})"))


def reshape_to_arrays(step, code):
    sizes = ", ".join(str(d) for d in step.layer.target_shape)
    return code.assign(step, code.template("reshape", x=step.args[0], sizes=sizes))


def reshape_to_onnx(b, step, onnx):
    shape = b.constant(f"{step.name}/shape", [0, *step.layer.target_shape], np.int64)
    return [b.op("Reshape", [step.args[0], shape], step.name)]


exports(Reshape, torch=reshape_to_torch, arrays=reshape_to_arrays, onnx=reshape_to_onnx)
