"""The JupyterLab sidebar's kernel side without a browser: every sidebar message, well-formed or
not, through the session and through the comm; the namespace scan; and the comm target that a
real kernel registers on `import workbench`."""

import json
import os
import queue
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import engine
import workbench as wb
from engine import layers
from engine.backend import MissingBackendError
from tests.conftest import INSTALLED
from tests.workbench.kernel_stand_in import CommManager, Shell
from workbench import datasets, namespace, protocol, router, sidebar
from workbench.session import StateUpdate
from workbench.sidebar_session import SidebarSession
from workbench.widgets import views

OTHER_BACKEND = next((name for name in INSTALLED if name != "numpy"), None)
TRAITS = {"backend", "backends", "models", "palette", "executing"}


def mlp(name="mlp"):
    i = layers.Input((2,), name="x")
    h = layers.Dense(4, activation="relu", name="hidden")(i)
    return engine.Model(i, layers.Dense(1, activation="sigmoid", name="out")(h), name=name)


def message(kind, **fields):
    return {"type": kind, "version": protocol.PROTOCOL_VERSION, "request_id": "r1", **fields}


class Recorder:
    """A session listener: the state updates it published, in order."""

    def __init__(self, session):
        self.updates = []
        session.subscribe(self.updates.append)

    def states(self) -> list:
        return [u.values for u in self.updates if isinstance(u, StateUpdate)]


@pytest.fixture(autouse=True)
def capture_widget_sends(monkeypatch):
    monkeypatch.setattr(views.SessionWidget, "send", lambda self, content, buffers=None: None)


@pytest.fixture
def user_ns():
    return {"In": [], "Out": {}, "_": None}


@pytest.fixture
def session(user_ns):
    return SidebarSession(user_ns)


def only_reply(session, raw, buffers=()):
    replies = router.handle(session, raw, buffers)
    assert len(replies) == 1, replies
    return replies[0]


# --------------------------------------------------------------------------- the scan
def test_ready_publishes_every_trait_then_acks(session, user_ns):
    user_ns["model"] = mlp()
    recorder = Recorder(session)
    reply = only_reply(session, message("ready"))
    assert reply == {"type": "ack", "version": 1, "request_id": "r1", "result": {}}
    (state,) = recorder.states()
    assert set(state) == TRAITS
    assert state["backend"] == "numpy" and "numpy" in state["backends"]
    assert state["executing"] is False
    classes = [entry["class"] for entry in state["palette"]]
    assert classes[:3] == ["InputLayer", "Activation", "Dense"]
    (entry,) = state["models"]
    assert entry == {
        "name": "model",
        "class": "Model",
        "model_name": "mlp",
        "params": 2 * 4 + 4 + 4 + 1,
        "backend": "numpy",
        "training": {
            "state": "not_compiled",
            "source": None,
            "epoch": 0,
            "epochs": 0,
            "loss": None,
            "curve": [],
        },
        "data": None,
        "views": ["editor", "inspector"],
    }
    json.dumps(state, allow_nan=False)  # what the comm sends is plain JSON


def test_models_are_listed_in_namespace_order_once_each(user_ns):
    first, second = mlp("first"), mlp("second")
    user_ns.update({"b": second, "a": first, "again": first, "_hidden": mlp("hidden")})
    found = namespace.find_models(user_ns)
    assert [(f.name, f.model.name) for f in found] == [("b", "second"), ("a", "first")]


def test_an_unbuilt_sequential_has_no_parameter_count(session, user_ns):
    user_ns["seq"] = engine.Sequential([layers.Dense(3)])
    (entry,) = session.state()["models"]
    assert entry["class"] == "Sequential" and entry["params"] is None


def test_training_data_is_found_when_it_fits_the_input(user_ns):
    model = mlp()
    x, y = np.zeros((8, 2), np.float32), np.zeros((8, 1), np.float32)
    user_ns.update({"x_test": np.zeros((8, 3)), "y_test": y})
    assert namespace.find_data(user_ns, model) is None  # 3 features, the model takes 2
    user_ns.update({"x_train": x, "y_train": y})
    label, data = namespace.find_data(user_ns, model)
    assert label == "x_train, y_train" and data[0] is x and data[1] is y
    user_ns["pair"] = (x, y)
    assert namespace.find_data(user_ns, model)[0] == "pair"
    user_ns["ds"] = datasets.xor(16)
    assert namespace.find_data(user_ns, model)[0] == "pair"  # the first that fits
    assert namespace.find_data({"ds": datasets.xor(16)}, model)[0] == "ds"


