"""keras.utils' dataset helpers and the rest of it: the same elements as Keras's (tiny data),
datasets fit takes, local get_file, Progbar, configs of objects, graph helpers."""

from __future__ import annotations

import os
import tarfile

import keras
import numpy as np
import pytest

import engine
from engine import utils

DATA = np.arange(40, dtype="float32").reshape(20, 2)
TARGETS = np.arange(20, dtype="int32") * 10


def _keras_elements(dataset):
    return [tuple(np.asarray(part) for part in item) if isinstance(item, tuple)
            else np.asarray(item) for item in dataset.as_numpy_iterator()]


def _ours(dataset):
    return [tuple(np.asarray(part) for part in item) if isinstance(item, tuple)
            else np.asarray(item) for item in dataset]


def _assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kwargs", [
    {"sequence_length": 3},
    {"sequence_length": 4, "sequence_stride": 3, "sampling_rate": 2, "batch_size": 2},
    {"sequence_length": 2, "start_index": 3, "end_index": 15, "batch_size": 5},
    {"sequence_length": 3, "batch_size": None, "sampling_rate": 3},
    {"sequence_length": 5, "targets": None, "batch_size": 4},
])
def test_timeseries_windows_match_keras(kwargs):
    kwargs = {"targets": TARGETS, **kwargs}
    ours = utils.timeseries_dataset_from_array(DATA, **kwargs)
    theirs = keras.utils.timeseries_dataset_from_array(DATA, **kwargs)
    _assert_same(_ours(ours), _keras_elements(theirs))


def test_timeseries_shuffle_keeps_keras_windows_and_repeats_with_a_seed():
    kwargs = {"targets": TARGETS, "sequence_length": 3, "batch_size": None, "shuffle": True}
    ours = _ours(utils.timeseries_dataset_from_array(DATA, seed=3, **kwargs))
    again = _ours(utils.timeseries_dataset_from_array(DATA, seed=3, **kwargs))
    _assert_same(ours, again)
    theirs = _keras_elements(keras.utils.timeseries_dataset_from_array(DATA, seed=3, **kwargs))
    assert sorted(int(y) for _, y in ours) == sorted(int(y) for _, y in theirs)
    assert [int(y) for _, y in ours] != sorted(int(y) for _, y in ours)


def test_fit_evaluate_and_predict_take_the_datasets():
    engine.set_random_seed(0)
    inputs = engine.layers.Input((3, 2))
    model = engine.Model(inputs, engine.layers.Dense(1)(engine.layers.Flatten()(inputs)))
    model.compile("sgd", "mse")
    dataset = utils.timeseries_dataset_from_array(DATA / 40, TARGETS / 200, 3, batch_size=4)
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(model.evaluate(dataset, verbose=0))
    windows = utils.timeseries_dataset_from_array(DATA / 40, None, 3, batch_size=4)
    assert model.predict(windows, verbose=0).shape == (18, 1)


