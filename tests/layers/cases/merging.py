"""Subtract, Average, Maximum, Minimum and Dot, each called on one list of tensors.
Input shapes repeat across rows on purpose: JAX compiles each op once per shape."""

from engine import layers
from tests.layers.table import row


def _merging(cls, config, input_shapes, output_shape):
    return row(cls, config, input_shapes=input_shapes, call_with_list=True,
               expected_output_shape=output_shape, expected_weights=[])


ROWS = [
    _merging(layers.Subtract, {}, [(2, 3, 4), (2, 3, 4)], (2, 3, 4)),
    _merging(layers.Average, {}, [(2, 3, 4), (2, 3, 4)], (2, 3, 4)),
    _merging(layers.Average, {}, [(2, 3, 4), (2, 3, 4), (2, 3, 4)], (2, 3, 4)),
    _merging(layers.Maximum, {}, [(2, 3, 4), (2, 3, 4), (2, 3, 4)], (2, 3, 4)),
    _merging(layers.Minimum, {}, [(2, 3, 4), (2, 3, 4)], (2, 3, 4)),
    _merging(layers.Dot, {"axes": 1}, [(2, 4), (2, 4)], (2, 1)),
    _merging(layers.Dot, {"axes": -1, "normalize": True}, [(2, 4), (2, 4)], (2, 1)),
    _merging(layers.Dot, {"axes": 2}, [(2, 3, 4), (2, 5, 4)], (2, 3, 5)),
    _merging(layers.Dot, {"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)], (2, 4, 5)),
    _merging(layers.Dot, {"axes": [2, 1], "normalize": True}, [(2, 3, 4), (2, 4)], (2, 3)),
    _merging(layers.Dot, {"axes": (1, 2)}, [(2, 5, 3, 4), (2, 2, 5)], (2, 3, 4, 2)),
]
