"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D: config errors (the
harness rows are in tests/layers/cases/adaptive_pooling.py)."""

from __future__ import annotations

import pytest

from engine import layers
from engine.errors import LayerConfigError


@pytest.mark.parametrize("config, message", [
    ({"output_size": 0}, "positive int"),
    ({"output_size": (2, 2, 2)}, "tuple of 2"),
    ({"output_size": 2, "data_format": "channels_first"}, "channels-last"),
])
def test_bad_config_says_what_to_do(config, message):
    with pytest.raises(LayerConfigError, match=message):
        layers.AdaptiveMaxPooling2D(**config)
