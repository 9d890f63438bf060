"""The graph editor from code (wb.GraphEditor's editing API), its exports and its diagnostics."""

import io
import json
import re
import sys
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import engine
import workbench as wb
from engine import layers
from workbench import codec, memory, router
from workbench.editor_session import EditorSession
from workbench.errors import DraftError
from workbench.exports import ExportRequestError, export_model, flat_weights
from workbench.graph_draft import GraphDraft


def two_layer_editor():
    editor = wb.GraphEditor()
    editor.add("InputLayer", shape=[2], name="point")
    editor.add("Dense", units=4, activation="relu", name="hidden", inputs=["point"])
    editor.add("Dense", units=1, name="out", inputs=["hidden"])
    return editor


def published(session):
    updates = []
    session.subscribe(updates.append)
    return updates


def test_layers_added_from_code_build_the_model_and_show_in_the_editor():
    editor = two_layer_editor()
    updates = published(editor.session)
    editor.configure("hidden", units=8)
    assert updates and "graph" in updates[-1].values
    model = editor.model
    assert isinstance(model, engine.Model)
    assert model.predict(np.zeros((3, 2), np.float32)).shape == (3, 1)
    assert editor.spec["outputs"] == [{"node": "out", "output": 0}]
    assert "Dense(8" in editor.to_code() or "units=8" in editor.to_code()
    assert "nn.Linear(2, 8)" in editor.to_code("torch")


def test_adding_a_connected_layer_is_one_undo_step():
    editor = two_layer_editor()
    assert editor.draft.history()["undo_label"] == "add Dense"
    editor.undo()
    assert list(editor.draft.nodes) == ["point", "hidden"]
    editor.redo()
    assert editor.draft.nodes["out"].sources == [[wb.protocol.Ref("hidden", 0)]]


def test_a_failed_add_leaves_the_graph_and_its_history_as_they_were():
    editor = two_layer_editor()
    before = (editor.spec, editor.draft.history())
    with pytest.raises(DraftError, match="no node 'missing'"):
        editor.add("Dense", units=3, inputs=["missing"])
    with pytest.raises(DraftError, match="not an engine layer"):
        editor.add("Conv4D", inputs=["out"])
    assert (editor.spec, editor.draft.history()) == before


def test_outputs_connections_and_deletion_from_code():
    editor = two_layer_editor()
    editor.set_outputs("out", "hidden")
    assert [r["node"] for r in editor.spec["outputs"]] == ["out", "hidden"]
    editor.set_outputs()
    assert [r["node"] for r in editor.spec["outputs"]] == ["out"]
    editor.disconnect("hidden", "out")
    editor.connect(("point", 0), "out")
    with pytest.warns(UserWarning, match="2 ends"):  # hidden ends nowhere now
        assert editor.model.get_layer("out").kernel.shape == (2, 1)
    editor.delete("hidden")
    assert list(editor.draft.nodes) == ["point", "out"]


def test_a_model_with_an_output_per_end_is_said_once():
    editor = two_layer_editor()
    editor.add("Dense", units=3, inputs=["hidden"], name="side")
    with pytest.warns(UserWarning, match=r"2 ends \(out, side\).*set_outputs\('out'\)"):
        assert len(editor.model.outputs) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert editor.model.get_layer("side")  # the same model: said already
        editor.set_outputs("out")
        assert len(editor.model.outputs) == 1


def test_load_replaces_the_graph_by_a_models_and_is_undoable():
    editor = two_layer_editor()
    inputs = layers.Input((3,), name="features")
    other = engine.Model(inputs, layers.Dense(2, name="scores")(inputs))
    editor.load(other)
    assert list(editor.draft.nodes) == ["features", "scores"]
    editor.undo()
    assert list(editor.draft.nodes) == ["point", "hidden", "out"]
    editor.load(other.to_spec())
    assert editor.model.count_params() == other.count_params()


# ---------------------------------------------------------------------------- exports
def trained_model():
    engine.set_random_seed(3)
    inputs = layers.Input((2,), name="point")
    hidden = layers.Dense(4, activation="tanh", name="hidden")(inputs)
    model = engine.Model(inputs, layers.Dense(1, name="out")(hidden), name="tiny net")
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    model.fit(x, x[:, :1] * 2, epochs=2, verbose=0)
    return model, x


def test_the_spec_and_the_model_file_bring_back_the_same_model(tmp_path):
    model, x = trained_model()
    spec = export_model(model, "spec")
    assert spec.filename == "tiny_net.json"
    assert json.loads(spec.data) == json.loads(json.dumps(model.to_spec()))
    saved = export_model(model, "model")
    (tmp_path / saved.filename).write_bytes(saved.data)
    reloaded = engine.saving.load_model(tmp_path / saved.filename)
    np.testing.assert_array_equal(reloaded.predict(x), model.predict(x))


