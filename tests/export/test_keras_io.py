"""Keras 3 in and out: weights bit for bit both ways, and files read as data only."""

from __future__ import annotations

import base64
import marshal

import numpy as np
import pytest

from engine.export.errors import KerasFileError
from engine.export.keras_io import load_keras
from tests.export import keras_files as files
from tests.export.catalogue import KERAS_MODELS, build

h5py = pytest.importorskip("h5py")


def assert_same_model(ours, other):
    """Same layers (names, classes, configs) and every weight equal bit for bit."""
    assert [(type(a).__name__, a.name) for a in ours.layers] == [
        (type(b).__name__, b.name) for b in other.layers]
    for a, b in zip(ours.layers, other.layers):
        assert a.get_config() == b.get_config()
        for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
            assert x.dtype == y.dtype and np.array_equal(x, y)


@pytest.mark.parametrize("name", list(KERAS_MODELS))
def test_engine_to_keras_and_back_keeps_every_weight_bit_for_bit(name, tmp_path):
    keras = pytest.importorskip("keras")
    from engine.export.keras_io import from_keras, to_keras

    model, inputs = build(name)
    theirs = to_keras(model)
    assert isinstance(theirs, keras.Sequential) == (name == "sequential")
    for layer in model.layers:
        for x, y in zip(layer.get_weights(), theirs.get_layer(layer.name).get_weights(),
                        strict=True):
            assert np.array_equal(x, np.asarray(y))
    expected = model.predict(inputs)
    outputs = theirs.predict(inputs, verbose=0)
    for a, b in zip(*(o if isinstance(o, list) else [o] for o in (outputs, expected))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert_same_model(model, from_keras(theirs))
    theirs.save(tmp_path / "model.keras")
    loaded = load_keras(tmp_path / "model.keras")
    assert_same_model(model, loaded)
    for a, b in zip(*(o if isinstance(o, list) else [o]
                      for o in (loaded.predict(inputs), model.predict(inputs)))):
        np.testing.assert_array_equal(a, b)


def test_a_hand_written_file_loads_without_keras_and_never_calls_its_loader(tmp_path,
                                                                             monkeypatch):
    keras = pytest.importorskip("keras")
    monkeypatch.setattr(keras.models, "load_model", _forbidden)
    monkeypatch.setattr(keras.saving, "load_model", _forbidden)
    weights = files.dense_weights()
    files.write(tmp_path / "m.keras", files.functional(files.dense_entry()), weights)
    model = load_keras(tmp_path / "m.keras")
    kernel, bias = model.get_layer("dense").get_weights()
    assert np.array_equal(kernel, weights["layers/dense/vars/0"])
    assert np.array_equal(bias, weights["layers/dense/vars/1"])


def _forbidden(*args, **kwargs):
    raise AssertionError("keras's loader must not be used")


def test_a_lambda_layer_is_refused_and_its_code_never_runs(tmp_path):
    sentinel = tmp_path / "ran"
    code = compile(f"open({str(sentinel)!r}, 'w').close()", "payload", "exec")
    lambda_layer = {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "name": "lambda", "inbound_nodes": [{"args": [files.tensor("input_layer")],
                                             "kwargs": {}}],
        "config": {"name": "lambda", "function": {
            "class_name": "__lambda__",
            "config": {"code": base64.b64encode(marshal.dumps(code)).decode()}}},
    }
    files.write(tmp_path / "m.keras", files.functional(lambda_layer,
                                                      outputs=("lambda", 0, 0)))
    with pytest.raises(KerasFileError, match="Lambda layer, which holds Python code"):
        load_keras(tmp_path / "m.keras")
    assert not sentinel.exists()


@pytest.mark.parametrize("changes, message", [
    ({"class_name": "os.system"}, "'os.system'.*not a built-in Keras layer"),
    ({"module": "os", "class_name": "system"}, "'system'.*not a built-in Keras layer"),
    ({"module": "evil.layers"}, "module 'evil.layers'.*not a built-in Keras layer"),
    ({"registered_name": "evil>Dense"}, "registered as 'evil>Dense'"),
    ({"config": {"kernel_initializer": {"module": "os", "class_name": "system",
                                        "config": {}, "registered_name": None}}},
     "kernel_initializer from 'os'"),
    ({"config": {"activation": {"module": "builtins", "class_name": "eval"}}},
     "not an activation the engine has"),
    ({"config": {"kernel_constraint": None, "lora_rank": 4}}, "lora_rank=4"),
    ({"config": {"dtype": "float16"}}, "dtype 'float16'"),
])
def test_a_layer_naming_code_or_an_unknown_setting_is_refused(changes, message, tmp_path):
    files.write(tmp_path / "m.keras", files.functional(files.dense_entry(**changes)),
                files.dense_weights())
    with pytest.raises(KerasFileError, match=message):
        load_keras(tmp_path / "m.keras")


def test_a_subclassed_model_of_an_unknown_class_is_refused(tmp_path):
    config = {**files.functional(files.dense_entry()), "class_name": "MyModel",
              "module": "my_package.models", "registered_name": "my_package>MyModel"}
    files.write(tmp_path / "m.keras", config)
    with pytest.raises(KerasFileError,
                       match="not a model class known here.*Nothing named in a file is imported"):
        load_keras(tmp_path / "m.keras")


def test_a_truncated_or_foreign_file_is_refused_with_a_clear_message(tmp_path):
    data = files.write(tmp_path / "m.keras", files.functional(files.dense_entry()),
                       files.dense_weights())
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(KerasFileError, match="not a complete .keras"):
        load_keras(tmp_path / "cut.keras")
    (tmp_path / "text.keras").write_text("not a zip")
    with pytest.raises(KerasFileError, match="not a complete .keras"):
        load_keras(tmp_path / "text.keras")


def test_weights_that_do_not_fit_or_point_elsewhere_are_refused(tmp_path):
    config = files.functional(files.dense_entry())
    files.write(tmp_path / "shape.keras", config, files.dense_weights((5, 3)))
    with pytest.raises(KerasFileError, match=r"layers/dense/vars/0 has shape \(5, 3\), where the "
                       r"model's 'dense/kernel' has shape \(4, 3\)"):
        load_keras(tmp_path / "shape.keras")
    weights = files.dense_weights()
    kernel = weights.pop("layers/dense/vars/0")
    files.write(tmp_path / "link.keras", config, {**weights, "elsewhere": kernel},
                links={"layers/dense/vars/0": "/elsewhere"})
    with pytest.raises(KerasFileError, match="is missing or a link"):
        load_keras(tmp_path / "link.keras")


def test_a_file_without_weights_is_refused(tmp_path):
    files.write(tmp_path / "m.keras", files.functional(files.dense_entry()))
    with pytest.raises(KerasFileError,
                       match=r"no weights at 'layers/dense/vars', where the model keeps 2 arrays"):
        load_keras(tmp_path / "m.keras")


def test_attention_with_its_own_value_size_keeps_its_weights_in_keras():
    """Keras 3 on JAX cannot run value_dim != key_dim itself, so this checks weights only."""
    pytest.importorskip("keras")
    from engine.export.keras_io import from_keras, to_keras

    model, _ = build("multi_head_attention_value_dim")
    assert_same_model(model, from_keras(to_keras(model)))