def test_a_fit_in_the_running_cell_is_running_then_finished(session, user_ns):
    model = user_ns["model"] = mlp()
    model.compile(optimizer="adam", loss="mse")
    assert session.state()["models"][0]["training"]["state"] == "compiled"
    seen = []
    session.cell_started()
    model.fit(
        np.zeros((16, 2), np.float32),
        np.zeros((16, 1), np.float32),
        epochs=3,
        verbose=0,
        callbacks=[
            engine.callbacks.LambdaCallback(
                # at the next epoch's start: History, as in Keras, runs after the user's
                # callbacks, so at their on_epoch_end it has not recorded the epoch yet
                on_epoch_begin=lambda *_: seen.append(session.state()["models"][0]["training"])
            )
        ],
    )
    assert [(t["state"], t["epoch"], t["epochs"]) for t in seen[1:3]] == [
        ("running", 1, 3),
        ("running", 2, 3),
    ]
    assert seen[2]["source"] == "fit" and len(seen[2]["curve"]) == 2
    session.cell_finished()
    training = session.state()["models"][0]["training"]
    assert (training["state"], training["epoch"], training["epochs"]) == ("finished", 3, 3)
    assert training["loss"] == pytest.approx(model.history.history["loss"][-1])


def test_an_interrupted_fit_is_not_running_once_the_cell_ends(session, user_ns):
    model = user_ns["model"] = mlp()
    model.compile(optimizer="sgd", loss="mse")

    def interrupt(epoch, logs):
        if epoch == 1:  # one epoch recorded, then Ctrl+C
            raise KeyboardInterrupt

    session.cell_started()
    with pytest.raises(KeyboardInterrupt):
        model.fit(
            np.zeros((8, 2)),
            np.zeros((8, 1)),
            epochs=5,
            verbose=0,
            callbacks=[engine.callbacks.LambdaCallback(on_epoch_begin=interrupt)],
        )
    assert session.state()["models"][0]["training"]["state"] == "running"
    session.cell_finished()
    assert session.state()["models"][0]["training"]["state"] == "finished"


def test_curves_are_thinned_and_never_hold_nan():
    training = namespace._training("finished", "fit", 1, 1, [*range(500), float("nan")])
    assert len(training["curve"]) <= namespace.CURVE_POINTS
    assert training["curve"][0] == 0.0 and training["loss"] == training["curve"][-1]
    assert all(np.isfinite(training["curve"]))


def test_a_dashboard_model_is_listed_with_its_session(session, user_ns):
    dash = user_ns["dash"] = wb.TrainingDashboard(mlp(), datasets.xor(64))
    (entry,) = session.state()["models"]
    assert entry["name"] == "dash.model" and entry["views"] == ["editor", "dashboard", "inspector"]
    dash.start(epochs=2, batch_size=16)
    assert dash.wait(60)
    training = session.state()["models"][0]["training"]
    assert training["source"] == "dashboard" and training["state"] == "finished"
    assert training["epoch"] == 2 and len(training["curve"]) > 1
    user_ns["model"] = dash.model  # a variable holding it names it
    assert [entry["name"] for entry in session.state()["models"]] == ["model"]


def test_workbench_and_playground_models_are_found(user_ns):
    user_ns["bench"] = wb.Workbench(mlp(), datasets.xor(32))
    user_ns["empty_bench"] = wb.Workbench(data=datasets.xor(32))  # no model yet
    user_ns["play"] = wb.Playground()
    names = [f.name for f in namespace.find_models(user_ns)]
    assert names == ["bench.model", "play.model"]


# -------------------------------------------------------------------------- updates
def test_update_publishes_only_what_changed(session, user_ns):
    recorder = Recorder(session)
    only_reply(session, message("ready"))
    session.update()
    assert len(recorder.states()) == 1  # nothing changed, nothing sent
    user_ns["model"] = mlp()
    assert only_reply(session, message("refresh"))["type"] == "ack"
    assert list(recorder.states()[-1]) == ["models"]
    session.cell_started()
    assert recorder.states()[-1] == {"executing": True}
    session.cell_finished()
    assert recorder.states()[-1] == {"executing": False}


