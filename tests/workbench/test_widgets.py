"""The widgets without a browser: messages in through their handlers, traits and events out."""

import numpy as np
import pytest

import engine
import workbench as wb
from engine import layers
from workbench import codec, datasets, protocol
from workbench.playground_session import default_model
from workbench.widgets import views


def send(widget, kind, **fields):
    """Deliver one intent to `widget` as the browser would; returns the replies."""
    widget.received = []
    widget.receive({"type": kind, "version": 1, "request_id": f"r-{kind}", **fields})
    replies = [m for m, _ in widget.received if m["type"] in ("ack", "error")]
    assert len(replies) == 1, widget.received
    return replies[0]


def events_of(widget, kind):
    return [codec.decode(m, b) for m, b in widget.received if m["type"] == kind]


@pytest.fixture(autouse=True)
def capture_sends(monkeypatch):
    """Record what widgets send instead of writing to a comm."""

    def fake_send(self, content, buffers=None):
        self.__dict__.setdefault("received", []).append((content, buffers or []))

    monkeypatch.setattr(views.SessionWidget, "send", fake_send)


def mlp():
    i = layers.Input((2,), name="x")
    h = layers.Dense(6, activation="relu", name="hidden")(i)
    return engine.Model(i, layers.Dense(1, activation="sigmoid", name="out")(h), name="mlp")


@pytest.mark.parametrize(
    "make",
    [
        lambda: wb.GraphEditor(mlp()),
        lambda: wb.TrainingDashboard(mlp(), datasets.xor(64)),
        lambda: wb.Inspector(mlp(), datasets.xor(64)),
        lambda: wb.Playground(),
        lambda: wb.Workbench(mlp(), datasets.xor(64)),
    ],
    ids=["editor", "dashboard", "inspector", "playground", "workbench"],
)
def test_synced_traits_are_the_sessions_state(make):
    shown = make()
    widget, state = shown.widget, shown.session.state()
    synced = {name for name in widget.keys if not name.startswith("_")}
    assert synced - {"layout", "tabbable", "tooltip", "protocol_version", "children"} == set(state)
    for name, value in state.items():
        assert getattr(widget, name) == value
    assert widget.protocol_version == protocol.PROTOCOL_VERSION
    assert "_repr_mimebundle_" in dir(shown) and shown._repr_mimebundle_()


def test_the_editor_handles_every_editing_intent():
    editor = wb.GraphEditor()
    w = editor.widget
    assert send(w, "add_layer", class_name="InputLayer", config={"shape": [2]})["result"] == {
        "node": "input_layer"
    }
    assert (
        send(w, "add_layer", class_name="Dense", config={"units": 4})["result"]["node"] == "dense"
    )
    assert w.selection == "dense" and w.graph["nodes"][1]["position"]["y"] > 0
    assert send(w, "add_layer", class_name="Dense", position={"x": 300, "y": 0})["type"] == "ack"
    for source, target in (("input_layer", "dense"), ("dense", "dense_1")):
        reply = send(
            w, "connect", source={"node": source, "output": 0}, target={"node": target, "arg": 0}
        )
        assert reply["type"] == "ack"
    assert w.graph["valid"] and "layers.Dense(4, name='dense')(input_layer)" in w.code
    assert send(w, "update_config", node="dense_1", config={"name": "head"})["result"] == {
        "node": "head"
    }
    assert send(w, "move", positions={"head": {"x": 5, "y": 6}})["type"] == "ack"
    assert w.graph["nodes"][2]["position"] == {"x": 5.0, "y": 6.0}
    assert send(w, "auto_layout", direction="right")["type"] == "ack"
    assert (
        send(
            w,
            "set_outputs",
            outputs=[{"node": "dense", "output": 0}, {"node": "head", "output": 0}],
        )["type"]
        == "ack"
    )
    assert not w.graph["outputs_auto"] and len(w.graph["outputs"]) == 2
    assert (
        send(
            w,
            "disconnect",
            source={"node": "dense", "output": 0},
            target={"node": "head", "arg": 0},
        )["type"]
        == "ack"
    )
    assert w.graph["nodes"][2]["status"] == "waiting" and not w.graph["valid"] and w.code == ""
    assert send(w, "undo")["type"] == "ack" and w.graph["valid"]
    assert send(w, "redo")["type"] == "ack" and not w.graph["valid"]
    assert w.history["can_undo"] and not w.history["can_redo"]
    assert send(w, "select", node="head")["type"] == "ack" and w.selection == "head"
    assert send(w, "delete", nodes=["head"])["type"] == "ack" and w.selection is None
    spec = mlp().to_spec()
    assert send(w, "load_spec", spec=spec)["type"] == "ack"
    assert [n["id"] for n in w.graph["nodes"]] == ["x", "hidden", "out"]
    assert send(w, "ready")["type"] == "ack"
    assert editor.model.to_spec() == spec


