"""The inspector on engine.inspection: one-batch captures, following a dashboard's training,
diagnostics as a list and on the Workbench's graph, and every inspector message, malformed
ones included."""

from types import SimpleNamespace

import numpy as np
import pytest

import engine
import workbench as wb
from engine import layers
from tests.workbench.test_widgets import capture_sends, events_of, mlp, send  # noqa: F401
from workbench import datasets, inspector_session
from workbench.inspector_session import COLUMNS


def compiled(model):
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def dead_relu_model():
    """A planted fault: a large negative bias makes every hidden ReLU output 0."""
    model = compiled(mlp())
    model.get_layer("hidden").set_weights([np.zeros((2, 6)), -10 * np.ones(6)])
    return model


def deep_sigmoid_model(depth=8):
    """A planted fault: gradients vanish through a stack of sigmoid layers."""
    engine.set_random_seed(0)
    i = layers.Input((2,), name="x")
    h = i
    for _ in range(depth):
        h = layers.Dense(8, activation="sigmoid")(h)
    return engine.Model(i, layers.Dense(1, activation="sigmoid", name="out")(h))


def raw(widget, message):
    widget.received = []
    widget.receive(message)
    return [m for m, _ in widget.received]


def test_opening_captures_a_batch_and_selecting_sends_its_summaries():
    inspector = wb.Inspector(compiled(mlp()), datasets.xor(64))
    w = inspector.widget
    assert [n["id"] for n in w.nodes] == ["x", "hidden", "out"]
    assert w.nodes[1]["inputs"] == ["x"] and w.nodes[1]["activation"] == "relu"
    assert w.capture["source"] == "batch" and w.capture["records"] == 1
    assert w.capture["message"] is None and w.capture["every"] == 10
    send(w, "ready")
    (history,) = events_of(w, "inspection_history")
    assert history["layers"] == ["x", "hidden", "out"] and history["columns"] == list(COLUMNS)
    assert history["values"].shape == (1, 3, len(COLUMNS))
    assert history["values"].dtype == np.float32 and history["steps"].dtype == np.float64
    std = COLUMNS.index("activation.std")
    assert np.isnan(history["values"][0, 0, COLUMNS.index("gradient.mean_abs")])  # an input
    assert history["values"][0, 1, std] > 0

    assert send(w, "select_node", node="hidden")["type"] == "ack"
    (detail,) = events_of(w, "inspection_detail")
    assert detail["node"] == "hidden" and detail["source"] == "batch"
    assert detail["activation"]["histogram"]["counts"].dtype == np.int32
    assert detail["activation"]["histogram"]["counts"].sum() == 64 * 6
    assert detail["activation"]["heat_map"].shape == (32, 6)
    assert detail["gradient"]["stats"]["mean_abs"] >= 0
    assert [weight["name"] for weight in detail["weights"]] == ["hidden/kernel", "hidden/bias"]
    assert detail["dead_fraction"] is not None and detail["saturated_fraction"] is None
    (activation,) = events_of(w, "activation")
    kernel, bias = inspector.session.model.get_layer("hidden").get_weights()
    expected = np.maximum(datasets.xor(64).x[0] @ kernel + bias, 0)
    np.testing.assert_allclose(activation["values"], expected, rtol=1e-5, atol=1e-6)
    assert w.report["node"] == "hidden" and 0 <= w.report["stats"]["fraction_zero"] <= 1

    assert send(w, "select_sample", index=5)["type"] == "ack"
    assert events_of(w, "activation")[0]["sample"] == 5 and w.selected_sample == 5
    assert send(w, "select_node", node=None)["type"] == "ack" and w.report is None


def test_a_planted_dead_relu_layer_is_diagnosed_in_the_list_and_the_report():
    inspector = wb.Inspector(dead_relu_model(), datasets.xor(32))
    w = inspector.widget
    (finding,) = [d for d in w.diagnostics if d["id"] == "dead_units"]
    assert finding["node"] == "hidden" and "100% of ReLU units" in finding["message"]
    assert set(finding) >= {"id", "node", "step", "message", "value"}
    assert inspector.diagnostics == w.diagnostics
    send(w, "select_node", node="hidden")
    assert any(d["id"] == "dead_units" for d in w.report["diagnostics"])