def test_busy_while_a_cell_runs_or_a_dashboard_reports(session, user_ns):
    dash = user_ns["dash"] = wb.TrainingDashboard(mlp(), datasets.xor(32))
    session.update()
    assert not session.busy
    session.cell_started()
    assert session.busy
    session.cell_finished()
    dash.start(epochs=1, batch_size=8)  # from the widget: no cell runs
    assert session.busy
    assert dash.wait(60)
    session.update()
    assert not session.busy
    session.close()
    dash.session.publish_state("status")
    assert not session.busy  # closed: no longer listening


# -------------------------------------------------------------------------- set_backend
@pytest.mark.skipif(OTHER_BACKEND is None, reason="needs a second backend")
def test_set_backend_moves_every_model(session, user_ns):
    user_ns.update({"a": mlp("a"), "b": mlp("b")})
    recorder = Recorder(session)
    reply = only_reply(session, message("set_backend", backend=OTHER_BACKEND))
    assert reply["result"] == {"backend": OTHER_BACKEND}
    assert user_ns["a"].backend.name == OTHER_BACKEND == user_ns["b"].backend.name
    state = recorder.states()[-1]  # the state is sent before the ack
    assert state["backend"] == OTHER_BACKEND
    assert {entry["backend"] for entry in state["models"]} == {OTHER_BACKEND}


def test_set_backend_refusals_change_nothing(session, user_ns, monkeypatch):
    model = user_ns["model"] = mlp()
    session.cell_started()
    reply = only_reply(session, message("set_backend", backend="numpy"))
    assert reply["code"] == "rejected" and "A cell is running" in reply["message"]
    session.cell_finished()
    reply = only_reply(session, message("set_backend", backend="theano"))
    assert reply["code"] == "rejected" and "Unknown backend 'theano'" in reply["message"]

    def missing(name):
        raise MissingBackendError(f"The {name!r} backend needs jax. Install it with: pip …")

    monkeypatch.setattr("engine.backend.get_backend", missing)
    reply = only_reply(session, message("set_backend", backend="jax"))
    assert reply["code"] == "rejected" and "Install it with" in reply["message"]
    monkeypatch.undo()
    assert model.backend.name == "numpy" and engine.backend_name() == "numpy"


def test_set_backend_waits_for_a_training_dashboard(session, user_ns):
    dash = user_ns["dash"] = wb.TrainingDashboard(mlp(), datasets.xor(64))
    dash.start(epochs=10_000, batch_size=8)
    try:
        reply = only_reply(session, message("set_backend", backend="numpy"))
        assert reply["code"] == "rejected" and "dash.model is training" in reply["message"]
    finally:
        dash.stop()
        assert dash.wait(60)


# ---------------------------------------------------------------------------- open_view
def test_open_view_returns_a_widget_reference_and_reuses_it(session, user_ns):
    model = user_ns["model"] = mlp()
    user_ns.update({"x_train": np.zeros((8, 2), np.float32), "y_train": np.ones((8, 1))})
    refs = {}
    for view in ("editor", "dashboard", "inspector"):
        reply = only_reply(session, message("open_view", model="model", view=view))
        assert reply["type"] == "ack", reply
        refs[view] = reply["result"]["widget"]
        assert refs[view].startswith("IPY_MODEL_")
    assert len(set(refs.values())) == 3
    again = only_reply(session, message("open_view", model="model", view="editor"))
    assert again["result"]["widget"] == refs["editor"]
    user_ns["model"] = mlp()  # the name now holds another model: a new view
    other = only_reply(session, message("open_view", model="model", view="editor"))
    assert other["result"]["widget"] != refs["editor"]
    assert model.backend.name == "numpy"


def test_open_dashboard_shows_the_notebooks_own_dashboard(session, user_ns):
    dash = user_ns["dash"] = wb.TrainingDashboard(mlp(), datasets.xor(32))
    reply = only_reply(session, message("open_view", model="dash.model", view="dashboard"))
    assert reply["result"]["widget"] == f"IPY_MODEL_{dash.widget.model_id}"


def test_open_view_refusals(session, user_ns):
    user_ns["model"] = mlp()
    reply = only_reply(session, message("open_view", model="ghost", view="editor"))
    assert reply["code"] == "rejected" and "no model called 'ghost'" in reply["message"]
    reply = only_reply(session, message("open_view", model="model", view="dashboard"))
    assert reply["code"] == "rejected" and "no training data" in reply["message"]


def test_a_view_factory_without_anywidget_says_what_to_install(user_ns, monkeypatch):
    monkeypatch.setitem(sys.modules, "workbench.widgets", None)  # the import fails
    user_ns["model"] = mlp()
    reply = only_reply(SidebarSession(user_ns), message("open_view", model="model", view="editor"))
    assert reply["code"] == "rejected" and "model-workbench[workbench]" in reply["message"]


