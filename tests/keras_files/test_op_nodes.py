"""Op nodes (`x + y`, `x[:, :2]`, `ops.mean(x, axis=-1)` on symbolic tensors) in `.keras` files
and Keras's JSON, both ways with real Keras 3: the table of tests/keras_files/op_cases.py
saved by the engine opens in Keras (one process for the whole table) and predicts the same,
Keras's own files and JSON open in the engine on each of its backends and predict what Keras
did; ops the engine does not write for Keras, and op entries it will not read, are refused
with errors saying why.
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import engine
from engine import backend as backends
from engine import ops
from engine.export.errors import ExportError, KerasFileError
from engine.export.keras_op_nodes import ENGINE_OPS, has_keras_class
from engine.export.keras_ops import KERAS_OPS, NOT_KERAS
from engine.layers.op_node import GRAPH_OPS, Operation
from engine.models.spec import FORMAT
from engine.saving.keras_op_classes import FUNCTIONS
from tests.conftest import INSTALLED
from tests.keras_files.op_cases import (
    BACKEND_GAPS,
    ENGINE_ONLY,
    GROUPS,
    KERAS_DIFFERS,
    batch,
    build,
    names,
    output_labels,
    outputs,
)

ROOT = Path(__file__).resolve().parents[2]
RTOL, ATOL = 1e-5, 1e-5
INSTALLED_BACKENDS = [name for name in backends.BACKENDS if name in INSTALLED]


def _close(ours, theirs, case):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, case
    if ours.dtype.kind in "biu":
        np.testing.assert_array_equal(ours, theirs, err_msg=case)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=case)


@functools.cache
def _labels(name):
    return output_labels(engine, name)


def _outputs_close(ours, theirs, name, instead=None):
    """Each output of a case alike, named by the op it computes; `instead` gives the
    outputs to compare with where Keras computes an op otherwise (KERAS_DIFFERS)."""
    ours, theirs = outputs(ours), outputs(theirs)
    assert len(ours) == len(theirs), name
    for index, (a, b, op) in enumerate(zip(ours, theirs, _labels(name))):
        if op in KERAS_DIFFERS and instead is not None:
            b = outputs(instead())[index]
        _close(a, b, f"{name}: {op}")


@pytest.fixture(scope="module")
def exchanged(tmp_path_factory):
    """The engine's file and JSON of every case, Keras's run over them (its NumPy backend:
    the same classes and configs as its others, without compiling), the engine's
    predictions."""
    pytest.importorskip("keras")
    pytest.importorskip("h5py")
    folder = tmp_path_factory.mktemp("op_nodes")
    predictions = {}
    for name in names():
        model = build(engine, name)
        model.save(folder / f"{name}.engine.keras")
        (folder / f"{name}.engine.json").write_text(model.to_json())
        predictions[name] = outputs(model.predict(batch(name), verbose=0))
    environment = {**os.environ, "KERAS_BACKEND": "numpy"}
    result = subprocess.run([sys.executable, "-m", "tests.keras_files.op_cases", str(folder)],
                            cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    return folder, predictions


def _keras_results(folder, name):
    """What Keras predicted, by kind ("keras", "engine_file", ...): a list, one an output."""
    results = {}
    with np.load(folder / f"{name}.npz") as data:
        for key in data.files:
            kind, _, index = key.rpartition("_")
            results.setdefault(kind, {})[int(index)] = data[key]
    return {kind: [values[i] for i in sorted(values)] for kind, values in results.items()}


@pytest.mark.parametrize("name", names())
def test_keras_loads_the_engines_files_and_json_and_predicts_the_same(exchanged, name):
    folder, predictions = exchanged
    results = _keras_results(folder, name)

    def keras_own_model():
        return results["keras_engine_weights"]

    _outputs_close(results["engine_file"], predictions[name], name, keras_own_model)
    _outputs_close(results["engine_json"], results["engine_file"], name)


def _keras_cases():
    return [name for name in names() if name not in ENGINE_ONLY]


def _load_keras_case(folder, name):
    """Keras's file and, from its JSON, the same model rebuilt with the file's weights."""
    model = engine.load_model(folder / f"{name}.keras.keras")
    rebuilt = engine.models.model_from_json((folder / f"{name}.keras.json").read_text())
    rebuilt.set_weights(model.get_weights())
    return model, rebuilt


def _check_keras_case(folder, name):
    expected = _keras_results(folder, name)["keras"]
    for model in _load_keras_case(folder, name):
        def engine_own_model(model=model):
            ours = build(engine, name)
            ours.set_weights(model.get_weights())
            return ours.predict(batch(name), verbose=0)

        _outputs_close(model.predict(batch(name), verbose=0), expected, name, engine_own_model)


@pytest.mark.parametrize("index, name", list(enumerate(_keras_cases())))
def test_the_engine_loads_keras_files_and_json_and_predicts_the_same(exchanged, index, name):
    """Each case on one engine backend in turn, each group (many ops) on NumPy's, which
    compiles nothing; the slow test runs every one on every backend."""
    folder, _ = exchanged
    backend = "numpy" if name in GROUPS else INSTALLED_BACKENDS[index % len(INSTALLED_BACKENDS)]
    with backends.using(backend):
        _check_keras_case(folder, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", _keras_cases())
@pytest.mark.parametrize("backend", INSTALLED_BACKENDS)
def test_every_keras_file_predicts_the_same_on_every_backend(exchanged, backend, name):
    folder, _ = exchanged
    if backend in BACKEND_GAPS.get(name, {}):
        pytest.skip(BACKEND_GAPS[name][backend])
    with backends.using(backend):
        _check_keras_case(folder, name)


def test_every_op_the_engine_writes_for_keras_has_a_case(exchanged):
    """The table exercises each op of KERAS_OPS, in the graphs the engine builds or those it
    reads from Keras's files (the engine records fabs as absolute; Keras writes Fabs): a new
    op fails here until it has a row."""
    folder, _ = exchanged
    models = [*(build(engine, name) for name in names()),
              *(engine.load_model(folder / f"{name}.keras.keras") for name in _keras_cases())]
    used = {node.layer.op_name for model in models for node in model.nodes
            if isinstance(node.layer, Operation)}
    assert sorted(set(KERAS_OPS) - used) == []


def test_every_graph_op_is_keras_s_or_excluded_with_a_reason():
    assert set(KERAS_OPS) | set(NOT_KERAS) == GRAPH_OPS
    assert not set(KERAS_OPS) & set(NOT_KERAS)
    assert all(isinstance(reason, str) and reason for reason in NOT_KERAS.values())


def test_keras_files_read_back_as_the_graph_keras_wrote(exchanged):
    """Op entries become op nodes of the engine's ops, named as Keras named them."""
    folder, _ = exchanged
    model = engine.load_model(folder / "where_clip.keras.keras")
    operations = {node.layer.name: node.layer.op_name for node in model.nodes
                  if isinstance(node.layer, Operation)}
    assert operations == {"greater": "greater", "clip": "clip", "where": "where"}
    assert [layer.name for layer in model.layers[1:]] == ["dense"]


