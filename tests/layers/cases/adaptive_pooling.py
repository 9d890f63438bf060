"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D, with windows that overlap
and windows of one."""

from engine import layers
from tests.layers.table import row


def _pooling(cls, config, input_shape, output_shape, **options):
    return row(cls, config, input_shape, expected_output_shape=output_shape,
               expected_weights=[], **options)


ROWS = [
    _pooling(layers.AdaptiveAveragePooling1D, {"output_size": 3}, (2, 7, 3), (2, 3, 3)),
    _pooling(layers.AdaptiveMaxPooling1D, {"output_size": 4}, (2, 7, 3), (2, 4, 3)),
    _pooling(layers.AdaptiveAveragePooling2D, {"output_size": (2, 4)}, (2, 5, 6, 2),
             (2, 2, 4, 2)),
    _pooling(layers.AdaptiveMaxPooling2D, {"output_size": 3}, (2, 5, 6, 2), (2, 3, 3, 2)),
    _pooling(layers.AdaptiveAveragePooling3D, {"output_size": (2, 3, 3)}, (2, 3, 5, 4, 2),
             (2, 2, 3, 3, 2)),
    _pooling(layers.AdaptiveMaxPooling3D, {"output_size": (2, 2, 3)}, (2, 3, 5, 4, 2),
             (2, 2, 2, 3, 2)),
    # more windows than points repeat points, as PyTorch's; Keras 3.15's JAX backend gives
    # NaN there, so no Keras comparison
    _pooling(layers.AdaptiveAveragePooling2D, {"output_size": (5, 7)}, (2, 5, 6, 2),
             (2, 5, 7, 2), keras=False),
]
