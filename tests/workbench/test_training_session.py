"""Training in a worker thread: controls honoured within one step, backend switches and
learning-rate changes between steps, throttled curves, errors reported instead of raised."""

import threading
import time

import numpy as np
import pytest

import engine
from engine import layers
from workbench import datasets
from workbench.errors import TrainingSessionError
from workbench.session import Event, StateUpdate
from workbench.training_session import UPDATE_INTERVAL, TrainingSession, installed_backends

LONG = 10_000  # epochs: longer than any test lets it run


def small_model(inputs=2):
    i = layers.Input((inputs,))
    x = layers.Dense(8, activation="tanh")(i)
    return engine.Model(i, layers.Dense(1, activation="sigmoid")(x))


@pytest.fixture
def session():
    sessions = []

    def make(model=None, data=None, **kwargs):
        made = TrainingSession(model or small_model(), data or datasets.xor(128), **kwargs)
        sessions.append(made)
        made.updates = []
        made.subscribe(made.updates.append)
        return made

    yield make
    for made in sessions:
        if made.state_name in ("running", "paused"):
            made.stop()
        assert made.wait(30), "the training thread did not end"


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def events(session, kind="curve_delta"):
    return [u for u in session.updates if isinstance(u, Event) and u.type == kind]


def test_a_fresh_model_is_compiled_for_the_task_and_trains(session):
    s = session()
    assert s.model.optimizer is not None
    s.start(epochs=3, batch_size=32)
    assert s.wait(30)
    status = s.status()
    assert status["state"] == "finished" and status["step"] == 12 and status["epoch"] == 3
    assert status["steps_per_epoch"] == 4 and status["backend"] == "numpy"
    steps, values = s.curves.points("loss")
    np.testing.assert_array_equal(steps, np.arange(1, 13))
    assert np.all(np.isfinite(values))
    assert set(s.curves.names) == {"loss", "accuracy"}
    last = [u for u in s.updates if isinstance(u, StateUpdate) and "status" in u.values][-1]
    assert last.values["status"]["state"] == "finished"


def test_steps_are_the_models_own_also_after_a_fit_in_a_cell(session):
    s = session()
    s.start(epochs=1, batch_size=32)
    assert s.wait(30) and s.status()["step"] == 4
    data = datasets.xor(128)
    s.model.fit(data.x, data.y, epochs=2, batch_size=32, verbose=0)  # 8 steps in a cell
    s.start(epochs=1, batch_size=32)
    assert s.wait(30)
    assert s.status()["step"] == int(s.model.optimizer.iterations.numpy()) == 16
    steps, _ = s.curves.points("loss")
    np.testing.assert_array_equal(steps, [1, 2, 3, 4, 13, 14, 15, 16])


def test_pause_resume_and_stop_are_honoured_within_one_step(session):
    s = session()
    s.start(epochs=LONG, batch_size=16)
    wait_for(lambda: s.step >= 3)
    s.on_pause(None)
    asked_at = s.step
    wait_for(lambda: s.state_name == "paused")
    paused_at = s.step
    assert paused_at <= asked_at + 1
    time.sleep(0.2)
    assert s.step == paused_at and s.status()["state"] == "paused"
    s.on_resume(None)
    wait_for(lambda: s.step >= paused_at + 3)
    assert s.state_name == "running"
    s.stop()
    asked_at = s.step
    assert s.wait(30)
    assert s.step <= asked_at + 1 and s.state_name == "stopped"
    assert [m["kind"] for m in s.curves.markers()] == ["start", "stop"]


def test_stop_while_paused_ends_without_another_step(session):
    s = session()
    s.start(epochs=LONG, batch_size=16)
    s.on_pause(None)
    wait_for(lambda: s.state_name == "paused")
    paused_at = s.step
    s.stop()
    assert s.wait(30) and s.step == paused_at and s.state_name == "stopped"


def test_controls_need_a_running_session(session):
    s = session()
    for control in (s.on_pause, s.on_resume, s.on_stop):
        with pytest.raises(TrainingSessionError, match="press start first"):
            control(None)
    s.start(epochs=LONG, batch_size=16)
    with pytest.raises(TrainingSessionError, match="stop it before starting again"):
        s.start(epochs=1, batch_size=16)


def other_backend():
    for name in ("torch", "jax", "tensorflow"):
        if name in installed_backends():
            return name
    pytest.skip("needs a second backend")