@pytest.mark.parametrize("name", ["mean_keepdims", "slices", "concatenate", "moments"])
def test_get_config_is_keras_s_and_from_config_rebuilds_it(name):
    model = build(engine, name)
    config = model.get_config()
    assert "format" not in config and config["layers"][0]["class_name"] == "InputLayer"
    rebuilt = engine.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_array_equal(rebuilt.predict(batch(name), verbose=0),
                                  model.predict(batch(name), verbose=0))
    assert _graph(rebuilt) == _graph(model)


def _graph(model):
    return [(node.layer.name, getattr(node.layer, "op_name", None)) for node in model.nodes]


def test_from_keras_takes_a_live_keras_model_with_ops():
    keras = pytest.importorskip("keras")
    theirs = build(keras, "where_clip")
    ours = engine.from_keras(theirs)
    np.testing.assert_allclose(ours.predict(batch("where_clip"), verbose=0),
                               np.asarray(theirs.predict(batch("where_clip"), verbose=0)),
                               rtol=RTOL, atol=ATOL)


def test_the_entries_are_written_as_keras_writes_them():
    i = engine.Input((4, 6))
    x = ops.mean(engine.layers.Dense(6, name="d")(i), axis=-1, keepdims=True)
    entries = json.loads(engine.Model(i, ops.relu(x[:, 1:]) + 1.0).to_json())["config"]["layers"]
    tensor = {"class_name": "__keras_tensor__",
              "config": {"shape": [None, 4, 6], "dtype": "float32", "keras_history": ["d", 0, 0]}}
    mean = next(entry for entry in entries if entry["class_name"] == "Mean")
    assert mean == {"module": "keras.src.ops.numpy", "class_name": "Mean",
                    "config": {"name": mean["name"], "axis": -1, "keepdims": True},
                    "registered_name": "Mean", "name": mean["name"],
                    "inbound_nodes": [{"args": [tensor], "kwargs": {}}]}
    get_item = next(entry for entry in entries if entry["class_name"] == "GetItem")
    assert get_item["inbound_nodes"][0]["args"][1] == [
        {"class_name": "__slice__", "config": {"start": None, "stop": None, "step": None}},
        {"class_name": "__slice__", "config": {"start": 1, "stop": None, "step": None}}]
    add = next(entry for entry in entries if entry["class_name"] == "Add")
    assert add["inbound_nodes"][0]["args"][1] == 1.0
    names = [entry["name"] for entry in entries]
    assert names.index("d") < names.index(mean["name"]) < names.index(get_item["name"])


