"""MaxPooling and AveragePooling in 1-D and 3-D (2-D rows are in core.py).
Input shapes repeat across rows on purpose: JAX compiles each op once per shape."""

from engine import layers
from tests.layers.table import row


def _pooling(cls, config, input_shape, output_shape):
    return row(cls, config, input_shape, expected_output_shape=output_shape,
               expected_weights=[])


ROWS = [
    _pooling(layers.MaxPooling1D, {}, (2, 7, 3), (2, 3, 3)),
    _pooling(layers.MaxPooling1D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 3),
             (2, 4, 3)),
    _pooling(layers.AveragePooling1D, {"pool_size": 2}, (2, 7, 3), (2, 3, 3)),
    _pooling(layers.AveragePooling1D, {"pool_size": 3, "strides": 2, "padding": "same"},
             (2, 7, 3), (2, 4, 3)),
    _pooling(layers.MaxPooling3D, {}, (2, 4, 5, 3, 2), (2, 2, 2, 1, 2)),
    _pooling(layers.MaxPooling3D, {"pool_size": (3, 2, 2), "strides": (2, 1, 2),
                                   "padding": "same"}, (2, 4, 5, 3, 2), (2, 2, 5, 2, 2)),
    _pooling(layers.AveragePooling3D, {"pool_size": 2}, (2, 4, 5, 3, 2), (2, 2, 2, 1, 2)),
    _pooling(layers.AveragePooling3D, {"pool_size": 3, "strides": (2, 1, 2), "padding": "same"},
             (2, 4, 5, 3, 2), (2, 2, 5, 2, 2)),
]