def test_an_uncompiled_model_is_not_compiled_behind_the_users_back():
    model = mlp()
    inspector = wb.Inspector(model, datasets.xor(32))
    w = inspector.widget
    assert model.optimizer is None and w.capture["source"] is None
    assert "not compiled" in w.capture["message"] and "model.compile" in w.capture["message"]
    assert send(w, "select_node", node="out")["type"] == "ack"
    assert events_of(w, "activation")[0]["values"].shape == (1,)  # the forward pass works
    (detail,) = events_of(w, "inspection_detail")
    assert detail["activation"] is None and detail["step"] is None
    compiled(model)
    assert send(w, "refresh")["type"] == "ack"
    assert w.capture["source"] == "batch" and w.capture["message"] is None
    assert events_of(w, "inspection_detail")[0]["activation"] is not None


def test_without_data_it_says_what_to_pass():
    w = wb.Inspector(compiled(mlp())).widget
    assert w.samples == 0 and "no data" in w.capture["message"]
    assert send(w, "select_sample", index=0)["code"] == "rejected"
    assert send(w, "select_node", node="hidden")["type"] == "ack"
    assert events_of(w, "activation") == []


def test_set_every_applies_to_the_callback():
    inspector = wb.Inspector(compiled(mlp()), datasets.xor(32), every=3)
    w = inspector.widget
    assert w.capture["every"] == 3 and inspector.callback.every == 3
    assert send(w, "set_every", every=25)["type"] == "ack"
    assert w.capture["every"] == 25 and inspector.callback.every == 25


def test_it_follows_a_dashboard_training_the_same_model():
    model = deep_sigmoid_model()
    dashboard = wb.TrainingDashboard(model, datasets.xor(80))  # compiles the model
    inspector = wb.Inspector(model, datasets.xor(80), every=2)
    other = wb.Inspector(compiled(mlp()), datasets.xor(80))
    w = inspector.widget
    w.received = []
    dashboard.start(epochs=2, batch_size=16)
    assert dashboard.wait(60)
    assert dashboard.session.status()["state"] == "finished"
    steps = dashboard.session.step
    assert w.capture["source"] == "training" and not w.capture["training"]
    assert w.capture["records"] == 1 + (steps + 1) // 2  # the batch when it opened, then training's
    assert w.capture["step"] == steps - (steps + 1) % 2
    history = events_of(w, "inspection_history")[-1]
    np.testing.assert_array_equal(history["steps"], [1, *range(1, steps + 1, 2)])
    assert [d["id"] for d in w.diagnostics] == ["vanishing_gradients"]
    assert [d["id"] for d in w.findings] == ["vanishing_gradients"]
    assert "vanishing gradients" in w.diagnostics[0]["message"]
    assert other.widget.capture["source"] == "batch"  # another model: not followed


def test_updates_while_training_are_throttled(monkeypatch):
    """With a clock that never moves, a run sends two histories: at the first training capture,
    and everything when training ends (each after the batch captured when it opened)."""
    monkeypatch.setattr(inspector_session, "time", SimpleNamespace(perf_counter=lambda: 1e3))
    model = compiled(mlp())
    dashboard = wb.TrainingDashboard(model, datasets.xor(80))
    inspector = wb.Inspector(model, datasets.xor(80), every=1)
    w = inspector.widget
    w.received = []
    dashboard.start(epochs=3, batch_size=8)
    assert dashboard.wait(60)
    first, last = events_of(w, "inspection_history")
    assert len(first["steps"]) == 2 and len(last["steps"]) == 1 + dashboard.session.step == 25


def test_fit_in_a_cell_with_the_callback():
    model = compiled(mlp())
    inspector = wb.Inspector(model, datasets.xor(40), every=1)
    data = datasets.xor(40)
    model.fit(data.x, data.y, epochs=1, batch_size=10, verbose=0, callbacks=[inspector.callback])
    w = inspector.widget
    assert w.capture["source"] == "training" and w.capture["records"] == 1 + 4
    assert not w.capture["training"]


def test_every_capture_before_training_is_a_point_of_the_history():
    inspector = wb.Inspector(compiled(mlp()), datasets.xor(32))
    w = inspector.widget
    for _ in range(2):
        assert send(w, "refresh")["type"] == "ack"
    assert (w.capture["source"], w.capture["step"], w.capture["records"]) == ("batch", 1, 3)
    np.testing.assert_array_equal(events_of(w, "inspection_history")[-1]["steps"], [1, 1, 1])


