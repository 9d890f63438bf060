"""keras.ops.rearrange: einops-style axis patterns ("b (h w) c -> b h w c", h=4) as one
reshape that splits grouped input axes, one transpose, and one reshape that merges groups."""

from __future__ import annotations

import math
import re

from engine.composed_ops.inputs import as_array, current
from engine.ops import graph_aware

_AXIS_OR_GROUP = re.compile(r"\w+|\([\w\s]*\)")


def _groups(side):
    """'b (h w) c' -> [['b'], ['h', 'w'], ['c']]."""
    return [token.strip("()").split() for token in _AXIS_OR_GROUP.findall(side)]


@graph_aware
def rearrange(tensor, pattern, **axes_lengths):
    """`tensor` with its axes split, reordered and merged as `pattern` says; `axes_lengths`
    give the sizes of split axes (one per group may be left to infer)."""
    b, tensor = current(), as_array(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: pattern must be 'input axes -> output axes', got "
                         f"{pattern!r}.")
    inputs, outputs = (_groups(side) for side in pattern.split("->"))
    shape = b.shape(tensor)
    if len(inputs) != len(shape):
        raise ValueError(f"rearrange: the pattern names {len(inputs)} input axes but the "
                         f"tensor has shape {shape}.")
    sizes = {}
    for group, size in zip(inputs, shape):
        unknown = [axis for axis in group if axis not in axes_lengths]
        known = math.prod(axes_lengths[axis] for axis in group if axis in axes_lengths)
        if len(unknown) > 1 or (not unknown and known != size) or size % known:
            raise ValueError(f"rearrange: cannot split an axis of size {size} into {group} "
                             f"with {axes_lengths}.")
        sizes.update({axis: axes_lengths.get(axis, size // known) for axis in group})
    split = [axis for group in inputs for axis in group]
    merged = [axis for group in outputs for axis in group]
    if sorted(split) != sorted(merged):
        raise ValueError(f"rearrange: the output axes {merged} must be the input axes {split} "
                         "reordered.")
    tensor = b.reshape(tensor, [sizes[axis] for axis in split])
    tensor = b.transpose(tensor, [split.index(axis) for axis in merged])
    return b.reshape(tensor, [math.prod(sizes[axis] for axis in group) for group in outputs])