# ------------------------------------------------------------------------- malformed
@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("{not json", "invalid_message", "not valid JSON"),
        ([1, 2], "invalid_message", "JSON object"),
        ({"type": "ready"}, "invalid_message", "'version'"),
        ({"type": "ready", "version": 2}, "version_mismatch", "version 2"),
        ({"type": "open_view", "version": 1, "model": "m"}, "invalid_message", "needs 'view'"),
        (
            {"type": "open_view", "version": 1, "model": "m", "view": "summary"},
            "invalid_message",
            "must be one of",
        ),
        (
            {"type": "open_view", "version": 1, "model": "", "view": "editor"},
            "invalid_message",
            "length",
        ),
        (
            {"type": "open_view", "version": 1, "model": 3, "view": "editor"},
            "invalid_message",
            "a string",
        ),
        ({"type": "set_backend", "version": 1}, "invalid_message", "needs 'backend'"),
        (
            {"type": "set_backend", "version": 1, "backend": "jax", "now": True},
            "invalid_message",
            "does not take 'now'",
        ),
        ({"type": "refresh", "version": 1, "request_id": ""}, "invalid_message", "length"),
        ({"type": "start", "version": 1, "epochs": 1, "batch_size": 1}, "invalid_message", "does"),
        ({"type": "teleport", "version": 1}, "invalid_message", "Unknown message type"),
        ({"type": "refresh", "version": 1, "pad": "x" * 300_000}, "too_large", "bytes"),
    ],
)
def test_malformed_messages_get_an_error_and_change_nothing(session, user_ns, raw, code, text):
    user_ns["model"] = mlp()
    recorder = Recorder(session)
    reply = only_reply(session, raw)
    assert reply["type"] == "error" and reply["code"] == code, reply
    assert text in reply["message"]
    assert recorder.updates == [] and user_ns["model"].backend.name == "numpy"


def test_buffers_from_the_browser_are_refused(session):
    reply = only_reply(session, message("refresh"), [b"\x00"])
    assert reply["code"] == "invalid_message" and "no binary buffers" in reply["message"]


def test_the_sidebar_handles_only_its_intents(session):
    reply = only_reply(session, message("add_layer", class_name="Dense"))
    assert reply["code"] == "invalid_message" and reply["intent"] == "add_layer"
    assert "open_view" in reply["message"]


# ------------------------------------------------------------------------------ the comm
class FakeComm:
    """What ipykernel's Comm offers the sidebar: callbacks in, messages out."""

    def __init__(self):
        self.sent, self.handlers, self.closers = [], [], []

    def on_msg(self, callback):
        self.handlers.append(callback)

    def on_close(self, callback):
        self.closers.append(callback)

    def send(self, data=None, metadata=None, buffers=None):
        self.sent.append(data)

    def deliver(self, data, buffers=None):
        for handler in self.handlers:
            handler({"content": {"comm_id": "c1", "data": data}, "buffers": buffers or []})

    def close_from_browser(self):
        for closer in self.closers:
            closer({"content": {"comm_id": "c1", "data": {}}})


@pytest.fixture
def target():
    shell, manager = Shell(), CommManager()
    target = sidebar.SidebarTarget(shell, manager)
    assert manager.targets == {sidebar.COMM_TARGET: target.open}
    yield target
    target.close()


def open_panel(target):
    comm = FakeComm()
    target.open(comm, {"content": {"data": {}}})
    return comm


def test_the_comm_answers_with_state_then_ack(target):
    target.shell.user_ns["model"] = mlp()
    comm = open_panel(target)
    comm.deliver(message("ready"))
    assert [m["type"] for m in comm.sent] == ["state", "ack"]
    assert comm.sent[0]["state"]["models"][0]["name"] == "model"
    comm.sent.clear()
    comm.deliver("not json")
    comm.deliver(message("refresh"), buffers=[b"1"])
    assert [(m["type"], m["code"]) for m in comm.sent] == [
        ("error", "invalid_message"),
        ("error", "invalid_message"),
    ]