@pytest.mark.parametrize("kwargs", [
    {"left_size": 0.75}, {"right_size": 3}, {"left_size": 5, "right_size": 0.5},
    {"left_size": 0.6, "shuffle": True, "seed": 7},
])
def test_split_dataset_matches_keras(kwargs):
    arrays = (DATA, TARGETS)
    ours = utils.split_dataset(arrays, **kwargs)
    theirs = keras.utils.split_dataset(arrays, **kwargs)
    for our_side, their_side in zip(ours, theirs):
        _assert_same(_ours(our_side), _keras_elements(their_side))
    assert len(ours[0].batch(4)) == -(-len(ours[0]) // 4)


def test_split_dataset_errors():
    with pytest.raises(ValueError, match="left_size` should be either"):
        utils.split_dataset(DATA, left_size=1.5)
    with pytest.raises(ValueError, match="same length"):
        utils.split_dataset((DATA, TARGETS[:3]), left_size=0.5)
    with pytest.raises(ValueError, match="give `left_size`, `right_size` or both"):
        utils.split_dataset(DATA)


def test_normalize_matches_keras():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    for axis, order in [(-1, 2), (1, 1), (1, np.inf)]:
        np.testing.assert_allclose(utils.normalize(x, axis, order),
                                   keras.utils.normalize(x, axis, order))


def _image_folder(root):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        os.makedirs(root / label)
        for i in range(3):
            pixels = rng.integers(0, 255, size=(4, 5, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / label / f"{i}.png")
    (root / "dogs" / "notes.txt").write_text("not an image")
    return str(root)


@pytest.mark.parametrize("kwargs", [
    {"label_mode": "int"},
    {"label_mode": "categorical", "batch_size": 4},
    {"label_mode": "binary", "validation_split": 0.4, "subset": "validation"},
    {"label_mode": None, "color_mode": "rgba"},
])
def test_image_dataset_from_directory_matches_keras(tmp_path, kwargs):
    folder = _image_folder(tmp_path)
    kwargs = {"image_size": (4, 5), "shuffle": False, "verbose": False, "batch_size": 2,
              **kwargs}
    ours = utils.image_dataset_from_directory(folder, **kwargs)
    theirs = keras.utils.image_dataset_from_directory(folder, **kwargs)
    assert ours.class_names == theirs.class_names
    _assert_same(_ours(ours), _keras_elements(theirs))


def test_grayscale_images_within_a_level_of_keras(tmp_path):
    """Pillow and TensorFlow round the luma of RGB pixels differently, by one level at most."""
    folder = _image_folder(tmp_path)
    kwargs = {"image_size": (4, 5), "shuffle": False, "verbose": False,
              "color_mode": "grayscale"}
    (ours, labels), = _ours(utils.image_dataset_from_directory(folder, **kwargs))
    (theirs, their_labels), = _keras_elements(
        keras.utils.image_dataset_from_directory(folder, **kwargs))
    np.testing.assert_allclose(ours, theirs, atol=1)
    np.testing.assert_array_equal(labels, their_labels)


def test_text_dataset_from_directory_matches_keras(tmp_path):
    for label, texts in {"neg": ["bad", "awful film"], "pos": ["good", "great", "fine"]}.items():
        os.makedirs(tmp_path / label)
        for i, text in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(text)
    kwargs = {"batch_size": 2, "shuffle": False, "max_length": 4, "verbose": False}
    ours = utils.text_dataset_from_directory(str(tmp_path), **kwargs)
    theirs = keras.utils.text_dataset_from_directory(str(tmp_path), **kwargs)
    for (texts, labels), (their_texts, their_labels) in zip(ours, _keras_elements(theirs)):
        assert [t for t in texts] == [t.decode() for t in their_texts]
        np.testing.assert_array_equal(labels, their_labels)
    both = utils.text_dataset_from_directory(str(tmp_path), validation_split=0.4, subset="both",
                                             seed=1, verbose=False)
    assert [len(part.file_paths) for part in both] == [3, 2]
    with pytest.raises(ValueError, match="give a `seed`"):
        utils.text_dataset_from_directory(str(tmp_path), validation_split=0.4,
                                          subset="training")


def test_get_file_reads_the_local_cache_only(tmp_path):
    source = tmp_path / "data.csv"
    source.write_text("1,2\n")
    cache = tmp_path / "cache"
    path = utils.get_file(origin=source.as_uri(), cache_dir=str(cache))
    assert path == str(cache / "datasets" / "data.csv")
    with open(path) as file:
        assert file.read() == "1,2\n"
    assert utils.get_file("data.csv", origin="https://example.com/data.csv",
                          cache_dir=str(cache)) == path
    with pytest.raises(ValueError, match="needs no network"):
        utils.get_file("other.csv", origin="https://example.com/other.csv",
                       cache_dir=str(cache))
    with pytest.raises(ValueError, match="hash does not match"):
        utils.get_file("data.csv", cache_dir=str(cache), file_hash="0" * 64)
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname="inner/data.csv")
    extracted = utils.get_file("bundle.tar.gz", origin=archive.as_uri(), cache_dir=str(cache),
                               extract=True)
    assert extracted == str(cache / "datasets" / "bundle_extracted")
    with open(os.path.join(extracted, "inner", "data.csv")) as file:
        assert file.read() == "1,2\n"


def test_progbar(capsys):
    bar = utils.Progbar(3, stateful_metrics=["acc"])
    for step in range(1, 4):
        bar.update(step, [("loss", float(step)), ("acc", 0.5 * step)])
    out = capsys.readouterr().out
    assert "3/3 [====================]" in out and "loss: 2.0000" in out
    assert "acc: 1.5000" in out
    quiet = utils.Progbar(2, verbose=2)
    quiet.add(1, [("loss", 1.0)])
    quiet.add(1, [("loss", 3.0)])
    assert capsys.readouterr().out.startswith("2/2 - ")


def test_graph_helpers():
    a, b = engine.layers.Input((2,)), engine.layers.Input((2,))
    out = engine.layers.Dense(1)(engine.layers.Add()([a, b]))
    assert utils.is_keras_tensor(out) and not utils.is_keras_tensor(np.ones(2))
    assert utils.get_source_inputs(out) == [a, b]
    assert utils.get_source_inputs(a) == [a]


def test_serialize_and_deserialize_keras_objects():
    for obj in [engine.layers.Dense(3, activation="relu"), engine.optimizers.Adam(0.1),
                engine.initializers.HeNormal(seed=2), engine.regularizers.L2(0.1)]:
        config = utils.serialize_keras_object(obj)
        again = utils.deserialize_keras_object(config)
        assert type(again) is type(obj) and again.get_config() == obj.get_config()
    adam = keras.optimizers.Adam(0.25)
    again = utils.deserialize_keras_object(keras.utils.serialize_keras_object(adam))
    assert isinstance(again, engine.optimizers.Adam) and again.get_config()["learning_rate"] == 0.25

    @utils.register_keras_serializable("Tests")
    class Scale(engine.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    config = utils.serialize_keras_object(Scale(3.0))
    assert config["registered_name"] == "Tests>Scale"
    assert utils.deserialize_keras_object(config).factor == 3.0
    with pytest.raises(ValueError, match="Nothing is imported by name"):
        utils.deserialize_keras_object({"module": "os", "class_name": "system", "config": {}})


def test_clear_session_restarts_names():
    engine.layers.Dense(1)
    utils.clear_session()
    assert engine.layers.Dense(1).name == "dense"