def test_an_error_reply_changes_nothing():
    editor = wb.GraphEditor(mlp())
    w = editor.widget
    before = {name: getattr(w, name) for name in editor.session.state()}
    for kind, fields, code, text in [
        (
            "connect",
            {"source": {"node": "out", "output": 0}, "target": {"node": "hidden", "arg": 0}},
            "rejected",
            "cycle",
        ),
        ("update_config", {"node": "hidden", "config": {"nope": 1}}, "rejected", "no argument"),
        ("select", {"node": "ghost"}, "rejected", "no node 'ghost'"),
        ("start", {"epochs": 1, "batch_size": 1}, "invalid_message", "does not handle 'start'"),
        ("undo", {"force": True}, "invalid_message", "does not take 'force'"),
    ]:
        reply = send(w, kind, **fields)
        assert reply["type"] == "error" and reply["code"] == code and text in reply["message"]
        assert reply["request_id"] == f"r-{kind}" and reply["intent"] == kind
    w.received = []
    w.receive({"type": "undo", "version": 7})
    assert w.received[0][0]["code"] == "version_mismatch"
    w.received = []
    w.receive({"type": "undo", "version": 1}, [b"\x00"])
    assert "no binary buffers" in w.received[0][0]["message"]
    assert {name: getattr(w, name) for name in before} == before


def test_a_bug_in_a_handler_is_an_internal_error_not_an_exception(monkeypatch):
    editor = wb.GraphEditor(mlp())

    def broken(message):
        raise KeyError("boom")

    monkeypatch.setattr(editor.session, "on_auto_layout", broken)
    reply = send(editor.widget, "auto_layout")
    assert reply["code"] == "internal" and "KeyError" in reply["message"]


def test_the_editor_model_is_kept_until_the_graph_changes():
    model = mlp()
    editor = wb.GraphEditor(model)
    assert editor.model is model
    send(editor.widget, "move", positions={"out": {"x": 1, "y": 1}})
    assert editor.model is model  # moving nodes does not change the model
    send(editor.widget, "update_config", node="hidden", config={"units": 3})
    rebuilt = editor.model
    assert rebuilt is not model and rebuilt.get_layer("hidden").units == 3
    assert editor.model is rebuilt


def test_the_dashboard_trains_from_messages_and_replays_curves_as_buffers():
    dashboard = wb.TrainingDashboard(mlp(), datasets.xor(64), validation_split=0.25)
    w = dashboard.widget
    assert w.status["state"] == "idle" and "numpy" in w.backends
    assert send(w, "start", epochs=2, batch_size=16)["type"] == "ack"
    assert dashboard.wait(30)
    assert w.status["state"] == "finished" and w.status["step"] == 6
    assert w.config == {"epochs": 2, "batch_size": 16}
    assert set(w.series) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    send(w, "ready")
    (replay,) = events_of(w, "curve_delta")
    assert replay["reset"] and replay["type"] == "curve_delta"
    loss = next(s for s in replay["series"] if s["name"] == "loss")
    assert loss["steps"].dtype == np.float64 and loss["values"].dtype == np.float32
    np.testing.assert_array_equal(loss["steps"], np.arange(1, 7))
    raw = next(m for m, _ in w.received if m["type"] == "curve_delta")
    assert raw["series"][0]["steps"] == {"buffer": 0, "dtype": "float64", "shape": [6]}
    assert send(w, "stop")["code"] == "rejected"
    assert send(w, "set_backend", backend="cobol")["code"] == "rejected"


