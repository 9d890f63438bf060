"""Flatten, Reshape, Permute and RepeatVector: the same values per sample in another shape
(the batch axis stays), or repeated along a new axis."""

from __future__ import annotations

import math
import numbers

import numpy as np

from engine import ops
from engine.layers.declaration import Argument, Int, Sizes, declare, exports
from engine.layers.layer import Layer
from engine.layers.resizing import repeat


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


@declare("reshaping")
class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features): the vector repeated n times."""

    n = Int(minimum=1, suggested=2)

    def call(self, inputs):
        return repeat(ops.expand_dims(inputs, 1), self.n, 1)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise self.shape_error("expects inputs of rank 2, (batch, features); use Reshape or "
                                   "Flatten first.", input_shape)
        return (input_shape[0], self.n, input_shape[1])


class Dims(Argument):
    """A permutation of the axes after the batch axis, counted from 1."""

    type = "int_list"

    def convert(self, layer, value):
        axes = isinstance(value, (tuple, list)) and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
        if not axes or sorted(value) != list(range(1, len(value) + 1)):
            raise self.error(layer, "must be a permutation of 1, 2, ..., n (the axes after the "
                             "batch axis), such as (2, 1)", value)
        return tuple(int(v) for v in value)


@declare("reshaping")
class Permute(Layer):
    """The axes after the batch axis reordered: dims=(2, 1) swaps the two of a 3-D input."""

    dims = Dims(suggested=[2, 1])

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise self.shape_error(
                f"dims={self.dims} orders {len(self.dims)} axes but the input has "
                f"{len(input_shape) - 1} after the batch axis.", input_shape)
        return (input_shape[0], *(input_shape[d] for d in self.dims))


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


def repeat_vector_to_torch(step, torch):
    wrapper = f"{{}}.unsqueeze(1).expand(-1, {step.layer.n}, -1)"
    return torch.Emitted([], torch.chain(step, [wrapper]))


def repeat_vector_to_arrays(step, code):
    return code.assign(step, code.template("repeat", x=f"{step.args[0]}[:, None]",
                                           times=step.layer.n, axis=1))


def repeat_vector_to_onnx(b, step, onnx):
    axis = b.constant(f"{step.name}/axis", [1], np.int64)
    x = b.op("Unsqueeze", [step.args[0], axis], f"{step.name}/unsqueeze")
    repeats = b.constant(f"{step.name}/repeats", [1, step.layer.n, 1], np.int64)
    return [b.op("Tile", [x, repeats], step.name)]


exports(RepeatVector, torch=repeat_vector_to_torch, arrays=repeat_vector_to_arrays,
        onnx=repeat_vector_to_onnx)


def permute_to_torch(step, torch):
    axes = ", ".join(str(a) for a in (0, *step.layer.dims))
    return torch.Emitted([], torch.chain(step, [f"{{}}.permute({axes})"]))


def permute_to_arrays(step, code):
    return code.chain(step, [code.template("transpose", axes=code.shape((0, *step.layer.dims)))])


def permute_to_onnx(b, step, onnx):
    return [b.op("Transpose", [step.args[0]], step.name, perm=[0, *step.layer.dims])]


exports(Permute, torch=permute_to_torch, arrays=permute_to_arrays, onnx=permute_to_onnx)