def test_cells_update_every_open_panel_and_closed_panels_are_forgotten(target):
    first, second = open_panel(target), open_panel(target)
    for comm in (first, second):
        comm.deliver(message("ready"))
        comm.sent.clear()
    target.shell.events.trigger("pre_run_cell", None)
    target.shell.user_ns["model"] = mlp()
    target.shell.events.trigger("post_run_cell", None)
    for comm in (first, second):
        assert [m["state"] for m in comm.sent][0] == {"executing": True}
        assert comm.sent[-1]["state"]["executing"] is False
        assert any("models" in m["state"] for m in comm.sent)
    first.close_from_browser()
    assert [panel.comm for panel in target.panels] == [second]
    second.close_from_browser()
    assert target.panels == [] and target._stop.is_set()


def test_a_panel_that_connects_while_a_cell_runs_knows_it(target):
    target.shell.events.trigger("pre_run_cell", None)
    comm = open_panel(target)
    comm.deliver(message("set_backend", backend="numpy"))
    assert comm.sent[-1]["code"] == "rejected" and "A cell is running" in comm.sent[-1]["message"]
    target.shell.events.trigger("post_run_cell", None)
    comm.deliver(message("ready"))
    assert comm.sent[-2]["state"]["executing"] is False


def test_the_poller_follows_a_running_cell_at_a_bounded_rate(target, monkeypatch):
    monkeypatch.setattr(sidebar, "POLL_INTERVAL", 0.05)
    comm = open_panel(target)
    comm.deliver(message("ready"))
    target.shell.events.trigger("pre_run_cell", None)
    comm.sent.clear()
    started = time.monotonic()
    for i in range(40):  # a cell making a model every few milliseconds
        target.shell.user_ns[f"m{i}"] = mlp(f"m{i}")
        time.sleep(0.005)
    time.sleep(0.2)
    intervals = (time.monotonic() - started) / sidebar.POLL_INTERVAL
    updates = [m for m in comm.sent if m["type"] == "state"]
    assert 2 <= len(updates) <= intervals + 2  # one per interval at most, not one per model
    assert len(updates[-1]["state"]["models"]) == 40
    target.shell.events.trigger("post_run_cell", None)


def test_register_is_idempotent(monkeypatch):
    monkeypatch.setattr(sidebar, "_target", None)
    shell = Shell()
    manager = CommManager()
    monkeypatch.setattr("comm.get_comm_manager", lambda: manager)
    first = sidebar.register(shell)
    assert sidebar.register(shell) is first and list(manager.targets) == [sidebar.COMM_TARGET]
    first.close()


def test_importing_workbench_outside_a_kernel_registers_nothing(monkeypatch):
    monkeypatch.setattr(sidebar, "_target", None)
    wb._register_sidebar()  # no IPython kernel here
    assert sidebar._target is None


# ----------------------------------------------------------------- a real kernel (slow)
def test_a_real_kernel_registers_the_target_on_import():
    """ipykernel, raw messages: before `import workbench` the comm is closed (the panel says
    "not imported"); after it, `ready` is answered with the state and an ack."""
    manager = pytest.importorskip("jupyter_client.manager")
    km, kc = manager.start_new_kernel(
        kernel_name="python3", env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    )
    try:

        def open_comm(comm_id):
            kc.session.send(
                kc.shell_channel.socket,
                kc.session.msg(
                    "comm_open",
                    {"comm_id": comm_id, "target_name": sidebar.COMM_TARGET, "data": {}},
                ),
            )
            kc.session.send(
                kc.shell_channel.socket,
                kc.session.msg("comm_msg", {"comm_id": comm_id, "data": message("ready")}),
            )

        def iopub_until(predicate, timeout=60):
            deadline = time.monotonic() + timeout
            seen = []
            while time.monotonic() < deadline:
                try:
                    msg = kc.get_iopub_msg(timeout=1)
                except queue.Empty:
                    continue
                seen.append(msg)
                if predicate(msg):
                    return seen
            raise AssertionError(f"no such message; saw {[m['msg_type'] for m in seen]}")

        open_comm("before")
        iopub_until(lambda m: m["msg_type"] == "comm_close")
        kc.execute_interactive(
            "import engine, workbench\nfrom engine import layers\n"
            "i = layers.Input((3,))\nmodel = engine.Model(i, layers.Dense(2)(i))",
            timeout=120,
        )
        open_comm("after")
        seen = iopub_until(
            lambda m: m["msg_type"] == "comm_msg" and m["content"]["data"]["type"] == "ack"
        )
        data = [m["content"]["data"] for m in seen if m["msg_type"] == "comm_msg"]
        assert [d["type"] for d in data] == ["state", "ack"]
        assert [entry["name"] for entry in data[0]["state"]["models"]] == ["model"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