def test_the_playground_sends_points_and_grids():
    playground = wb.Playground(data="circles")
    w = playground.widget
    assert w.dataset["name"] == "circles" and "spirals" in w.dataset["choices"]
    send(w, "ready")
    assert {m["type"] for m, _ in w.received} == {"curve_delta", "points", "grid", "ack"}
    (points,) = events_of(w, "points")
    assert points["train"]["x"].shape == (250, 2) and points["test"]["y"].shape == (250,)
    assert send(w, "set_resolution", resolution=16)["type"] == "ack"
    (grid,) = events_of(w, "grid")
    assert grid["output"].shape == (16, 16) and grid["output"].dtype == np.float32
    assert np.all((grid["output"] >= 0) & (grid["output"] <= 1))
    assert grid["neuron_values"].shape == (6, 16, 16) and len(grid["neurons"]) == 6
    assert grid["neurons"][4] == {"node": "layer_2", "unit": 0}
    assert send(w, "set_dataset", name="moons", noise=0.0, samples=100)["type"] == "ack"
    assert w.dataset["name"] == "moons" and w.data["samples"] == 50
    assert len(events_of(w, "points")) == 1 and len(events_of(w, "grid")) == 1
    assert send(w, "set_dataset", name="digits")["code"] == "rejected"
    send(w, "start", epochs=3, batch_size=10)
    assert playground.session.training.wait(30)
    assert w.status["state"] == "finished" and "val_loss" in w.series
    assert len([m for m, _ in w.received if m["type"] == "grid"]) >= 1
    before = playground.model.get_weights()
    assert send(w, "reset_weights")["type"] == "ack"
    assert w.status["step"] == 0
    assert not np.array_equal(playground.model.get_weights()[0], before[0])


def test_the_playground_refuses_models_not_on_the_plane():
    with pytest.raises(Exception, match="shape \\(2,\\)"):
        wb.Playground(mlp_3d())


def mlp_3d():
    i = layers.Input((3,))
    return engine.Model(i, layers.Dense(1)(i))


def test_multiclass_playground_shows_class_probabilities():
    model = default_model(classes=3)
    playground = wb.Playground(model, data="spirals")
    send(playground.widget, "set_resolution", resolution=8)
    (grid,) = events_of(playground.widget, "grid")
    assert grid["output"].shape == (8, 8, 3)
    np.testing.assert_allclose(grid["output"].sum(axis=-1), 1, rtol=1e-5)


def test_the_workbench_builds_a_model_when_leaving_build():
    bench = wb.Workbench(data=datasets.xor(64))
    w, children = bench.widget, bench.widget.children
    assert w.tab == "build" and children["train"] is None and children["inspect"] is None
    editor = children["build"]
    assert [n["id"] for n in editor.graph["nodes"]] == ["inputs"]
    reply = send(w, "select_tab", tab="train")
    assert reply["code"] == "rejected" and "no output" in reply["message"] and w.tab == "build"
    send(editor, "add_layer", class_name="Dense", config={"units": 1, "activation": "sigmoid"})
    send(
        editor,
        "connect",
        source={"node": "inputs", "output": 0},
        target={"node": "dense", "arg": 0},
    )
    assert send(w, "select_tab", tab="train")["type"] == "ack" and w.tab == "train"
    train, inspect = w.children["train"], w.children["inspect"]
    assert train is not None and inspect is not None
    model = bench.model
    assert train.session.model is model and inspect.session.model is model
    send(train, "start", epochs=1, batch_size=16)
    assert train.session.wait(30)
    assert send(w, "select_tab", tab="inspect")["type"] == "ack"
    assert bench.model is model  # unchanged graph: the trained model stays
    send(editor, "update_config", node="dense", config={"units": 1, "use_bias": False})
    send(w, "select_tab", tab="train")
    assert bench.model is not model and train.session.model is bench.model
    assert w.children["train"] is train  # the same views, showing the new model


def test_a_workbench_opened_on_a_model_trains_that_model():
    model = mlp()
    bench = wb.Workbench(model, data=datasets.xor(64))
    assert bench.widget.children["train"].session.model is model
    assert bench.model is model
