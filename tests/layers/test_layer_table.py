"""Every declared layer through the harness (tests/layers/harness.py): its rows in
tests/layers/cases/ (forward, gradients, config, every backend, Keras parity)."""

from __future__ import annotations

import pytest

from tests.layers.harness import run_layer_test
from tests.layers.table import params


@pytest.mark.parametrize("entry", params())
def test_layer(entry):
    run_layer_test(entry.cls, entry.config, entry.input_shape, **entry.options)
