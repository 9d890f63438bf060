"""The TensorBoard callback: event files read back with TensorBoard's own EventAccumulator hold
Keras's tags, steps and the History's values; arguments it cannot honour are refused."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import engine
from engine import callbacks, layers, optimizers

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
tensor_util = pytest.importorskip("tensorboard.util.tensor_util")

BACKENDS = [pytest.param(name, marks=() if name in engine.backend.available_backends()
                         else pytest.mark.skip(reason=f"{name} is not installed"))
            for name in ("numpy", "jax")]


def _fit(log_dir, epochs=2, validation=True, **options):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(12, 4)).astype("float32"), rng.normal(size=(12, 2)).astype("float32")
    model = engine.Sequential([layers.Input((4,)), layers.Dense(3, name="hidden"),
                               layers.Dense(2, name="out")])
    model.compile(optimizers.SGD(0.05), "mse", metrics=["mae"])
    callback = callbacks.TensorBoard(log_dir=str(log_dir), **options)
    history = model.fit(x, y, batch_size=4, epochs=epochs, verbose=0, callbacks=[callback],
                        validation_data=(x[:8], y[:8]) if validation else None)
    return model, history


def _events(directory):
    accumulator = event_accumulator.EventAccumulator(
        str(directory), size_guidance={event_accumulator.TENSORS: 0,
                                       event_accumulator.HISTOGRAMS: 0})
    accumulator.Reload()
    return accumulator


def _scalars(accumulator, tag):
    return [(event.step, float(tensor_util.make_ndarray(event.tensor_proto)))
            for event in accumulator.Tensors(tag)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_epoch_scalars_equal_the_history(tmp_path, backend):
    engine.set_backend(backend)
    _, history = _fit(tmp_path)
    train, validation = _events(tmp_path / "train"), _events(tmp_path / "validation")
    assert set(train.Tags()["tensors"]) == {
        "epoch_loss", "epoch_mae", "epoch_learning_rate", "keras"}
    assert set(validation.Tags()["tensors"]) == {
        "epoch_loss", "epoch_mae", "evaluation_loss_vs_iterations",
        "evaluation_mae_vs_iterations"}
    for name in ("loss", "mae"):
        expected = list(enumerate(history.history[name]))
        np.testing.assert_allclose(_scalars(train, f"epoch_{name}"), expected, rtol=1e-6)
        expected = list(enumerate(history.history[f"val_{name}"]))
        np.testing.assert_allclose(_scalars(validation, f"epoch_{name}"), expected, rtol=1e-6)
    np.testing.assert_allclose(_scalars(train, "epoch_learning_rate"), [(0, 0.05), (1, 0.05)])
    # evaluations are stepped by optimizer iterations: 3 batches per epoch
    steps = [step for step, _ in _scalars(validation, "evaluation_loss_vs_iterations")]
    assert steps == [3, 6]


def test_the_graph_summary_holds_the_models_keras_json(tmp_path):
    model, _ = _fit(tmp_path, epochs=1, validation=False)
    (event,) = _events(tmp_path / "train").Tensors("keras")
    written = json.loads(tensor_util.make_ndarray(event.tensor_proto).item())
    assert written == json.loads(model.to_json())
    assert event.step == 0
    accumulator = _events(tmp_path / "train")
    assert accumulator.summary_metadata["keras"].plugin_data.plugin_name == "graph_keras_model"
    assert not os.path.exists(tmp_path / "validation")


def test_a_functional_models_graph_is_written_and_a_subclassed_ones_is_not(tmp_path):
    inputs = layers.Input((4,))
    functional = engine.Model(inputs, layers.Dense(2)(inputs))

    class Subclassed(engine.Model):
        def call(self, x):
            return x

    for model, run in ((functional, "functional"), (Subclassed(), "subclassed")):
        callback = callbacks.TensorBoard(str(tmp_path / run))
        callback.set_model(model)
        callback.on_train_end({})
    (event,) = _events(tmp_path / "functional" / "train").Tensors("keras")
    assert json.loads(tensor_util.make_ndarray(event.tensor_proto).item()) == json.loads(
        functional.to_json())
    assert not os.path.exists(tmp_path / "subclassed")


@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6]), (2, [2, 4, 6])])
def test_batch_scalars_follow_update_freq(tmp_path, update_freq, steps):
    _fit(tmp_path, validation=False, update_freq=update_freq, write_steps_per_second=True)
    train = _events(tmp_path / "train")
    for tag in ("batch_loss", "batch_mae", "batch_steps_per_second"):
        assert [step for step, _ in _scalars(train, tag)] == steps
    assert all(value > 0 for _, value in _scalars(train, "epoch_steps_per_second"))


def test_histograms_and_images_of_the_weights(tmp_path):
    """Written as TensorFlow 2 writes them: tensor summaries of TensorBoard's histogram and
    image plugins."""
    model, _ = _fit(tmp_path, epochs=3, validation=False, histogram_freq=2, write_images=True)
    train = _events(tmp_path / "train")
    paths = [weight.path for layer in model.layers for weight in layer.weights]
    plugins = {tag: metadata.plugin_data.plugin_name
               for tag, metadata in train.summary_metadata.items()}
    assert {tag: plugin for tag, plugin in plugins.items() if plugin != "scalars"} == {
        "keras": "graph_keras_model",
        **{f"{path}/histogram": "histograms" for path in paths},
        **{f"{path}/image": "images" for path in paths},
    }
    kernel = train.Tensors(f"{paths[0]}/histogram")
    assert [event.step for event in kernel] == [0, 2]
    buckets = tensor_util.make_ndarray(kernel[-1].tensor_proto)  # rows of (left, right, count)
    weights = np.asarray(model.weights[0])
    assert buckets[:, 2].sum() == weights.size
    np.testing.assert_allclose([buckets[0, 0], buckets[-1, 1]], [weights.min(), weights.max()],
                               rtol=1e-6)
    (image,) = [event for event in train.Tensors(f"{paths[0]}/image") if event.step == 2]
    width, height, png = tensor_util.make_ndarray(image.tensor_proto)
    assert (int(width), int(height)) == (4, 3)  # a (4, 3) kernel is drawn wider than tall
    assert png.startswith(b"\x89PNG")


def test_embeddings_are_written_for_the_projector(tmp_path):
    model = engine.Sequential([layers.Input((3,), dtype="int32"),
                               layers.Embedding(5, 2, name="words"), layers.Flatten(),
                               layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.array([[0, 1, 2], [3, 4, 0]], dtype="int32")
    callback = callbacks.TensorBoard(str(tmp_path), embeddings_freq=1,
                                     embeddings_metadata={"words": "words.tsv"})
    model.fit(x, np.zeros((2, 1), "float32"), epochs=2, verbose=0, callbacks=[callback])
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "embeddings/words-epoch1.tsv"' in config
    assert 'metadata_path: "words.tsv"' in config
    np.testing.assert_allclose(np.loadtxt(tmp_path / "embeddings" / "words-epoch1.tsv"),
                               np.asarray(model.layers[0].embeddings), rtol=1e-6)
    assert len(glob.glob(str(tmp_path / "embeddings" / "*.tsv"))) == 2


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"profile_batch": 2}, "profile_batch` is not supported"),
        ({"profile_batch": (3, 1)}, "profile_batch` must be"),
        ({"update_freq": "often"}, "update_freq"),
        ({"update_freq": 0}, "update_freq"),
        ({"histogram_freq": -1}, "histogram_freq"),
        ({"embeddings_metadata": 3}, "embeddings_metadata"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        callbacks.TensorBoard(str(tmp_path), **arguments)


def test_unknown_embedding_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not Embedding layers"):
        _fit(tmp_path, embeddings_freq=1, embeddings_metadata={"nope": "a.tsv"})


def test_missing_tensorboard_says_how_to_install(monkeypatch, tmp_path):
    for name in [name for name in sys.modules if name.split(".")[0] == "tensorboard"]:
        monkeypatch.setitem(sys.modules, name, None)  # an import of it now fails
    with pytest.raises(ImportError, match="pip install tensorboard"):
        callbacks.TensorBoard(str(tmp_path))


def test_tensorflow_is_not_imported(tmp_path):
    """tensorboard's EventFileWriter would import TensorFlow wherever it is installed."""
    program = f"""
import subprocess
import sys
import numpy as np
import engine
from engine import callbacks, layers
model = engine.Sequential([layers.Input((4,)), layers.Dense(2)])
model.compile("sgd", "mse")
callback = callbacks.TensorBoard({str(tmp_path)!r}, histogram_freq=1, write_images=True,
                                 update_freq="batch")
model.fit(np.zeros((4, 4), "float32"), np.zeros((4, 2), "float32"), verbose=0,
          callbacks=[callback])
assert "tensorflow" not in sys.modules, "TensorFlow was imported"
"""
    subprocess.run([sys.executable, "-c", program], check=True, timeout=120)
    assert glob.glob(str(tmp_path / "train" / "events.out.tfevents.*"))
