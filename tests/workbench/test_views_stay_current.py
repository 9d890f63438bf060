"""Views that show what another view or a cell changed: the sidebar's model card follows a
dashboard that no variable holds, and a dashboard's backend follows a switch made in a cell."""

import time

import pytest

import engine
from engine import layers
from tests.conftest import INSTALLED
from workbench import datasets
from workbench.session import StateUpdate
from workbench.sidebar_session import SidebarSession
from workbench.training_session import TrainingSession

OTHER_BACKEND = next((name for name in INSTALLED if name != "numpy"), None)
LONG = 10_000  # epochs: longer than any test lets it run


def mlp():
    i = layers.Input((2,))
    h = layers.Dense(4, activation="relu")(i)
    return engine.Model(i, layers.Dense(1, activation="sigmoid")(h))


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def published(session) -> dict:
    """Every trait `session` publishes from now on, latest value of each."""
    values = {}
    session.subscribe(lambda u: values.update(u.values) if isinstance(u, StateUpdate) else None)
    return values


def test_the_model_card_follows_a_dashboard_that_no_variable_holds():
    model = mlp()
    sidebar = SidebarSession({"model": model})
    traits = published(sidebar)
    sidebar.ready(None)
    dashboard = TrainingSession(model, datasets.xor(64))  # as one opened from the panel
    dashboard.start(epochs=LONG, batch_size=16)
    try:
        assert sidebar.busy  # the poller updates the panel from now on
        wait_for(lambda: dashboard.step >= 5)
        sidebar.update()
        card = traits["models"][0]["training"]
        assert (card["state"], card["source"]) == ("running", "dashboard")
        seen, step = card["curve"], dashboard.step
        wait_for(lambda: dashboard.step >= step + 40)
        sidebar.update()
        assert traits["models"][0]["training"]["curve"] != seen  # thinned: not always longer
    finally:
        dashboard.stop()
        assert dashboard.wait(30)
    assert sidebar.busy
    sidebar.update()
    assert traits["models"][0]["training"]["state"] == "stopped"
    sidebar.close()


@pytest.mark.skipif(OTHER_BACKEND is None, reason="only NumPy is installed")
def test_the_dashboard_backend_follows_a_switch_made_in_a_cell():
    dashboard = TrainingSession(mlp(), datasets.xor(64))
    traits = published(dashboard)
    engine.set_backend(OTHER_BACKEND)
    assert traits.get("status", {}).get("backend") == OTHER_BACKEND
    dashboard.model.to_backend("numpy")
    assert traits["status"]["backend"] == "numpy"
