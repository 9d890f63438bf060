"""An Inspector open on the model a TrainingDashboard trains: the inspector follows every step
on every backend, also when the dashboard moves the model to another backend mid-run, while
the kernel's default backend stays where it was (the dashboard moves only its model)."""

import numpy as np
import pytest

import engine
from engine import layers
from engine.training.callbacks import Callback
from tests.conftest import ALL_BACKENDS, backend_params
from workbench import datasets
from workbench.inspector_session import InspectorSession
from workbench.training_session import TrainingSession

SWITCH_AFTER = 3  # steps on the first backend
STEPS = 14  # enough captures after the switch for a full weight summary (weights_every=10)
BATCH = 8


def quickstart_cnn():
    """The quickstart's CNN, smaller: a 3x3 convolution, pooling and a softmax classifier."""
    i = layers.Input((6, 6, 1))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(i)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    model = engine.Model(i, layers.Dense(3, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def images(count=STEPS * BATCH):
    rng = np.random.default_rng(0)
    x = rng.random((count, 6, 6, 1), dtype=np.float32)
    return datasets.as_dataset((x, rng.integers(0, 3, count)))


class SwitchBackend(Callback):
    """Asks the dashboard for another backend after some steps, as its backend select does."""

    def __init__(self, session, name):
        self.session, self.name = session, name

    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 == SWITCH_AFTER:
            self.session.set_backend(self.name)


@pytest.mark.parametrize("start", backend_params())
def test_the_inspector_follows_dashboard_training_across_a_backend_switch(start):
    switch_to = ALL_BACKENDS[(ALL_BACKENDS.index(start) + 1) % len(ALL_BACKENDS)]
    if switch_to not in engine.available_backends():
        pytest.skip(f"{switch_to} is not installed")
    model, data = quickstart_cnn(), images()
    inspector = InspectorSession(model, data, every=1)
    dashboard = TrainingSession(model, data)
    dashboard.extra_callbacks.append(SwitchBackend(dashboard, switch_to))
    dashboard.set_backend(start)

    dashboard.start(epochs=1, batch_size=BATCH)

    assert dashboard.wait(240)
    status = dashboard.status()
    assert (status["state"], status["message"]) == ("finished", None)
    assert status["backend"] == switch_to and engine.backend_name() == "numpy"
    capture = inspector.state()["capture"]
    assert (capture["source"], capture["step"], capture["message"]) == ("training", STEPS, None)
