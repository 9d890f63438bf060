"""Planted faults are caught and named: vanishing and exploding gradients, divergence, dead
and saturated units, and the origin of the first NaN; a healthy run raises nothing."""

import numpy as np
import pytest

import engine
from engine import layers, ops
from engine.inspection import InspectionCallback, Thresholds, inspect
from engine.training import NotCompiledError, TrainingDivergedError


class Log(layers.Layer):
    """log(x): a layer defined only here, to plant a log of zero inside a model."""

    def call(self, inputs):
        return ops.log(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


def ids(diagnostics):
    return {(d["id"] if isinstance(d, dict) else d.id) for d in diagnostics}


def regression_data(count=64, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, 4)).astype("float32") * scale
    return x, (x @ np.array([1.0, -2.0, 0.5, 1.0], "float32"))[:, None]


def test_a_deep_sigmoid_net_has_vanishing_gradients():
    model = engine.Sequential(
        [layers.Input((4,))]
        + [layers.Dense(16, activation="sigmoid") for _ in range(8)]
        + [layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    report = inspect(model, *regression_data())
    (vanishing,) = [d for d in report["diagnostics"] if d["id"] == "vanishing_gradients"]
    assert vanishing["node"] == "dense"
    assert vanishing["message"].startswith("gradients shrink 10^")
    assert "from the last layer (dense_8) to the first (dense)" in vanishing["message"]


def test_saturated_tanh_units_are_reported():
    model = engine.Sequential(
        [layers.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    model.layers[0].set_weights([np.full((4, 8), 20.0, "float32"), np.zeros(8, "float32")])
    report = inspect(model, *regression_data())
    assert "saturated_units" in ids(report["diagnostics"])


def test_a_too_high_learning_rate_is_caught_as_divergence_and_exploding_gradients():
    model = engine.Sequential([layers.Input((4,)), layers.Dense(1)])
    model.compile(engine.optimizers.SGD(0.5), "mse")
    inspector = InspectionCallback(every=2, verbose=0)
    x, y = regression_data(scale=3.0)
    with pytest.raises(TrainingDivergedError):
        model.fit(x, y, batch_size=16, epochs=50, callbacks=[inspector], verbose=0)
    found = ids(inspector.findings)
    assert {"loss_divergence", "exploding_gradients", "update_ratio"} <= found
    divergence = next(d for d in inspector.findings if d.id == "loss_divergence")
    assert "times its lowest value so far" in divergence.message


def test_relu_units_with_a_large_negative_bias_are_dead():
    model = engine.Sequential(
        [layers.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(1)]
    )
    model.compile("adam", "mse")
    dense = model.layers[0]
    dense.set_weights([dense.get_weights()[0], np.full(16, -50.0, "float32")])
    x, y = regression_data()
    report = inspect(model, x, y)
    dead = next(d for d in report["diagnostics"] if d["id"] == "dead_units")
    assert dead["message"].startswith("dense: 100% of ReLU units output 0 for every sample")

    inspector = InspectionCallback(every=3, thresholds=Thresholds(dead_steps=20), verbose=0)
    model.fit(x, y, batch_size=8, epochs=4, callbacks=[inspector], verbose=0)
    (dead,) = [d for d in inspector.diagnostics if d.id == "dead_units"]
    assert dead.node == "dense" and dead.step == 31
    assert dead.message.startswith("dense: 100% of ReLU units have output 0 for 30 steps")


def log_model():
    """Positive inputs -> Dense(relu) with positive outputs -> log -> Dense."""
    model = engine.Sequential(
        [layers.Input((3,)), layers.Dense(4, activation="relu"), Log(), layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    model.layers[0].set_weights([np.full((3, 4), 0.1, "float32"), np.ones(4, "float32")])
    return model


def plant_zero_output(model):
    kernel, bias = model.layers[0].get_weights()
    kernel[:, 0], bias[0] = 0.0, 0.0  # unit 0 now outputs exactly 0: log(0) = -inf
    model.layers[0].set_weights([kernel, bias])


def test_the_origin_of_a_nan_is_named(backend_name):
    model = log_model()
    plant_zero_output(model)
    x = np.random.default_rng(0).uniform(size=(8, 3)).astype("float32")
    report = inspect(model, x, np.zeros((8, 1), "float32"))
    (origin,) = [d for d in report["diagnostics"] if d["id"] == "non_finite"]
    assert origin["node"] == "log"
    assert origin["message"] == (
        "step 1: first non-finite value produced by log (its input was finite)."
    )
    assert report["layers"]["log"]["activation"]["nonfinite_fraction"] == 0.25


def test_a_nan_between_captures_is_traced_by_replaying_the_step(backend_name):
    model = log_model()
    x = np.random.default_rng(0).uniform(size=(8, 3)).astype("float32")
    y = np.zeros((8, 1), "float32")
    inspector = InspectionCallback(every=1000, verbose=0)
    model.fit(x, y, batch_size=4, epochs=1, callbacks=[inspector], verbose=0)
    assert inspector.findings == []
    plant_zero_output(model)
    planted = model.get_weights()
    with pytest.raises(TrainingDivergedError, match="epoch 1, step 1"):
        model.fit(x, y, batch_size=4, epochs=1, callbacks=[inspector], verbose=0)
    origin = next(d for d in inspector.findings if d.id == "non_finite")
    assert (origin.node, origin.step) == ("log", 3)
    assert [r["step"] for r in inspector.store] == [1, 3]
    for kept, before in zip(model.get_weights(), planted):  # the diverged step is undone
        np.testing.assert_array_equal(kept, before)


def test_a_nan_found_after_a_backend_switch_is_traced_on_the_backend_it_came_from(backend_name):
    other = "torch" if backend_name == "numpy" else "numpy"
    if other not in engine.available_backends():
        pytest.skip(f"{other} is not installed")
    model = log_model()
    plant_zero_output(model)
    planted = model.get_weights()
    x = np.random.default_rng(0).uniform(size=(8, 3)).astype("float32")
    switch = engine.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: engine.set_backend(other)
    )
    inspector = InspectionCallback(every=1000, verbose=0)
    inspector.steps_done = 1  # the first step is not a due capture
    with pytest.raises(TrainingDivergedError, match="epoch 1, step 1"):
        model.fit(x, np.zeros((8, 1), "float32"), batch_size=4, callbacks=[inspector, switch],
                  verbose=0)
    origin = next(d for d in inspector.findings if d.id == "non_finite")
    assert (origin.node, origin.step) == ("log", 1)  # the model's first step
    # a synchronous backend checks the loss inside the step, so no switch comes between
    synchronous = engine.backend.get_backend(backend_name).synchronous
    assert model.backend.name == (backend_name if synchronous else other)
    for kept, before in zip(model.get_weights(), planted):
        np.testing.assert_array_equal(kept, before)


def test_a_healthy_run_raises_nothing():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 96)
    x = (rng.normal(size=(96, 4)) * 0.5 + np.eye(3, 4)[y] * 3).astype("float32")
    model = engine.Sequential(
        [
            layers.Input((4,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(engine.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    inspector = InspectionCallback(every=4, verbose=0)
    model.fit(x, y, batch_size=16, epochs=5, callbacks=[inspector], verbose=0)
    assert inspector.findings == []
    assert len(inspector.store) == 8


def test_misuse_says_what_to_do():
    model = engine.Sequential([layers.Input((4,)), layers.Dense(1)])
    with pytest.raises(NotCompiledError, match="call model.compile"):
        inspect(model, *regression_data())
    with pytest.raises(ValueError, match="every must be"):
        InspectionCallback(every=0)
