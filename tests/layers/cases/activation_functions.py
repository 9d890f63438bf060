"""Every Keras activation by name in `Activation` (and so in any layer's `activation=`);
sparsemax, whose Keras 3.15 version differs, is tested in
tests/layers/test_activation_functions.py."""

from engine import activations, layers
from tests.layers.table import row

ROWS = [row(layers.Activation, {"activation": name}, (2, 6), expected_weights=[])
        for name in activations.NAMES if name != "sparsemax"]
