"""Global average and max pooling in 1, 2 and 3 dimensions."""

from engine import layers
from tests.layers.table import row


def _pooling(cls, config, input_shape, output_shape):
    return row(cls, config, input_shape, expected_output_shape=output_shape,
               expected_weights=[])


ROWS = [
    _pooling(layers.GlobalAveragePooling1D, {}, (2, 5, 3), (2, 3)),
    _pooling(layers.GlobalAveragePooling1D, {"keepdims": True}, (2, 5, 3), (2, 1, 3)),
    _pooling(layers.GlobalAveragePooling2D, {}, (2, 4, 5, 3), (2, 3)),
    _pooling(layers.GlobalAveragePooling2D, {"keepdims": True}, (2, 4, 5, 3), (2, 1, 1, 3)),
    _pooling(layers.GlobalAveragePooling3D, {}, (2, 3, 4, 2, 3), (2, 3)),
    _pooling(layers.GlobalAveragePooling3D, {"keepdims": True, "data_format": "channels_last"},
             (2, 3, 4, 2, 3), (2, 1, 1, 1, 3)),
    _pooling(layers.GlobalMaxPooling1D, {}, (2, 5, 3), (2, 3)),
    _pooling(layers.GlobalMaxPooling1D, {"keepdims": True}, (2, 5, 3), (2, 1, 3)),
    _pooling(layers.GlobalMaxPooling2D, {}, (2, 4, 5, 3), (2, 3)),
    _pooling(layers.GlobalMaxPooling2D, {"keepdims": True}, (2, 4, 5, 3), (2, 1, 1, 3)),
    _pooling(layers.GlobalMaxPooling3D, {}, (2, 3, 4, 2, 3), (2, 3)),
    _pooling(layers.GlobalMaxPooling3D, {"keepdims": True}, (2, 3, 4, 2, 3), (2, 1, 1, 1, 3)),
]
