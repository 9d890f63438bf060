"""Add, Multiply and Concatenate: one list of tensors in, one tensor out."""

from __future__ import annotations

import functools
import numbers

from engine import ops
from engine.errors import LayerConfigError
from engine.layers.layer import Layer


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


class Add(ElementwiseMerge):
    """The sum of the inputs."""

    op = staticmethod(ops.add)


class Multiply(ElementwiseMerge):
    """The product of the inputs."""

    op = staticmethod(ops.multiply)


class Concatenate(Merge):
    """The inputs joined along `axis`; every other axis must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise LayerConfigError(f"Concatenate: `axis` must be an int, got {axis!r}.")
        self.axis = int(axis)

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

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


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
