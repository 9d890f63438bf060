"""Masking, on random steps: finite differences cannot cross a step equal to mask_value
(tests/layers/test_masks.py checks those steps)."""

from engine import layers
from tests.layers.table import row

ROWS = [row(layers.Masking, {"mask_value": 0.5}, (2, 5, 3), expected_output_shape=(2, 5, 3))]
