"""Add, Multiply and Concatenate: one list of tensors in, one tensor out."""

from __future__ import annotations

import functools

from engine import ops
from engine.layers.declaration import Axes, Port, declare, exports
from engine.layers.layer import Layer

LIST = (Port("inputs", "list"),)  # a list of two or more tensors


class Merge(Layer):
    """Called with ONE list of at least two tensors: `layers.Add()([a, b])`."""

    def check_list(self, shapes):
        """The list of input shapes, or a shape error saying how to call the layer."""
        one_list = len(shapes) == 1 and isinstance(shapes[0], list)
        if not one_list or len(shapes[0]) < 2:
            got = f"a list of {len(shapes[0])}" if one_list else f"{len(shapes)} separate"
            raise self.shape_error(
                f"takes one list of at least two tensors, as in layers.{type(self).__name__}()"
                f"([a, b]); got {got} tensor argument(s).",
                shapes,
            )
        return shapes[0]


class ElementwiseMerge(Merge):
    """Tensors of one shape combined value by value with `op`."""

    op = None

    def call(self, inputs):
        return functools.reduce(self.op, inputs)

    def compute_output_shape(self, *shapes):
        shapes = self.check_list(shapes)
        merged = shapes[0]
        for shape in shapes[1:]:
            merged = _merge_sizes(merged, shape)
            if merged is None:
                raise self.shape_error(
                    "needs inputs of the same shape; got shapes "
                    f"{', '.join(map(str, shapes))}.",
                    shapes,
                )
        return merged


@declare("merging", ports=LIST)
class Add(ElementwiseMerge):
    """The sum of the inputs."""

    op = staticmethod(ops.add)


@declare("merging", ports=LIST)
class Multiply(ElementwiseMerge):
    """The product of the inputs."""

    op = staticmethod(ops.multiply)


@declare("merging", ports=LIST)
class Concatenate(Merge):
    """The inputs joined along `axis`; every other axis must match."""

    axis = Axes(-1)

    def call(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, *shapes):
        shapes = self.check_list(shapes)
        rank = len(shapes[0])
        if not -rank <= self.axis < rank:
            raise self.shape_error(f"axis={self.axis} is out of range for rank {rank}.", shapes)
        axis = self.axis % rank
        others = [tuple(s[:axis]) + tuple(s[axis + 1:]) for s in shapes]
        merged = others[0]
        for shape, other in zip(shapes, others):
            merged = _merge_sizes(merged, other) if len(shape) == rank else None
            if merged is None:
                raise self.shape_error(
                    f"needs inputs of the same rank whose sizes match on every axis but "
                    f"axis {self.axis}; got shapes {', '.join(map(str, shapes))}.",
                    shapes,
                )
        sizes = [s[axis] for s in shapes]
        joined = None if None in sizes else sum(sizes)
        return (*merged[:axis], joined, *merged[axis:])


def _merge_sizes(a, b):
    """The shape both `a` and `b` can be (None matches any size), or None if none can."""
    if len(a) != len(b):
        return None
    merged = []
    for x, y in zip(a, b):
        if x is not None and y is not None and x != y:
            return None
        merged.append(y if x is None else x)
    return tuple(merged)


def _shorthand(layer_class):
    """Keras's lower-case merge function: `add(inputs, **kwargs)` is `Add(**kwargs)(inputs)`."""

    def merge(inputs, **kwargs):
        return layer_class(**kwargs)(inputs)

    merge.__name__ = merge.__qualname__ = layer_class.__name__.lower()
    merge.__doc__ = f"`{layer_class.__name__}(**kwargs)(inputs)`, as Keras's functional shorthand."
    return merge


add, multiply = _shorthand(Add), _shorthand(Multiply)


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis, **kwargs)(inputs)`, as Keras's functional shorthand."""
    return Concatenate(axis=axis, **kwargs)(inputs)


# ---------------------------------------------------------------------------------- exports
def elementwise_to_torch(step, torch, operator):
    return torch.Emitted([], torch.assign(step, f" {operator} ".join(step.args[0])))


def elementwise_to_arrays(step, code, operator):
    return code.assign(step, f" {operator} ".join(step.args[0]))


def elementwise_to_onnx(b, step, onnx, op_type):
    """The tensors combined pairwise, left to right."""
    total, *rest = step.args[0]
    for i, other in enumerate(rest):
        total = b.op(op_type, [total, other], f"{step.name}/{i}")
    return [total]


exports(Add, torch=functools.partial(elementwise_to_torch, operator="+"),
        arrays=functools.partial(elementwise_to_arrays, operator="+"),
        onnx=functools.partial(elementwise_to_onnx, op_type="Add"))
exports(Multiply, torch=functools.partial(elementwise_to_torch, operator="*"),
        arrays=functools.partial(elementwise_to_arrays, operator="*"),
        onnx=functools.partial(elementwise_to_onnx, op_type="Mul"))


def concatenate_to_torch(step, torch):
    tensors = ", ".join(step.args[0])
    return torch.Emitted([], torch.assign(step, f"torch.cat([{tensors}], dim={step.layer.axis})"))


def concatenate_to_arrays(step, code):
    tensors = f"[{', '.join(step.args[0])}]"
    return code.assign(step, code.template("concatenate", x=tensors, axis=step.layer.axis))


def concatenate_to_onnx(b, step, onnx):
    return [b.op("Concat", step.args[0], step.name, axis=step.layer.axis)]


exports(Concatenate, torch=concatenate_to_torch, arrays=concatenate_to_arrays,
        onnx=concatenate_to_onnx)
