"""An interrupt during fit, or a save from another thread while fit runs, always meets some
step's complete state: weights, optimizer slots and iteration count, and metric totals."""

import os
import random
import signal
import threading
import time

import numpy as np
import pytest

import engine
from engine import layers
from tests.conftest import backend_params

STEPS = 24  # fit runs one batch per epoch, so every epoch repeats the same step
SAVED_STEPS = 300  # the run that saves interrupt


def classifier():
    engine.set_random_seed(0)
    model = engine.Sequential(
        [layers.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(3, "softmax")]
    )
    model.compile(
        engine.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.optimizer.build(model.trainable_weights)  # its slots are part of the state
    return model


def data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 64)
    x = rng.normal(size=(64, 4)) + np.eye(3, 4)[y] * 2
    return x.astype("float32"), y.astype("int32")


def train(model, epochs, **kwargs):
    x, y = data()
    return model.fit(x, y, batch_size=len(x), epochs=epochs, shuffle=False, verbose=0, **kwargs)


def model_state(model) -> dict:
    """Host copies of everything fit writes, by part."""
    return {
        "weights": model.get_weights(),
        "optimizer": [v.numpy() for v in model.optimizer.variables],
        "metrics": [v.numpy() for m in model.metrics for v in m.variables],
    }


def all_variables(model) -> list:
    return [*model.weights, *model.optimizer.variables,
            *(v for m in model.metrics for v in m.variables)]


class Reference:
    """The states an uninterrupted run passes through, by iteration count."""

    def __init__(self, model, steps=STEPS):
        self.start = [v.numpy() for v in all_variables(model)]
        self.states = [model_state(model)]
        record = engine.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: self.states.append(model_state(model))
        )
        train(model, steps, callbacks=[record])
        self.reset(model)
        started = time.perf_counter()  # a run without the recording, compiled already
        train(model, steps)
        self.seconds = time.perf_counter() - started
        self.reset(model)

    def reset(self, model) -> None:
        """Put the model back where the reference run started."""
        for variable, value in zip(all_variables(model), self.start):
            variable.assign(value)

    def check(self, weights, optimizer, metrics=None) -> int:
        """The step whose complete state these are (AssertionError if none)."""
        step = int(optimizer[0]) if optimizer else 0  # iterations come first
        expected = self.states[step]
        close(weights, expected["weights"])
        close(optimizer, expected["optimizer"])
        if metrics is not None and any(np.any(m) for m in metrics):  # else reset for an epoch
            close(metrics, expected["metrics"])
        return step


def close(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


def interrupted_fit(model, reference, seconds: float) -> bool:
    """fit from the reference's start with SIGINT sent after `seconds`; whether it landed."""
    reference.reset(model)
    main = threading.main_thread().ident
    timer = threading.Timer(seconds, signal.pthread_kill, (main, signal.SIGINT))
    try:
        timer.start()
        train(model, STEPS)
        timer.cancel()
        timer.join()
    except KeyboardInterrupt:
        timer.join()
        return True
    return False


def check_interrupts(backend_name, trials: int) -> None:
    engine.set_backend(backend_name)
    model = classifier()
    reference = Reference(model)
    rng = random.Random(f"interrupts on {backend_name}")
    landed = attempts = 0
    while landed < trials:  # an interrupt may come after a run that went faster than timed
        attempts += 1
        assert attempts <= 4 * trials, f"only {landed} of {attempts} interrupts landed in fit"
        landed += interrupted_fit(model, reference, rng.uniform(0, 0.8 * reference.seconds))
        state = model_state(model)
        step = reference.check(**state)
        train(model, STEPS - step)  # and training continues exactly
        reference.check(**model_state(model))
        assert int(model.optimizer.iterations.numpy()) == STEPS


@pytest.mark.parametrize("backend_name", backend_params())
def test_interrupts_at_random_points_leave_one_steps_complete_state(backend_name):
    check_interrupts(backend_name, trials=4)


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", backend_params())
def test_interrupts_at_random_points_exhaustively(backend_name):
    check_interrupts(backend_name, trials=60)


@pytest.mark.parametrize("backend_name", ["numpy", "torch"])
def test_an_interrupt_raised_inside_a_step_changes_nothing_of_it(backend_name, monkeypatch):
    """On eager backends the step runs its Python each time: a KeyboardInterrupt raised in
    its 5th metric update (after the gradients, before the in-place Adam update) leaves
    the state of step 4, and fit continues from there exactly."""
    if backend_name not in engine.available_backends():
        pytest.skip(f"{backend_name} is not installed")
    engine.set_backend(backend_name)
    model = classifier()
    reference = Reference(model)
    update_metrics, calls = model.update_metrics, []

    def interrupted_fifth(*args):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return update_metrics(*args)

    monkeypatch.setattr(model, "update_metrics", interrupted_fifth)
    with pytest.raises(KeyboardInterrupt):
        train(model, STEPS)
    assert reference.check(**model_state(model)) == 4
    train(model, STEPS - 4)
    assert reference.check(**model_state(model)) == STEPS


def check_saves_while_training(backend_name, tmp_path, saves: int) -> None:
    engine.set_backend(backend_name)
    model = classifier()
    reference = Reference(model, steps=SAVED_STEPS)
    # a pause between steps (outside their commits) keeps the run longer than a few saves,
    # each of which syncs its file to disk, on a loaded machine too
    between_steps = engine.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: time.sleep(0.005)
    )
    worker = threading.Thread(target=train, args=(model, SAVED_STEPS),
                              kwargs={"callbacks": [between_steps]})
    worker.start()
    paths = []
    try:
        while worker.is_alive() and len(paths) < saves:
            paths.append(tmp_path / f"{len(paths)}.wbm")
            model.save(paths[-1])
    finally:
        worker.join()
    steps = set()
    for path in paths:
        saved = engine.load_model(path)
        optimizer = [v.numpy() for v in saved.optimizer.variables]
        steps.add(reference.check(saved.get_weights(), optimizer))
        os.remove(path)
    assert len(steps) >= 2, f"saves met too few steps of the run: {sorted(steps)}"


@pytest.mark.parametrize("backend_name", backend_params())
def test_saves_while_fit_runs_in_another_thread_hold_one_steps_state(backend_name, tmp_path):
    check_saves_while_training(backend_name, tmp_path, saves=20)


def saved_weights(model, path) -> list:
    model.save(path)
    return engine.load_model(path).get_weights()


@pytest.mark.parametrize(
    "read",
    [
        saved_weights,
        lambda model, path: model.get_weights(),
        lambda model, path: list(model.export_weights("keras")),
    ],
    ids=["save", "get_weights", "export_weights"],
)
def test_readers_wait_for_a_commit_in_another_thread(read, tmp_path):
    """A commit that writes the weights one by one, slowly, in another thread: what a
    reader sees is all of them before it or all after it, never a mix."""
    from engine.variables import STATE_LOCK

    model = classifier()
    weights = model.weights
    started = threading.Event()

    def slow_commit():
        with STATE_LOCK:
            for weight in weights:
                weight.assign(np.ones(weight.shape, "float32"))
                started.set()
                time.sleep(0.05)

    writer = threading.Thread(target=slow_commit)
    writer.start()
    started.wait()
    seen = read(model, tmp_path / "model.wbm")
    writer.join()
    assert all(np.all(array == 1) for array in seen)
