"""`.keras` files both ways with real Keras 3, on each of Keras's backends.

The engine trains each case one step and saves it; Keras (in its own process per backend)
loads the file, predicts, trains two steps and saves its own file, then trains two more. The
engine must predict what Keras predicted from the engine's file, have trained to the same
weights, and, loading Keras's file, hold Keras's weights and optimizer state exactly and train
on to Keras's weights. Every case runs on each of Keras's backends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine
from engine import backend as backends
from tests.conftest import INSTALLED
from tests.keras_files.cases import CASES, batch, build_compiled, define_custom_objects

pytest.importorskip("keras")
pytest.importorskip("h5py")

ROOT = Path(__file__).resolve().parents[2]
KERAS_BACKENDS = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}
RTOL, ATOL = 1e-4, 1e-5


def _flat(value) -> list:
    return [np.asarray(v) for v in (value if isinstance(value, list) else [value])]


@pytest.fixture(scope="module")
def engine_files(tmp_path_factory):
    """The engine's files and, per case, its prediction and weights after two more steps."""
    folder = tmp_path_factory.mktemp("keras_files")
    define_custom_objects(engine)
    expected = {}
    for name in CASES:
        model = build_compiled(engine, name)
        x, y = batch(name)
        model.train_on_batch(x, y)
        model.save(folder / f"{name}.keras")
        prediction = _flat(model.predict(x, verbose=0))
        for _ in range(2):
            model.train_on_batch(x, y)
        expected[name] = (prediction, [np.asarray(w) for w in model.get_weights()])
    return folder, expected


@pytest.fixture(scope="module", params=[
    pytest.param(name, marks=() if name in INSTALLED else pytest.mark.skip(
        reason=f"{name} is not installed")) for name in KERAS_BACKENDS])
def keras_results(engine_files, request):
    """Keras's run over the engine's files on one of its backends."""
    folder, _ = engine_files
    keras_backend = KERAS_BACKENDS[request.param]
    selected = tuple(CASES)
    environment = {**os.environ, "KERAS_BACKEND": keras_backend,
                   "KERAS_FILE_CASES": ",".join(selected)}
    result = subprocess.run([sys.executable, "-m", "tests.keras_files.keras_side", str(folder)],
                            cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    return keras_backend, selected


def _results(folder, name, keras_backend):
    with np.load(folder / f"{name}.{keras_backend}.npz") as data:
        def arrays(prefix):
            keys = sorted((k for k in data.files if k.startswith(prefix)),
                          key=lambda k: int(k.rsplit("_", 1)[1]))
            return [data[k] for k in keys]

        return arrays("prediction_"), arrays("saved_"), arrays("trained_")


def _assert_close(ours, theirs, case):
    assert len(ours) == len(theirs), case
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=case)


def test_keras_loads_the_engines_files_and_trains_on_as_the_engine(engine_files,
                                                                    keras_results):
    folder, expected = engine_files
    keras_backend, selected = keras_results
    for name in selected:
        prediction, weights = expected[name]
        keras_prediction, keras_weights, _ = _results(folder, name, keras_backend)
        _assert_close(keras_prediction, prediction, name)
        _assert_close(keras_weights, weights, name)


def test_the_engine_loads_keras_files_and_trains_on_as_keras(engine_files, keras_results):
    """Each case on one engine backend in turn, so every backend reads Keras's files."""
    folder, _ = engine_files
    keras_backend, selected = keras_results
    define_custom_objects(engine)
    installed = [name for name in backends.BACKENDS if name in INSTALLED]
    for index, name in enumerate(selected):
        _, saved, trained = _results(folder, name, keras_backend)
        with backends.using(installed[index % len(installed)]):
            model = engine.load_model(folder / f"{name}.{keras_backend}.keras")
            for ours, theirs in zip(model.get_weights(), saved, strict=True):
                np.testing.assert_array_equal(ours, theirs, err_msg=name)
            x, y = batch(name)
            for _ in range(2):
                model.train_on_batch(x, y)
            _assert_close([np.asarray(w) for w in model.get_weights()], trained, name)