def test_captures_are_numbered_by_the_models_own_training_steps():
    """Steps trained before the inspector followed count: a training capture is the model's
    step, and a batch captured after N steps is step N + 1 (the step it runs, not applied)."""
    model = compiled(mlp())
    data = datasets.xor(40)
    model.fit(data.x, data.y, epochs=1, batch_size=10, verbose=0)  # 4 steps, not followed
    inspector = wb.Inspector(model, data, every=1)
    w = inspector.widget
    assert (w.capture["source"], w.capture["step"]) == ("batch", 5)
    model.fit(data.x, data.y, epochs=1, batch_size=10, verbose=0, callbacks=[inspector.callback])
    assert (w.capture["source"], w.capture["step"]) == ("training", 8)
    assert int(model.optimizer.iterations.numpy()) == 8
    send(w, "refresh")
    assert (w.capture["source"], w.capture["step"]) == ("batch", 9)
    np.testing.assert_array_equal(
        events_of(w, "inspection_history")[-1]["steps"], [5, 5, 6, 7, 8, 9]
    )


def test_capture_is_refused_while_training_runs():
    model = compiled(mlp())
    dashboard = wb.TrainingDashboard(model, datasets.xor(200))
    inspector = wb.Inspector(model, datasets.xor(200), every=1)
    w = inspector.widget
    session = dashboard.session
    dashboard.start(epochs=100_000, batch_size=4)
    session.on_pause(None)
    try:
        reply = send(w, "refresh")
        assert reply["code"] == "rejected" and "follows it" in reply["message"]
        assert w.capture["training"]
    finally:
        session.stop()
        assert dashboard.wait(60)
    assert not w.capture["training"]
    assert send(w, "refresh")["type"] == "ack"


def test_the_workbench_shows_the_inspectors_diagnostics_on_its_graph():
    bench = wb.Workbench(deep_sigmoid_model(), datasets.xor(80))
    session = bench.session
    send(bench.widget, "select_tab", tab="train")
    session.inspector.set_every(1)
    session.dashboard.start(epochs=1, batch_size=16)
    assert session.dashboard.wait(60)
    badges = session.editor.state()["diagnostics"]
    assert [(d["id"], d["node"]) for d in badges] == [("vanishing_gradients", "dense")]
    assert session.inspector.diagnostics[0]["message"] == badges[0]["message"]


MALFORMED = {
    "select_node without node": ({"type": "select_node"}, "needs 'node'"),
    "select_node with a number": ({"type": "select_node", "node": 3}, "must be a string"),
    "select_sample negative": ({"type": "select_sample", "index": -1}, "select_sample.index"),
    "select_sample as text": ({"type": "select_sample", "index": "3"}, "an integer"),
    "refresh with a field": ({"type": "refresh", "now": True}, "does not take 'now'"),
    "set_every zero": ({"type": "set_every", "every": 0}, "between 1 and 100000"),
    "set_every too large": ({"type": "set_every", "every": 100_001}, "between 1 and 100000"),
    "set_every fractional": ({"type": "set_every", "every": 1.5}, "an integer"),
    "set_every without every": ({"type": "set_every"}, "needs 'every'"),
    "set_every as text": ({"type": "set_every", "every": "5"}, "an integer"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_inspector_messages_are_refused_and_change_nothing(case):
    fields, text = MALFORMED[case]
    inspector = wb.Inspector(compiled(mlp()), datasets.xor(32))
    w = inspector.widget
    before = inspector.session.state()
    (reply,) = raw(w, {"version": 1, "request_id": "r1", **fields})
    assert reply["type"] == "error" and reply["code"] == "invalid_message"
    assert reply["intent"] == fields["type"] and text in reply["message"]
    assert inspector.session.state() == before


def test_rejected_inspector_intents_change_nothing():
    inspector = wb.Inspector(compiled(mlp()), datasets.xor(32))
    w = inspector.widget
    before = inspector.session.state()
    assert send(w, "select_node", node="nope")["code"] == "rejected"
    assert send(w, "select_sample", index=32)["code"] == "rejected"
    assert inspector.session.state() == before