def _untranslatable_model():
    i = engine.Input((3,))
    return engine.Model(i, ops.normalize_by_moments(engine.layers.Dense(3)(i), 0.0, 1.0, 1e-3))


def test_an_op_keras_lacks_is_refused_naming_the_node_and_wbm(tmp_path):
    model = _untranslatable_model()
    with pytest.raises(ExportError, match=r"'normalize_by_moments'.*ops.normalize_by_moments"
                                          r".*\.wbm"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    assert model.get_config()["format"] == FORMAT  # the engine's own spec keeps it
    assert json.loads(model.to_json())["format"] == FORMAT


def test_every_engine_op_keras_has_maps_to_one_keras_op_class():
    mapped = {op for op in KERAS_OPS if has_keras_class(SimpleNamespace(op_name=op))}
    assert mapped == set(KERAS_OPS)
    assert set(ENGINE_OPS.values()) <= set(KERAS_OPS)
    assert set(ENGINE_OPS) == {FUNCTIONS[function][:2] for function in KERAS_OPS.values()}
    assert ENGINE_OPS[("keras.src.ops.numpy", "Absolute")] == "absolute"


def test_the_keras_op_table_is_fresh():
    pytest.importorskip("keras")
    # a process of its own: the script picks Keras's backend, which a test may not change
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "keras_op_classes.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert check.returncode == 0, check.stderr[-2000:]


# ------------------------------------------------------------------- hostile op entries
def _document():
    i = engine.Input((4, 6))
    x = engine.layers.Dense(6, name="d")(i)
    return json.loads(engine.Model(i, ops.mean(x[:, :2] + x[:, 2:], axis=-1)).to_json())


def _edit(change):
    document = _document()
    entries = {entry["class_name"]: entry for entry in document["config"]["layers"]}
    change(entries)
    return document


def _call(entry):
    return entry["inbound_nodes"][0]


HOSTILE = {
    "an unknown op class": (lambda e: e["Mean"].update(class_name="System"),
                            "'System' from module 'keras.src.ops.numpy', which is not a Keras op"),
    "a module outside Keras's ops": (lambda e: e["Mean"].update(module="keras.src.ops.os"),
                                     "not a Keras op the engine has"),
    "a class name that is a list": (lambda e: e["Mean"].update(class_name=["Mean"]),
                                    "not a Keras op the engine has"),
    "a registered name of the user's": (lambda e: e["Mean"].update(registered_name="x>Mean"),
                                        "not a Keras op the engine has"),
    "a constructor argument Keras lacks": (
        lambda e: e["Mean"]["config"].update(command="rm"), "sets command='rm'"),
    "an argument the engine lacks": (
        lambda e: e["Mean"]["config"].update(where=[1]), "sets where="),
    "a lambda as an argument": (
        lambda e: _call(e["Add"])["args"].__setitem__(1, {"class_name": "__lambda__",
                                                          "config": {"value": "x"}}),
        "not a value the engine reads"),
    "a dict as an argument": (lambda e: _call(e["Add"])["args"].__setitem__(1, {"tensor": 1}),
                              "not a value the engine reads"),
    "a slice of strings": (
        lambda e: _call(e["GetItem"])["args"][1].__setitem__(0, {
            "class_name": "__slice__", "config": {"start": "a", "stop": None, "step": None}}),
        "not a value the engine reads"),
    "an array of objects": (
        lambda e: _call(e["Add"])["args"].__setitem__(1, {
            "class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}}),
        "not a value the engine reads"),
    "an array of strings": (
        lambda e: _call(e["Add"])["args"].__setitem__(1, {
            "class_name": "__numpy__", "config": {"value": ["a"], "dtype": "float32"}}),
        "not a value the engine reads"),
    "a ragged array": (
        lambda e: _call(e["Add"])["args"].__setitem__(1, {
            "class_name": "__numpy__", "config": {"value": [[1.0], []], "dtype": "float32"}}),
        "bad argument"),
    "deeply nested arguments": (
        lambda e: _call(e["Add"])["args"].__setitem__(1, json.loads("[" * 40 + "]" * 40)),
        "nested more than"),
    "a tensor from nowhere": (
        lambda e: _call(e["Add"])["args"][1]["config"].update(keras_history=["nowhere", 0, 0]),
        "nowhere"),
    "a malformed history": (
        lambda e: _call(e["Add"])["args"][1]["config"].update(keras_history="d"),
        "malformed tensor reference"),
    "two calls of one op": (lambda e: e["Add"]["inbound_nodes"].append(_call(e["Add"])),
                            "must be called once"),
    "too many call arguments": (lambda e: _call(e["Add"])["args"].append(1.0),
                                "called with 3 arguments"),
    "an unknown call keyword": (lambda e: _call(e["Add"])["kwargs"].update(shell=True),
                                "called with shell=True"),
    "a missing argument": (lambda e: _call(e["Add"])["args"].pop(),
                           "missing its argument 'x2'"),
    "an op name with a slash": (lambda e: e["Add"].update(name="a/b"), "invalid name"),
    "arguments the op refuses": (lambda e: e["Mean"]["config"].update(axis=7),
                                 "cannot be connected"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_op_entries_the_engine_cannot_read_are_refused(case):
    change, message = HOSTILE[case]
    text = json.dumps(_edit(change))
    with pytest.raises(KerasFileError, match=message):
        engine.models.model_from_json(text)


def test_a_hostile_op_entry_in_a_file_is_refused(tmp_path):
    pytest.importorskip("h5py")
    i = engine.Input((4, 6))
    engine.Model(i, ops.relu(engine.layers.Dense(6)(i))).save(tmp_path / "m.keras")
    source = zipfile.ZipFile(tmp_path / "m.keras")
    document = json.loads(source.read("config.json"))
    relu = next(e for e in document["config"]["layers"] if e["class_name"] == "Relu")
    relu.update(module="keras.src.ops.core", class_name="Cond")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in source.namelist():
            archive.writestr(member, json.dumps(document) if member == "config.json"
                             else source.read(member))
    (tmp_path / "hostile.keras").write_bytes(buffer.getvalue())
    with pytest.raises(KerasFileError, match="'Cond' from module 'keras.src.ops.core'"):
        engine.load_model(tmp_path / "hostile.keras")
