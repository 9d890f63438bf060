"""model.save_weights / load_weights in Keras 3's .weights.h5 layout: Keras loads the
engine's files and the engine loads Keras's, every backend; a file that does not fit, or is
not a weights file, changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import layers as L
from engine.export.errors import KerasFileError

pytest.importorskip("h5py")
ROWS = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")


def sequence_model():
    i = L.Input((5, 4))
    x = L.LSTM(3, return_sequences=True)(i)
    x = L.BatchNormalization()(L.MultiHeadAttention(2, 3)(x, x))
    x = L.GRU(2, return_sequences=True)(L.Conv1D(4, 2, padding="same")(x))
    return engine.Model(i, L.Dense(2)(L.Flatten()(x)))


def perturbed(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([np.abs(rng.normal(size=w.shape)).astype("float32") + 0.1
                       for w in model.get_weights()])
    return model


def test_keras_loads_the_engines_file_and_the_engine_loads_keras(backend_name, tmp_path):
    with engine.backend.using(backend_name):
        model = perturbed(sequence_model(), 1)
        model.save_weights(tmp_path / "ours.weights.h5")
        keras_model = model.to_keras()
        for weight in keras_model.weights:
            weight.assign(np.zeros(weight.shape))
        keras_model.load_weights(tmp_path / "ours.weights.h5")
        np.testing.assert_allclose(keras_model.predict(ROWS, verbose=0),
                                   model.predict(ROWS, verbose=0), rtol=1e-4, atol=1e-5)

        for weight, value in zip(keras_model.weights, perturbed(sequence_model(), 2).get_weights()):
            weight.assign(value)
        keras_model.save_weights(tmp_path / "keras.weights.h5")
        model.load_weights(tmp_path / "keras.weights.h5")
        for ours, theirs in zip(model.get_weights(), keras_model.get_weights()):
            np.testing.assert_array_equal(ours, theirs)


def test_sequential_weights_round_trip(tmp_path):
    model = perturbed(engine.Sequential([L.Input((4,)), L.Dense(3), L.Dense(1)]), 3)
    model.save_weights(tmp_path / "s.weights.h5")
    copy = engine.Sequential([L.Input((4,)), L.Dense(3), L.Dense(1)])
    copy.load_weights(tmp_path / "s.weights.h5")
    for ours, theirs in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_a_file_of_another_model_changes_nothing(tmp_path):
    perturbed(sequence_model(), 4).save_weights(tmp_path / "other.weights.h5")
    model = engine.Sequential([L.Input((4,)), L.Dense(3), L.Dense(1)])
    before = model.get_weights()
    with pytest.raises(KerasFileError, match="saved from another model.*skip_mismatch"):
        model.load_weights(tmp_path / "other.weights.h5")
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    (tmp_path / "junk.weights.h5").write_bytes(b"not an HDF5 file")
    with pytest.raises(KerasFileError, match="not a readable HDF5 file"):
        model.load_weights(tmp_path / "junk.weights.h5")


def test_skip_mismatch_loads_the_layers_that_fit(tmp_path):
    engine.Sequential([L.Input((4,)), L.Dense(3), L.Dense(2)]).save_weights(
        tmp_path / "w.weights.h5")
    model = engine.Sequential([L.Input((4,)), L.Dense(3), L.Dense(1)])
    last = model.layers[-1].get_weights()
    model.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    for now, then in zip(model.layers[-1].get_weights(), last):
        np.testing.assert_array_equal(now, then)


def test_names_and_overwrite_are_checked_before_anything_is_written(tmp_path):
    model = engine.Sequential([L.Input((4,)), L.Dense(1)])
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.h5")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.weights.h5"]
