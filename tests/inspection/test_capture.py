"""Capture on every backend: tensors match the backend's own autodiff, summaries match the
tensors, the model is left alone, and capture steps train exactly as plain steps do."""

import json
import warnings

import numpy as np
import pytest

import engine
from engine import backend as backends
from engine import layers, ops
from engine.inspection import InspectionCallback, inspect, jsonable
from engine.inspection.capture import CaptureError, Probe
from engine.inspection.summaries import STATISTICS


def small_convnet():
    engine.set_random_seed(0)
    engine.clear_session()  # the same layer names every time
    model = engine.Sequential(
        [
            layers.Input((6, 6, 2)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(engine.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    return model


def batch(count=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(count, 6, 6, 2)).astype("float32"), rng.integers(0, 3, count)


def reference_tensors(model, x, y):
    """Activations by calling the layers one by one; gradients with respect to each layer's
    output, and to the weights, from the backend's own value_and_grad."""
    backend = model.backend
    with backends.using(backend):
        y = backend.convert(y.astype("int32"))
        activations = [backend.convert(x)]
        for layer in model.layers:
            activations.append(layer(activations[-1]))

        def tail_loss(k):
            def loss(a):
                for layer in model.layers[k + 1 :]:
                    a = layer(a)
                return model.compute_loss(y=y, y_pred=a)

            return loss

        gradients = [
            backend.value_and_grad(tail_loss(k))(activations[k + 1])[1]
            for k in range(len(model.layers))
        ]

        def weight_loss(weights):
            y_pred, _ = model.stateless_call(
                weights, [v.value for v in model.non_trainable_variables], activations[0], True
            )
            return model.compute_loss(y=y, y_pred=y_pred)

        weights = [w.value for w in model.trainable_weights]
        weight_gradients = backend.value_and_grad(weight_loss)(weights)[1]
    to_numpy = backend.to_numpy
    return (
        [to_numpy(a) for a in activations],
        [to_numpy(g) for g in gradients],
        [to_numpy(g) for g in weight_gradients],
    )


def assert_summary_describes(summary, array, bins=32):
    expected = {
        "mean": array.mean(),
        "std": array.std(),
        "min": array.min(),
        "max": array.max(),
        "mean_abs": np.abs(array).mean(),
        "l2": np.sqrt(np.sum(np.square(array.astype(np.float64)))),
        "zero_fraction": np.mean(array == 0),
        "nonfinite_fraction": 0.0,
    }
    for name in STATISTICS:
        assert summary[name] == pytest.approx(expected[name], rel=1e-4, abs=1e-6), name
    counts = summary["histogram"]["counts"]
    assert counts.sum() == array.size
    numpy_counts, _ = np.histogram(array, bins, range=(array.min(), array.max()))
    assert np.abs(counts - numpy_counts).sum() <= 2  # values on a bin edge may round apart


def test_captured_tensors_match_the_backends_own_autodiff(backend_name):
    model = small_convnet()
    x, y = batch()
    before = model.get_weights()
    report = inspect(model, x, y, tensors=True)
    activations, gradients, weight_gradients = reference_tensors(model, x, y)

    names = ["input_layer", "conv2d", "flatten", "dense"]
    captured = report["tensors"]
    assert list(captured["activations"]) == names
    for name, expected in zip(names, activations):
        np.testing.assert_allclose(captured["activations"][name], expected, rtol=1e-4, atol=1e-6)
        assert_summary_describes(report["layers"][name]["activation"], expected)
    for name, expected in zip(names[1:], gradients):
        np.testing.assert_allclose(captured["gradients"][name], expected, rtol=1e-4, atol=1e-7)
        assert_summary_describes(report["layers"][name]["gradient"], expected)
    for (name, got), expected in zip(captured["weight_gradients"].items(), weight_gradients):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-7, err_msg=name)
    kernel = report["layers"]["conv2d"]["weights"]["conv2d/kernel"]
    assert kernel["value"]["l2"] == pytest.approx(np.linalg.norm(before[0]), rel=1e-5)
    assert_summary_describes(kernel["value"], before[0])
    assert_summary_describes(kernel["gradient"], weight_gradients[0])
    # SGD: the update is learning rate times gradient
    assert kernel["update_norm"] == pytest.approx(
        0.1 * np.linalg.norm(weight_gradients[0]), rel=1e-4
    )

    heat_map = report["layers"]["conv2d"]["activation"]["heat_map"]
    np.testing.assert_allclose(heat_map, activations[1][0].mean(-1), rtol=1e-4, atol=1e-6)
    assert report["layers"]["dense"]["gradient"]["heat_map"].shape == (5, 3)
    assert report["layers"]["conv2d"]["dead_units"].shape == (4,)
    # inspect leaves the model as it was
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert int(model.optimizer.iterations.numpy()) == 0
    json.dumps(jsonable({k: v for k, v in report.items() if k != "tensors"}))


def test_a_residual_branch_shares_its_add_s_gradient_summary(backend_name):
    engine.set_random_seed(0)
    engine.clear_session()
    inputs = layers.Input((4,))
    trunk = layers.Dense(3, name="trunk")(inputs)
    branch = layers.Dense(3, activation="tanh", name="branch")(trunk)
    merged = layers.Add(name="merged")([trunk, layers.Dense(3, name="last")(branch)])
    # Adds in a row: "again" is read by "twice" alone, so all three share one summary
    again = layers.Add(name="again")([merged, layers.Dense(3, name="side")(inputs)])
    twice = layers.Add(name="twice")([again, trunk])
    model = engine.Model(inputs, layers.Dense(2, name="head")(twice))
    model.compile(engine.optimizers.SGD(0.1), "mse")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)).astype("float32"), rng.normal(size=(6, 2)).astype("float32")
    report = inspect(model, x, y, tensors=True)

    gradients = report["tensors"]["gradients"]
    # "last" is read by an Add alone, so its gradient is the Add's; "trunk" is read three
    # times, so its own is summarised on its own
    for name in ("last", "merged", "again", "side"):
        np.testing.assert_allclose(gradients[name], gradients["twice"], rtol=1e-6)
    assert not np.allclose(gradients["trunk"], gradients["twice"])
    for name in ("trunk", "branch", "last", "merged", "side", "again", "twice"):
        assert_summary_describes(report["layers"][name]["gradient"], gradients[name])


def test_capture_steps_train_exactly_like_plain_steps(backend_name):
    def mlp():
        engine.set_random_seed(0)
        engine.clear_session()
        model = engine.Sequential(
            [layers.Input((4,)), layers.Dense(5, activation="tanh"), layers.Dense(1)]
        )
        model.compile(engine.optimizers.Adam(0.01), "mse")
        return model

    x = np.random.default_rng(1).normal(size=(12, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    plain, inspected = mlp(), mlp()
    plain.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    # every step is a capture step here; plain and capture steps alternate in other tests
    inspector = InspectionCallback(every=1, verbose=0)
    inspected.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[inspector])
    for a, b in zip(plain.get_weights(), inspected.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    history = inspector.layer_history("dense")
    assert [h["step"] for h in history] == [1, 2, 3, 4, 5, 6]
    assert set(history[0]) >= {"activation", "gradient", "weights", "saturated_fraction"}
    assert json.loads(json.dumps(inspector.to_json()))["graph"]["model_outputs"] == ["dense_1"]


def test_summaries_are_packed_into_one_vector_only_on_a_device(backend_name):
    model = small_convnet()
    x, y = batch()
    seen = []
    probe = Probe(model)
    model.capture_next_step(probe, lambda captured, backend: seen.append((captured, backend)))
    model.fit(x, y, batch_size=5, epochs=1, verbose=0)
    (captured, backend), = seen
    # a synchronous backend's summaries are host arrays already: nothing to transfer
    assert ("parts" in captured) == backend.synchronous != ("packed" in captured)
    record = probe.read(captured, backend, step=1)
    assert record["layers"]["conv2d"]["activation"]["heat_map"].shape == (4, 4)


def test_a_capture_step_describes_the_weights_before_it_and_the_update_it_made(backend_name):
    """Where a capture step updates the weights in place (synchronous backends), it still
    summarises the weights as they were and the update as it was applied."""
    engine.set_random_seed(0)
    model = engine.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(1)])
    model.compile(engine.optimizers.Adam(0.05), "mse")
    seen = []

    class Weights(engine.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(self.model.get_weights())

        def on_train_batch_end(self, batch, logs=None):
            seen[-1] = (seen[-1], self.model.get_weights())

    x = np.random.default_rng(2).normal(size=(12, 4)).astype("float32")
    inspector = InspectionCallback(every=1, verbose=0)
    callbacks = [inspector, Weights()]
    model.fit(x, x[:, :1], batch_size=4, shuffle=False, verbose=0, callbacks=callbacks)
    assert len(inspector.store) == len(seen) == 3
    for record, (before, after) in zip(inspector.store, seen):
        kernel = record["layers"]["dense"]["weights"]["dense/kernel"]
        assert kernel["value"]["l2"] == pytest.approx(np.linalg.norm(before[0]), rel=1e-5)
        assert kernel["update_norm"] == pytest.approx(
            np.linalg.norm(after[0] - before[0]), rel=1e-3
        )


def test_a_tensor_of_equal_values_falls_in_the_last_bin_without_a_warning(backend_name):
    """A bias starts at zero: its histogram has no width, which must not divide 0 by 0."""
    model = engine.Sequential([layers.Input((4,)), layers.Dense(3)])
    model.compile("sgd", "mse")
    x = np.ones((2, 4), "float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = inspect(model, x, np.zeros((2, 3), "float32"))
    counts = report["layers"]["dense"]["weights"]["dense/bias"]["value"]["histogram"]["counts"]
    assert counts[-1] == 3 and counts.sum() == 3


class Doubling(layers.Layer):
    """Repeats its input along the last axis but says it keeps the shape: a layer whose
    compute_output_shape is wrong."""

    def call(self, inputs):
        return ops.concatenate([inputs, inputs], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape


def test_a_layer_whose_output_shape_disagrees_with_compute_output_shape_is_named(backend_name):
    model = engine.Sequential([layers.Input((4,)), Doubling(name="doubling"), layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()
    with pytest.raises(CaptureError, match="'doubling' returned shape .*8.* compute_output_shape"):
        inspect(model, np.ones((2, 4), "float32"), np.zeros((2, 1), "float32"))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_capture_follows_each_batch_size_an_epoch_has(backend_name):
    """The taps are planned once per input shape: a smaller last batch gets its own."""
    engine.clear_session()
    model = engine.Sequential(
        [layers.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(10, 3)).astype("float32")
    inspector = InspectionCallback(every=1, verbose=0)
    model.fit(x, x[:, :1], batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[inspector])
    history = inspector.layer_history("dense")
    assert [h["step"] for h in history] == [1, 2, 3, 4, 5, 6]
    # four units per sample, in batches of 4, 4 and 2
    counts = [h["activation"]["histogram"]["counts"].sum() for h in history]
    assert counts == [16, 16, 8, 16, 16, 8]
    assert [h["gradient"]["histogram"]["counts"].sum() for h in history] == counts
