"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D through the shared harness
(every backend, gradients, Keras parity), with windows that overlap and windows of one."""

from __future__ import annotations

import pytest

from engine import layers
from engine.errors import LayerConfigError
from tests.layers.harness import run_layer_test

CASES = [
    ("AdaptiveAveragePooling1D", {"output_size": 3}, (2, 7, 3), (2, 3, 3)),
    ("AdaptiveMaxPooling1D", {"output_size": 4}, (2, 7, 3), (2, 4, 3)),
    ("AdaptiveAveragePooling2D", {"output_size": (2, 4)}, (2, 5, 6, 2), (2, 2, 4, 2)),
    ("AdaptiveMaxPooling2D", {"output_size": 3}, (2, 5, 6, 2), (2, 3, 3, 2)),
    ("AdaptiveAveragePooling3D", {"output_size": (2, 3, 3)}, (2, 3, 5, 4, 2), (2, 2, 3, 3, 2)),
    ("AdaptiveMaxPooling3D", {"output_size": (2, 2, 3)}, (2, 3, 5, 4, 2), (2, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("name, config, input_shape, output_shape", CASES,
                         ids=[f"{c[0]}-{c[1]['output_size']}" for c in CASES])
def test_adaptive_pooling(name, config, input_shape, output_shape):
    run_layer_test(getattr(layers, name), config, input_shape,
                   expected_output_shape=output_shape, expected_weights=[])


def test_more_windows_than_points_repeat_points():
    """Windows of one point when the output outgrows the input, as PyTorch's; Keras 3.15's
    JAX backend gives NaN there, so no Keras comparison."""
    run_layer_test(layers.AdaptiveAveragePooling2D, {"output_size": (5, 7)}, (2, 5, 6, 2),
                   expected_output_shape=(2, 5, 7, 2), expected_weights=[], keras=False)


@pytest.mark.parametrize("config, message", [
    ({"output_size": 0}, "positive int"),
    ({"output_size": (2, 2, 2)}, "tuple of 2"),
    ({"output_size": 2, "data_format": "channels_first"}, "channels-last"),
])
def test_bad_config_says_what_to_do(config, message):
    with pytest.raises(LayerConfigError, match=message):
        layers.AdaptiveMaxPooling2D(**config)