def test_switching_backend_mid_training_continues_the_curve(session):
    target = other_backend()
    s = session()
    s.start(epochs=LONG, batch_size=16)
    wait_for(lambda: s.step >= 5)
    s.set_backend(target)
    wait_for(lambda: any(m["kind"] == "backend" for m in s.curves.markers()))
    switched_at = next(m["step"] for m in s.curves.markers() if m["kind"] == "backend")
    wait_for(lambda: s.step >= switched_at + 5)
    s.stop()
    assert s.wait(30) and s.state_name == "stopped"
    assert s.model.backend.name == target and s.status()["backend"] == target
    assert all(v.backend.name == target for v in s.model.optimizer.variables)
    steps, values = s.curves.points("loss")
    np.testing.assert_array_equal(steps, np.arange(1, s.step + 1))  # no gap, no restart
    assert np.all(np.isfinite(values))
    assert engine.backend_name() == "numpy"  # only this model moved


def test_switching_backend_when_idle_moves_the_model_now(session):
    target = other_backend()
    s = session()
    s.set_backend(target)
    assert s.model.backend.name == target
    with pytest.raises(TrainingSessionError, match="Unknown backend 'theano'"):
        s.set_backend("theano")


def test_learning_rate_changes_apply_between_steps(session):
    s = session()
    s.set_learning_rate(0.05)  # idle: at once
    assert s.status()["learning_rate"] == pytest.approx(0.05)
    s.start(epochs=LONG, batch_size=16)
    wait_for(lambda: s.step >= 2)
    s.set_learning_rate(0.2)
    wait_for(lambda: [m["kind"] for m in s.curves.markers()].count("learning_rate") == 2)
    assert float(s.model.optimizer.learning_rate) == pytest.approx(0.2)
    assert s.status()["learning_rate"] == pytest.approx(0.2)


def test_a_schedule_learning_rate_cannot_be_set(session):
    model = small_model()
    schedule = engine.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    model.compile(optimizer=engine.optimizers.SGD(learning_rate=schedule), loss="mse")
    s = session(model)
    with pytest.raises(TrainingSessionError, match="schedule"):
        s.set_learning_rate(0.1)


def test_an_error_in_training_is_reported_not_raised(session):
    x, y = datasets.xor(64)
    x = x.copy()
    x[40] = np.nan
    s = session(data=(x, y))
    s.start(epochs=2, batch_size=16)
    assert s.wait(30)
    status = s.status()
    assert status["state"] == "error"
    assert status["message"].startswith("TrainingDivergedError: The loss became nan")
    assert s.step < 8 and len(s.curves.points("loss")[0]) == s.step  # good steps are kept
    s.data = datasets.xor(64)
    s.start(epochs=1, batch_size=16)  # the session is usable again
    assert s.wait(30) and s.state_name == "finished"


def test_curve_updates_are_throttled_and_add_up_to_the_whole_curve(session):
    s = session()
    started = time.monotonic()
    s.start(epochs=40, batch_size=8)
    assert s.wait(60)
    elapsed = time.monotonic() - started
    deltas = events(s)
    assert s.step == 640
    assert len(deltas) <= elapsed / UPDATE_INTERVAL + 2  # epoch ends wait their turn too
    steps = np.concatenate(
        [
            series["steps"]
            for d in deltas
            for series in d.fields["series"]
            if series["name"] == "loss"
        ]
    )
    np.testing.assert_array_equal(steps, np.arange(1, 641))
    snapshot = s.snapshot_events()[0].fields
    assert snapshot["reset"] and {x["name"] for x in snapshot["series"]} == {"loss", "accuracy"}


def test_validation_curves_get_one_point_per_epoch(session):
    s = session(validation_split=0.25)
    s.start(epochs=3, batch_size=32)
    assert s.wait(30)
    steps, values = s.curves.points("val_loss")
    np.testing.assert_array_equal(steps, [3, 6, 9])


def test_the_kernel_thread_stays_free_while_training(session):
    s = session()
    s.start(epochs=LONG, batch_size=16)
    assert threading.current_thread() is not s._thread and s._thread.daemon
    started = time.monotonic()
    s.on_pause(None)  # returns at once: nothing here waits for a step
    assert time.monotonic() - started < 0.05
