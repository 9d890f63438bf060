"""The playground driven by messages as the browser sends them: TensorFlow Playground's
defaults that learn, settings kept across a reset, refused settings that change nothing, and
the configuration as one value that restores it exactly."""

import numpy as np
import pytest

from workbench import datasets, playground_config, router
from workbench.playground_session import PlaygroundSession
from workbench.protocol import PROTOCOL_VERSION


def send(session, kind, **fields):
    (reply,) = router.handle(
        session, {"type": kind, "version": PROTOCOL_VERSION, "request_id": "r", **fields}
    )
    return reply


def test_the_defaults_are_tensorflow_playgrounds():
    session = PlaygroundSession()
    values = session.state()["settings"]["values"]
    assert values["learning_rate"] == 0.03 and values["activation"] == "tanh"
    assert values["hidden"] == [4, 2] and values["batch_size"] == 10
    assert values["ratio"] == 50 and values["noise"] == 0 and values["features"] == ["x1", "x2"]
    assert session.model.optimizer.learning_rate == pytest.approx(0.03)
    assert [layer.units for layer in session.model.layers[1:]] == [4, 2, 1]


@pytest.mark.parametrize("dataset", ["xor", "circles"])
def test_the_defaults_reach_a_low_loss_in_a_few_epochs(dataset):
    session = PlaygroundSession(config={"dataset": dataset})
    assert send(session, "start", epochs=12, batch_size=10)["type"] == "ack"
    assert session.training.wait(60)
    assert session.training.status()["state"] == "finished" and session.epoch == 12
    assert session.training.curves.points("val_loss")[1][-1] < 0.2


def test_reset_keeps_every_setting_and_draws_fresh_weights():
    session = PlaygroundSession(config={"dataset": "xor"})
    send(session, "configure", changes={"learning_rate": 0.1, "hidden": [3]})
    send(session, "start", epochs=1, batch_size=10)
    assert session.training.wait(30) and session.epoch == 1
    before, settings = session.model.get_weights(), session.config
    assert send(session, "reset_weights")["type"] == "ack"
    assert session.config == settings and session.epoch == 0
    assert session.model.optimizer.learning_rate == pytest.approx(0.1)
    assert not np.array_equal(session.model.get_weights()[0], before[0])


def test_settings_change_the_network_and_the_data():
    session = PlaygroundSession()
    changes = {"features": ["x1", "x2", "x1^2", "sin(x2)"], "hidden": [8, 8, 3]}
    assert send(session, "configure", changes=changes)["type"] == "ack"
    assert session.model.inputs[0].shape[1:] == (4,)
    assert [layer.units for layer in session.model.layers[1:]] == [8, 8, 3, 1]
    send(session, "configure", changes={"activation": "relu", "regularization": "l2"})
    assert (
        session.model.layers[1].activation == "relu" and session.model.layers[1].kernel_regularizer
    )
    send(session, "configure", changes={"ratio": 80, "samples": 100})
    assert len(session.training.data) == 80 and len(session.training.validation) == 20
    send(session, "configure", changes={"problem": "regression"})
    assert session.settings["dataset"] == "plane" and session.training.data.task == "regression"
    event = session.grid_event().fields
    grid = event["output"]
    assert event["inputs"][2] == "x1^2" and event["input_values"].shape == (7, 48, 48)
    np.testing.assert_allclose(event["input_values"][2], event["input_values"][0] ** 2, rtol=1e-6)
    inputs = playground_config.feature_matrix(session.plane(), session.settings["features"])
    raw = session.model.predict(inputs, verbose=0).reshape(48, 48)
    np.testing.assert_allclose(grid, raw, rtol=1e-5)  # the values themselves, not probabilities


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"hidden": [4, 0]}, "neurons per layer"),
        ({"ratio": 0}, "ratio"),
        ({"learning_rate": -1}, "learning_rate"),
        ({"hidden": [1] * 7}, "at most 6"),
        ({"features": []}, "features"),
        ({"dataset": "plane"}, "not a classification dataset"),
        ({"wings": 2}, "Unknown playground setting"),
    ],
)
def test_impossible_settings_are_refused_and_change_nothing(changes, words):
    session = PlaygroundSession()
    model, settings = session.model, session.config
    reply = send(session, "configure", changes=changes)
    assert reply["type"] == "error" and words in reply["message"]
    assert session.model is model and session.config == settings


def test_pause_ends_the_run_so_settings_can_change():
    session = PlaygroundSession()
    send(session, "start", epochs=100_000, batch_size=10)
    assert send(session, "pause")["type"] == "ack"
    assert session.training.status()["state"] == "stopped" and session.epoch >= 0
    assert send(session, "configure", changes={"hidden": [2]})["type"] == "ack"


def test_the_configuration_round_trips_as_json_and_as_a_fragment():
    config = {**playground_config.DEFAULTS, "dataset": "spirals", "seed": 7, "noise": 0.25}
    config |= {"features": ["x1", "x2", "x1*x2"], "hidden": [6, 5, 4], "regularization": "l1"}
    config |= {"regularization_rate": 0.003, "learning_rate": 0.01, "activation": "relu"}
    first = PlaygroundSession(config=config)
    assert first.config == config
    again = PlaygroundSession(config=first.config)
    shared = PlaygroundSession(config=first.fragment)
    assert again.config == shared.config == config
    np.testing.assert_array_equal(first.training.data.x, shared.training.data.x)
    for a, b in zip(first.model.get_weights(), shared.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert playground_config.from_fragment("#" + first.fragment) == config


def test_a_users_model_keeps_its_architecture():
    from workbench.playground_session import default_model

    session = PlaygroundSession(default_model(), config={"learning_rate": 0.05})
    assert session.model.optimizer.learning_rate == pytest.approx(0.05)
    reply = send(session, "configure", changes={"hidden": [2]})
    assert reply["type"] == "error" and "your own model" in reply["message"]
    assert send(session, "configure", changes={"dataset": "xor"})["type"] == "ack"
    send(session, "reset_weights")
    assert session.model.optimizer.learning_rate == pytest.approx(0.05)
    again = PlaygroundSession(default_model(), config=session.fragment)  # the same settings
    assert again.config == session.config


@pytest.mark.parametrize("name", sorted(datasets.PLANE_REGRESSION))
def test_regression_datasets_are_seeded_values_on_the_plane(name):
    data = datasets.load(name, samples=200, noise=0.0, seed=3)
    assert data.task == "regression" and data.x.shape == (200, 2) and data.y.shape == (200, 1)
    assert data.y.dtype == np.float32 and -1 <= data.y.min() < 0 < data.y.max() <= 1
    np.testing.assert_array_equal(data.y, datasets.load(name, samples=200, seed=3, noise=0.0).y)
    assert not np.array_equal(data.x, datasets.load(name, samples=200, seed=4).x)
