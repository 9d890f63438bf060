"""A subclassed model in the workbench: the sidebar lists it with its data, a dashboard
trains it (built on the data, as fit builds it), the inspector shows every layer of its call,
and the graph editor opens its traced graph, as for the same model written functionally."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from engine import ops
from engine.models.tracing import UntraceableCallError
from tests.models.subclassed_cases import Plain, Residual, batch, residual_pair
from tests.workbench.test_sidebar import message, only_reply
from tests.workbench.test_widgets import capture_sends, events_of, send  # noqa: F401
from workbench import namespace
from workbench.errors import DraftError, TrainingSessionError
from workbench.sidebar_session import SidebarSession


def data(count=24):
    x, y = batch(count)
    return x, y


def test_the_sidebar_lists_an_unbuilt_model_with_data_and_opens_its_views():
    x, y = data()
    user_ns = {"model": Plain(), "x_train": x, "y_train": y}
    session = SidebarSession(user_ns)
    (entry,) = session.state()["models"]
    assert entry["class"] == "Plain" and entry["params"] is None
    assert entry["data"] == "x_train, y_train"
    assert entry["views"] == ["editor", "dashboard", "inspector"]
    reply = only_reply(session, message("open_view", model="model", view="editor"))
    assert reply["type"] == "ack", reply  # built on the data first, as fit builds it
    assert session.state()["models"][0]["params"] == user_ns["model"].count_params()
    assert namespace.find_data({"x": x[:, :3], "y": y}, user_ns["model"]) is None  # 3 features


def test_the_dashboard_trains_an_unbuilt_model_and_the_inspector_follows():
    model = Residual()
    dashboard = wb.TrainingDashboard(model, data(), validation_split=0.0)  # builds, compiles
    assert model.built and not model.loss.from_logits  # the head's softmax, found in its graph
    inspector = wb.Inspector(model, data(), every=2)
    dashboard.start(epochs=2, batch_size=8)
    assert dashboard.wait(60)
    assert dashboard.session.status()["state"] == "finished"
    w = inspector.widget
    assert w.capture["source"] == "training" and w.capture["records"] == 1 + 3
    assert int(model.optimizer.iterations.numpy()) == 6


def test_the_inspector_shows_each_layer_as_for_the_functional_model():
    model, functional = residual_pair()
    for m in (model, functional):
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    ours, theirs = (wb.Inspector(m, data()).widget for m in (model, functional))
    classes = [n["class"] for n in ours.nodes]
    assert classes == [n["class"] for n in theirs.nodes]
    assert classes[:5] == ["InputLayer", "Dense", "Block", "Dense", "Scale"]
    assert ours.nodes[2]["params"] == model.blocks[0].count_params()
    for index in (2, 5, 8):  # Block, h + y, the head
        for w in (ours, theirs):
            assert send(w, "select_node", node=w.nodes[index]["id"])["type"] == "ack"
        (mine,), (reference,) = (events_of(w, "activation") for w in (ours, theirs))
        np.testing.assert_allclose(mine["values"], reference["values"], rtol=1e-5, atol=1e-6)
        (mine,), (reference,) = (events_of(w, "inspection_detail") for w in (ours, theirs))
        assert mine["gradient"]["stats"]["mean_abs"] == pytest.approx(
            reference["gradient"]["stats"]["mean_abs"], rel=1e-4, abs=1e-7)


def test_the_graph_editor_opens_the_traced_graph():
    model = Plain()
    model(data()[0][:2])
    editor = wb.GraphEditor(model)
    spec = editor.draft.to_spec()
    assert [entry["class"] for entry in spec["layers"]] == [
        "InputLayer", "Dense", "Dense", "Dense", "Add", "BatchNormalization", "Dropout", "Dense"]
    assert editor.model is model  # until the graph is edited


def test_the_graph_editor_refuses_what_it_refuses_for_a_functional_model():
    model, functional = residual_pair()
    for m in (model, functional):
        with pytest.raises(DraftError, match="has class 'Block', not an engine layer"):
            wb.GraphEditor(m)
    with pytest.raises(UntraceableCallError, match="not built yet"):
        wb.GraphEditor(Plain())


def test_a_dashboard_asks_to_compile_a_model_whose_call_cannot_be_traced():
    class Branching(Plain):
        def call(self, inputs, training=None):
            h = self.stem(inputs)
            if training:  # a Python branch on training: no one graph
                h = ops.relu(h)
            return self.head(h)

    with pytest.raises(TrainingSessionError, match=r"Compile model .* yourself first"):
        wb.TrainingDashboard(Branching(), data())
    model = Branching()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    dashboard = wb.TrainingDashboard(model, data(), validation_split=0.0)
    dashboard.start(epochs=1, batch_size=8)
    assert dashboard.wait(60) and dashboard.session.status()["state"] == "finished"
