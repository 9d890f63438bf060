"""Every declared layer through the harness (tests/layers/harness.py): its rows in
tests/layers/cases/ (forward, gradients, config, every backend, Keras parity)."""

from __future__ import annotations

import pytest

from engine import layers
from tests.layers.harness import run_layer_test
from tests.layers.table import all_rows, params

# Layers the harness cannot run, why, and the tests that cover them instead.
EXEMPT = {
    "InputLayer": "holds a model's input and is never called on tensors: "
                  "tests/models/test_functional.py",
    "LSTMCell": "takes its two states as one list, which the harness cannot pass: "
                "tests/layers/test_recurrent_layers.py::"
                "test_lstm_cell_alone_matches_keras_with_its_two_states",
    "StackedRNNCells": "takes its states as a list per cell, which the harness cannot pass: "
                       "tests/layers/test_recurrent_layers.py::"
                       "test_wrappers_round_trip_through_a_saved_model, and the RNN rows over "
                       "a list of cells in tests/layers/cases/recurrent.py (--slow)",
    "StringLookup": "looks up strings, which no backend tensor holds: "
                    "tests/layers/test_text_preprocessing.py",
    "TextVectorization": "takes strings, which no backend tensor holds: "
                         "tests/layers/test_text_preprocessing.py",
}


@pytest.mark.parametrize("entry", params())
def test_layer(entry):
    result = run_layer_test(entry.cls, entry.config, entry.input_shape, **entry.options)
    if entry.then is not None:
        entry.then(result)


def test_every_declared_layer_has_a_row():
    """A row that runs in CI (not slow) for every layer of engine.layers.LAYERS; Keras's
    aliases (Convolution2D) are the same classes, so one row covers them all."""
    covered = {entry.cls for _, entry in all_rows() if not entry.slow}
    exempt = {layers.LAYERS[name] for name in EXEMPT}
    missing = sorted(name for name, cls in layers.LAYERS.items() if cls not in covered | exempt)
    assert not missing, (
        f"no harness row that runs in CI for {', '.join(missing)}: add a "
        "row(Layer, config, input_shape, ...) to ROWS in tests/layers/cases/<family>.py "
        "(read tests/layers/table.py)")


def test_exempt_layers_are_declared_and_have_no_row():
    """EXEMPT names only declared layers that the harness cannot run."""
    assert set(EXEMPT) <= set(layers.LAYERS)
    rows = {entry.cls for _, entry in all_rows()}
    assert not [name for name in EXEMPT if layers.LAYERS[name] in rows]