PREDICTIONS = {  # what the README's snippet leaves behind, run on x
    "torch": lambda ns, x: ns["net"](ns["torch"].from_numpy(x)).detach().numpy(),
    "jax": lambda ns, x: np.asarray(ns["predictions"]),
    "tensorflow": lambda ns, x: np.asarray(ns["module"](x)),
}


@pytest.mark.parametrize("framework", sorted(PREDICTIONS))
def test_code_and_weights_predict_what_the_model_predicts(framework, tmp_path, monkeypatch):
    pytest.importorskip(framework)
    model, x = trained_model()
    bundle = export_model(model, "code", framework)
    assert bundle.filename == f"tiny_net_{framework}.zip"
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        assert sorted(archive.namelist()) == ["README.md", "model.py", "weights.npz"]
        archive.extractall(tmp_path / framework)
    readme = (tmp_path / framework / "README.md").read_text()
    loading = readme.split("```python\n")[1].split("```")[0]
    monkeypatch.syspath_prepend(str(tmp_path / framework))
    monkeypatch.chdir(tmp_path / framework)
    monkeypatch.delitem(sys.modules, "model", raising=False)
    namespace = {"x": x}
    exec(compile(loading, "README.md", "exec"), namespace)  # the README's own instructions
    predicted = PREDICTIONS[framework](namespace, x)
    np.testing.assert_allclose(predicted, model.predict(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("framework", ["jax", "tensorflow", "keras", "engine"])
def test_flat_weights_keep_every_array_of_each_framework(framework):
    model, _ = trained_model()
    weights = model.export_weights(framework)
    flat = flat_weights(weights, framework)
    if framework in ("jax", "tensorflow"):
        assert flat["hidden/kernel"].shape == (2, 4)
        assert set(flat) == {f"{layer}/{name}" for layer in weights for name in weights[layer]}
    else:
        assert [v.shape for v in flat.values()] == [w.shape for w in model.get_weights()]
        assert list(flat) == sorted(flat)  # np.load keeps this order for set_weights


def test_an_unknown_export_or_framework_is_refused_clearly():
    model, _ = trained_model()
    with pytest.raises(ExportRequestError, match="Unknown export 'pickle'"):
        export_model(model, "pickle")
    with pytest.raises(ExportRequestError, match="one of engine, keras"):
        export_model(model, "code", "caffe")


def test_the_export_intent_sends_the_file_as_a_download_event():
    editor = two_layer_editor()
    widget = editor.session
    events = []
    widget.subscribe(lambda item: events.append(item) if hasattr(item, "type") else None)
    replies = router.handle(
        widget, {"type": "export", "version": 1, "kind": "spec", "request_id": "r1"}
    )
    assert replies[0]["type"] == "ack"
    assert replies[0]["result"] == {
        "filename": "model.json",
        "bytes": len(events[0].fields["data"]),
    }
    message, buffers = codec.encode(events[0])
    assert message["type"] == "download" and message["mime"] == "application/json"
    decoded = codec.decode(message, buffers)
    assert json.loads(decoded["data"].tobytes())["outputs"] == [{"node": "out", "output": 0}]


def test_exporting_an_invalid_graph_is_refused_and_changes_nothing():
    editor = two_layer_editor()
    editor.add("Conv2D", filters=2, kernel_size=3, name="conv", inputs=["hidden"])
    before = editor.session.state()
    replies = router.handle(
        editor.session, {"type": "export", "version": 1, "kind": "onnx", "request_id": "r1"}
    )
    assert replies[0]["code"] == "rejected"
    assert "Only a valid model can be exported" in replies[0]["message"]
    assert "conv" in replies[0]["message"]
    assert editor.session.state() == before


def test_a_huge_layer_is_inferred_in_the_editor_without_allocating_its_weights():
    session = EditorSession()
    point = session.add_layer("InputLayer", {"shape": [8], "name": "point"})
    session.add_layer("Dense", {"units": 3, "name": "wide"}, inputs=[wb.protocol.Ref(point, 0)])
    message = {
        "type": "update_config",
        "version": 1,
        "request_id": "r1",
        "node": "wide",
        "config": {"units": 30_000_000},
    }
    tracemalloc.start()
    try:
        replies = router.handle(session, message)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert replies[0]["type"] == "ack"
    wide = next(n for n in session.state()["graph"]["nodes"] if n["id"] == "wide")
    assert wide["output_shapes"] == [[None, 30_000_000]]
    assert wide["params"] == 8 * 30_000_000 + 30_000_000
    assert peak < 2_000_000  # bytes, for the whole message; the kernel alone is 960 MB


# ------------------------------------------------------------------------ diagnostics
def diagnostic(node, message="dense: 87% of ReLU units have output 0 for 200 steps."):
    return {"id": "dead_units", "node": node, "step": 200, "message": message, "value": 0.87}


def test_diagnostics_are_shown_on_the_node_the_inspection_named():
    editor = two_layer_editor()
    editor.session.show_diagnostics(
        [diagnostic("hidden"), diagnostic("out:1", "second call"), diagnostic("gone[0]")]
    )
    shown = editor.session.state()["diagnostics"]
    assert [(d["node"], d["message"]) for d in shown] == [
        ("hidden", "dense: 87% of ReLU units have output 0 for 200 steps."),
        ("out", "second call"),
    ]
    assert editor.widget.diagnostics == shown


def test_diagnostics_go_when_the_graph_changes_but_not_when_a_node_moves():
    editor = two_layer_editor()
    editor.session.show_diagnostics([diagnostic("hidden")])
    editor.session.move({"hidden": (10.0, 20.0)})
    assert editor.session.state()["diagnostics"]
    editor.configure("hidden", units=5)
    assert editor.session.state()["diagnostics"] == []


def test_a_session_opened_from_a_model_keeps_it_until_the_graph_changes():
    model, _ = trained_model()
    session = EditorSession(GraphDraft.from_model(model), model)
    assert session.model() is model
    assert session.export("spec").data == export_model(model, "spec").data


def test_export_to_a_path_follows_its_suffix(tmp_path):
    editor = two_layer_editor()
    assert editor.export(tmp_path / "graph.json") == str(tmp_path / "graph.json")
    graph = json.loads((tmp_path / "graph.json").read_text())
    assert graph["outputs"] == [{"node": "out", "output": 0}]
    editor.export(tmp_path / "net.wbm")
    reloaded = engine.saving.load_model(tmp_path / "net.wbm")
    x = np.ones((2, 2), np.float32)
    np.testing.assert_array_equal(reloaded.predict(x), editor.model.predict(x))
    with pytest.raises(ValueError, match="Cannot tell what to export from 'net.txt'"):
        editor.export(tmp_path / "net.txt")
    assert not (tmp_path / "net.txt").exists()


def test_code_exported_without_a_framework_is_for_the_framework_the_protocol_documents():
    docs = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text()
    row = next(line for line in docs.splitlines() if line.startswith("| `export` |"))
    documented = re.search(r'\(for `code`; default `"(\w+)"`', row).group(1)
    editor = two_layer_editor()
    message = {"type": "export", "version": 1, "kind": "code", "request_id": "r1"}
    [reply] = router.handle(editor.session, message)
    assert reply["result"]["filename"] == f"model_{documented}.zip"
    assert export_model(editor.model, "code").filename == f"model_{documented}.zip"


def test_text_no_utf8_encodes_cannot_enter_the_graph_from_code():
    editor = two_layer_editor()
    spec = editor.spec
    before = (editor.draft.state(), editor.draft.history())
    with pytest.raises(DraftError, match="lone surrogate"):
        editor.add("InputLayer", shape=[4], name="in\ud800")
    with pytest.raises(DraftError, match="lone surrogate"):
        editor.configure("hidden", name="hidden\udc00")
    with pytest.raises(DraftError, match="lone surrogate"):
        editor.configure("hidden", activation="relu\udfff")
    with pytest.raises(DraftError, match="lone surrogate"):
        editor.load({**spec, "name": "net\ud800"})
    assert (editor.draft.state(), editor.draft.history()) == before
    with pytest.raises(DraftError, match="lone surrogate"):
        GraphDraft.from_spec({**spec, "name": "net\ud800"})


def test_a_model_too_big_for_memory_is_refused_before_its_weights_are_built(monkeypatch):
    session = EditorSession()
    point = session.add_layer("InputLayer", {"shape": [1000], "name": "point"})
    session.add_layer(
        "Dense", {"units": 30_000_000, "name": "wide"}, inputs=[wb.protocol.Ref(point, 0)]
    )
    monkeypatch.setattr(memory, "available_bytes", lambda: 16 << 30)  # 16 GiB free
    before = session.state()
    replies = router.handle(
        session, {"type": "export", "version": 1, "request_id": "r1", "kind": "model"}
    )
    assert replies[0]["type"] == "error" and replies[0]["code"] == "rejected"
    assert "30,030,000,000 parameters (111.9 GiB as float32)" in replies[0]["message"]
    assert "16.0 GiB of memory free" in replies[0]["message"]
    assert session.state() == before


def test_weights_that_fit_in_half_the_free_memory_are_built():
    memory.check_weights_fit(1_000_000, available=8_000_000)
    with pytest.raises(DraftError, match="make it smaller"):
        memory.check_weights_fit(1_000_001, available=8_000_000)
