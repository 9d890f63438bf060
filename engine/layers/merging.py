"""Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate and Dot: one list of
tensors in, one tensor out."""

from __future__ import annotations

import functools

import numpy as np

from engine import ops
from engine.layers import masks
from engine.layers.declaration import Axes, Bool, Port, declare, exports
from engine.layers.layer import Layer

LIST = (Port("inputs", "list"),)  # a list of two or more tensors


class Merge(Layer):
    """Called with ONE list of at least two tensors: `layers.Add()([a, b])`."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    def compute_mask(self, inputs, previous_mask):
        """Where any input is unmasked, when every input has a mask; else none (Keras's)."""
        if previous_mask is None or any(m is None for m in previous_mask):
            return None
        return functools.reduce(ops.logical_or, previous_mask)

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
class Subtract(ElementwiseMerge):
    """The first input minus the second: it takes exactly two."""

    op = staticmethod(ops.subtract)

    def check_list(self, shapes):
        return _two(self, super().check_list(shapes))


@declare("merging", ports=LIST)
class Average(ElementwiseMerge):
    """The mean of the inputs: their sum over their number."""

    op = staticmethod(ops.add)

    def call(self, inputs):
        return ops.divide(super().call(inputs), len(inputs))


@declare("merging", ports=LIST)
class Maximum(ElementwiseMerge):
    """The largest of the inputs, value by value."""

    op = staticmethod(ops.maximum)


@declare("merging", ports=LIST)
class Minimum(ElementwiseMerge):
    """The smallest of the inputs, value by value."""

    op = staticmethod(ops.minimum)


@declare("merging", ports=LIST)
class Concatenate(Merge):
    """The inputs joined along `axis`; every other axis must match."""

    axis = Axes(-1)

    def call(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask):
        """The inputs' masks joined as the inputs are (an unmasked input: all True), then
        reduced with `any` over the last axis, as Keras's."""
        if previous_mask is None or all(m is None for m in previous_mask):
            return None
        full = [masks.all_true_like(x) if m is None
                else ops.logical_and(ops.expand_dims(m, -1), masks.all_true_like(x))
                if len(ops.shape(m)) < len(ops.shape(x)) else m
                for x, m in zip(inputs, previous_mask)]
        return masks.any_along(ops.concatenate(full, axis=self.axis), axis=-1)

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


class DotAxes(Axes):
    """Dot's `axes`: one axis of both inputs, or a pair (axis of the first, of the second)."""

    def convert(self, layer, value):
        axes = super().convert(layer, value)
        if isinstance(axes, list) and len(axes) != 2:
            raise self.error(layer, "must be an int or a pair of ints (an axis of each input)",
                             value)
        return axes


@declare("merging", ports=LIST)
class Dot(Merge):
    """The dot product of two batched tensors along `axes` (never the batch axis), as
    Keras's batch_dot: the first's other axes, then the second's but its batch axis;
    (batch, 1) when only the batch axis is left. `normalize` divides each input by its L2
    norm along its axis first, which makes the result the cosine similarity."""

    axes = DotAxes(several=True, suggested=-1)
    normalize = Bool(False)

    def compute_mask(self, inputs, previous_mask):
        return None  # Keras's: a dot product keeps no mask

    def pair_of_axes(self, ranks) -> tuple:
        """The two contracted axes as non-negative ints, by Keras's rule: a negative axis
        counts from the end of each input, a non-negative int names the same axis of both."""
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return tuple(axis % rank if axis < 0 else axis for axis, rank in zip(axes, ranks))

    def equation(self, ranks) -> str:
        """The einsum equation of the dot product of inputs of `ranks`."""
        first, second = self.pair_of_axes(ranks)
        x = "abcdefghij"[:ranks[0]]
        others = iter("klmnopqrst")
        y = "".join("a" if i == 0 else x[first] if i == second else next(others)
                    for i in range(ranks[1]))
        kept = x.replace(x[first], "") + y[1:].replace(x[first], "")
        return f"{x},{y}->{kept}"

    def call(self, inputs):
        x, y = inputs
        ranks = (len(ops.shape(x)), len(ops.shape(y)))
        if self.normalize:
            first, second = self.pair_of_axes(ranks)
            x, y = _l2_normalized(x, first), _l2_normalized(y, second)
        out = ops.einsum(self.equation(ranks), x, y)
        return ops.expand_dims(out, -1) if ranks == (2, 2) else out  # (batch, 1)

    def compute_output_shape(self, *shapes):
        first, second = _two(self, self.check_list(shapes))
        ranks = (len(first), len(second))
        axes = self.pair_of_axes(ranks)
        fits = (min(ranks) >= 2 and all(0 < a < r for a, r in zip(axes, ranks))
                and _merge_sizes(first[:1], second[:1]) is not None
                and _merge_sizes(first[axes[0]:axes[0] + 1], second[axes[1]:axes[1] + 1]))
        if not fits:
            raise self.shape_error(
                f"with axes={self.axes} needs two inputs of rank >= 2 with the same batch "
                f"size and the same size on axes {axes} (never the batch axis 0); got shapes "
                f"{first} and {second}.", [first, second])
        kept = first[:axes[0]] + first[axes[0] + 1:] + second[1:axes[1]] + second[axes[1] + 1:]
        return (*kept, 1) if len(kept) == 1 else tuple(kept)


def _l2_normalized(x, axis):
    """x over its L2 norm along `axis`, the norm kept at least 1e-7 (Keras's normalize)."""
    norm = ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return ops.divide(x, ops.maximum(norm, 1e-7))


def _two(layer, shapes):
    """The two input shapes, or a shape error for a list of another length."""
    if len(shapes) != 2:
        raise layer.shape_error(
            f"takes a list of exactly two tensors, as in layers.{type(layer).__name__}()"
            f"([a, b]); got {len(shapes)}.", shapes)
    return shapes


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
subtract, average = _shorthand(Subtract), _shorthand(Average)
maximum, minimum = _shorthand(Maximum), _shorthand(Minimum)


def dot(inputs, axes=-1, **kwargs):
    """`Dot(axes, **kwargs)(inputs)`, as Keras's functional shorthand."""
    return Dot(axes=axes, **kwargs)(inputs)


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
exports(Subtract, torch=functools.partial(elementwise_to_torch, operator="-"),
        arrays=functools.partial(elementwise_to_arrays, operator="-"),
        onnx=functools.partial(elementwise_to_onnx, op_type="Sub"))


def average_to_torch(step, torch):
    return torch.Emitted([], torch.assign(step, _mean_of(step.args[0])))


def average_to_arrays(step, code):
    return code.assign(step, _mean_of(step.args[0]))


def _mean_of(tensors) -> str:
    return f"({' + '.join(tensors)}) / {len(tensors)}"


def average_to_onnx(b, step, onnx):
    """The sum over the count, as the engine computes it."""
    (total,) = elementwise_to_onnx(b, step, onnx, "Add")
    count = b.constant(f"{step.name}/count", float(len(step.args[0])))
    return [b.op("Div", [total, count], step.name)]


exports(Average, torch=average_to_torch, arrays=average_to_arrays, onnx=average_to_onnx)


def extreme_to_torch(step, torch, function):
    """torch.maximum / torch.minimum of the tensors, nested left to right."""
    return torch.Emitted([], torch.assign(step, functools.reduce(
        lambda total, other: f"{function}({total}, {other})", step.args[0])))


def extreme_to_arrays(step, code, template):
    return code.assign(step, functools.reduce(
        lambda total, other: code.template(template, x=total, y=other), step.args[0]))


exports(Maximum, torch=functools.partial(extreme_to_torch, function="torch.maximum"),
        arrays=functools.partial(extreme_to_arrays, template="maximum"),
        onnx=functools.partial(elementwise_to_onnx, op_type="Max"))
exports(Minimum, torch=functools.partial(extreme_to_torch, function="torch.minimum"),
        arrays=functools.partial(extreme_to_arrays, template="minimum"),
        onnx=functools.partial(elementwise_to_onnx, op_type="Min"))


def _dot_parts(step):
    """(einsum equation, contracted axes, whether a (batch, 1) axis is added) of a Dot step."""
    ranks = tuple(len(shape) for shape in step.arg_shapes[0])
    return (step.layer.equation(ranks), step.layer.pair_of_axes(ranks), ranks == (2, 2))


def dot_to_torch(step, torch):
    equation, axes, expand = _dot_parts(step)
    operands = step.args[0]
    if step.layer.normalize:
        operands = [f"F.normalize({x}, dim={axis}, eps=1e-07)" for x, axis in zip(operands, axes)]
    output = step.outputs[0]
    lines = torch.lines(f"{output} = torch.einsum", [torch.literal(equation), *operands])
    if expand:
        lines.append(f"{torch.INDENT}{output} = {output}[..., None]")
    return torch.Emitted([], lines)


def dot_to_arrays(step, code):
    equation, axes, expand = _dot_parts(step)
    operands = step.args[0]
    if step.layer.normalize:
        operands = [code.template("l2_normalize", x=x, axis=axis)
                    for x, axis in zip(operands, axes)]
    return code.call(step, code.template("einsum"), [code.literal(equation), *operands],
                     "{}[..., None]" if expand else "{}")


def dot_to_onnx(b, step, onnx):
    equation, axes, expand = _dot_parts(step)
    operands = step.args[0]
    if step.layer.normalize:
        floor = b.constant(f"{step.name}/floor", 1e-7)
        operands = [
            b.op("Div", [x, b.op("Max", [b.op("ReduceL2", [x], f"{step.name}/norm{i}",
                                                axes=[axis], keepdims=1), floor],
                                   f"{step.name}/kept{i}")], f"{step.name}/normalized{i}")
            for i, (x, axis) in enumerate(zip(operands, axes))]
    out = b.op("Einsum", operands, f"{step.name}/einsum", equation=equation)
    if expand:
        out = b.op("Unsqueeze", [out, b.constant(f"{step.name}/axis", [-1], np.int64)],
                   step.name)
    return [out]


exports(Dot, torch=dot_to_torch, arrays=dot_to_arrays, onnx=dot_to_onnx)


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
