"""What records hold beyond activations and gradients, on every backend: BatchNormalization's
moving statistics, nested models as one node, weight heat maps, weight value summaries made
every few captures; and inspect() reusing its compiled capture step."""

import json

import numpy as np
import pytest

import engine
from engine import backend as backends
from engine import layers
from engine.inspection import InspectionCallback, inspect, jsonable


def test_batch_normalization_statistics_are_recorded_like_weights(backend_name):
    model = engine.Sequential(
        [layers.Input((5,)), layers.BatchNormalization(momentum=0.9), layers.Dense(2)]
    )
    model.compile(engine.optimizers.SGD(0.1), "mse")
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(16, 5)).astype("float32")
    report = inspect(model, x, np.zeros((16, 2), "float32"))

    entry = report["layers"]["batch_normalization"]
    assert set(entry["weights"]) == {"batch_normalization/gamma", "batch_normalization/beta"}
    frozen = entry["non_trainable_weights"]
    assert set(frozen) == {
        "batch_normalization/moving_mean",
        "batch_normalization/moving_variance",
    }
    mean, variance = frozen.values()
    # before the step: zeros and ones; the step moves them 10% toward the batch's statistics
    assert (mean["value"]["min"], mean["value"]["max"]) == (0.0, 0.0)
    assert variance["value"]["mean"] == pytest.approx(1.0)
    assert variance["value"]["histogram"]["counts"].sum() == 5
    assert variance["value"]["heat_map"].shape == (1, 5)
    expected = 0.1 * np.linalg.norm(x.mean(axis=0))
    assert mean["update_norm"] == pytest.approx(expected, rel=1e-4)
    assert variance["update_norm"] == pytest.approx(
        0.1 * np.linalg.norm(x.var(axis=0) - 1.0), rel=1e-3
    )
    assert report["graph"]["non_trainable_weights"] == list(frozen)
    json.dumps(jsonable(report))


def nested_model():
    engine.set_random_seed(0)
    inner = engine.Sequential(
        [
            layers.Input((4,)),
            layers.Dense(6, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(3),
        ],
        name="inner",
    )
    inputs = layers.Input((4,))
    outputs = layers.Dense(1)(inner(inputs))
    model = engine.Model(inputs, outputs)
    model.compile(engine.optimizers.SGD(0.01), "mse")
    return model, inner


def test_a_nested_model_is_one_node_whose_gradient_matches_autodiff(backend_name):
    model, inner = nested_model()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 4)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    report = inspect(model, x, y, tensors=True)

    assert list(report["layers"]) == ["input_layer_1", "inner", "dense_2"]
    entry = report["layers"]["inner"]
    assert len(entry["weights"]) == len(inner.trainable_weights) == 6
    assert len(entry["non_trainable_weights"]) == 2  # the inner BatchNormalization's
    assert report["graph"]["outputs"][0]["layer_class"] == "Sequential"

    backend = model.backend
    with backends.using(backend):
        # training=True: the inner BatchNormalization normalises by the batch, as in the step
        y_pred = backend.to_numpy(
            inner.stateless_call(
                [w.value for w in inner.trainable_weights],
                [v.value for v in inner.non_trainable_variables],
                backend.convert(x),
                training=True,
            )[0]
        )
        head = model.layers[-1]

        def tail_loss(a):
            return model.compute_loss(y=backend.convert(y), y_pred=head(a))

        gradient = backend.to_numpy(backend.value_and_grad(tail_loss)(backend.convert(y_pred))[1])
    tensors = report["tensors"]
    np.testing.assert_allclose(tensors["activations"]["inner"], y_pred, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(tensors["gradients"]["inner"], gradient, rtol=1e-4, atol=1e-7)

    inspector = InspectionCallback(every=2, verbose=0)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[inspector])
    assert [r["step"] for r in inspector.store] == [1, 3]
    assert inspector.layer_history("inner")[-1]["gradient"]["l2"] > 0


def test_weights_have_heat_maps_of_their_two_dimensional_view(backend_name):
    model = engine.Sequential(
        [
            layers.Input((6, 6, 2)),
            layers.Conv2D(4, 3),
            layers.Flatten(),
            layers.Dense(40),
            layers.Dense(1),
        ]
    )
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(3, 6, 6, 2)).astype("float32")
    report = inspect(model, x, np.zeros((3, 1), "float32"))
    conv_kernel, _, dense_kernel, _ = (w.numpy() for w in model.trainable_weights[:4])

    weights = report["layers"]["conv2d"]["weights"]
    np.testing.assert_allclose(
        weights["conv2d/kernel"]["value"]["heat_map"], conv_kernel.reshape(18, 4), rtol=1e-6
    )
    assert weights["conv2d/bias"]["value"]["heat_map"].shape == (1, 4)
    heat_map = report["layers"]["dense"]["weights"]["dense/kernel"]["value"]["heat_map"]
    # a (64, 40) kernel: every 2nd row and column, at most 32 a side
    np.testing.assert_allclose(heat_map, dense_kernel[::2, ::2], rtol=1e-6)
    assert "heat_map" not in report["layers"]["dense"]["weights"]["dense/kernel"]["gradient"]


def test_weight_values_are_summarised_every_few_captures_with_a_current_norm(backend_name):
    model = engine.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(1)])
    model.compile(engine.optimizers.SGD(1e-3), "mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    norms = []

    class Norms(engine.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            norms.append(np.linalg.norm(model.layers[0].get_weights()[0]))

    inspector = InspectionCallback(every=1, weights_every=3, verbose=0)
    model.fit(
        x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[Norms(), inspector]
    )
    kernels = [h["weights"]["dense/kernel"] for h in inspector.layer_history("dense")]
    assert [k["value_step"] for k in kernels] == [1, 1, 1, 4, 4, 4, 7, 7]
    np.testing.assert_allclose([k["value"]["l2"] for k in kernels], norms, rtol=1e-5)
    assert kernels[1]["value"]["mean"] == kernels[0]["value"]["mean"]
    assert kernels[3]["value"]["mean"] != kernels[0]["value"]["mean"]
    # so is the gradient, whose norm is current too
    assert kernels[1]["gradient"]["mean"] == kernels[0]["gradient"]["mean"]
    assert kernels[3]["gradient"]["mean"] != kernels[0]["gradient"]["mean"]
    assert len({k["gradient"]["l2"] for k in kernels}) == len(kernels)

    # a weight that moves by more than 2% of its norm is summarised again at once
    model.layers[0].set_weights([w * 2 for w in model.layers[0].get_weights()])
    model.fit(x[:4], y[:4], batch_size=4, verbose=0, callbacks=[inspector])
    assert inspector.layer_history("dense")[-1]["weights"]["dense/kernel"]["value_step"] == 9


def test_inspect_reuses_its_compiled_capture_step(backend_name, monkeypatch):
    model = engine.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu")])
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")
    backend = model.backend
    compiled = []
    jit = backend.jit
    monkeypatch.setattr(backend, "jit", lambda fn: compiled.append(fn) or jit(fn))

    first = inspect(model, x, y)
    built = len(compiled)
    assert built >= 1
    second = inspect(model, x, y)
    assert len(compiled) == built  # nothing new compiled
    assert second["loss"] == first["loss"]
    assert second["layers"]["dense"]["gradient"]["l2"] == first["layers"]["dense"]["gradient"]["l2"]
    inspect(model, x, y, bins=8)  # other options: another capture step
    assert len(compiled) > built
    model.compile("sgd", "mse")  # a new optimizer: another one too
    built = len(compiled)
    inspect(model, x, y)
    assert len(compiled) > built


def test_a_reshape_shares_its_inputs_statistics_but_not_a_gradient_others_add_to(backend_name):
    inputs = layers.Input((6, 6, 2))
    features = layers.Conv2D(2, 3)(inputs)
    flat = layers.Flatten()(features)
    pooled = layers.GlobalAveragePooling2D()(features)  # a second reader of the conv output
    model = engine.Model(inputs, layers.Dense(1)(layers.Concatenate()([flat, pooled])))
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(3, 6, 6, 2)).astype("float32")
    report = inspect(model, x, np.ones((3, 1), "float32"), tensors=True)
    entry, source = report["layers"]["flatten"], report["layers"]["conv2d"]
    gradients = report["tensors"]["gradients"]

    assert entry["activation"]["l2"] == source["activation"]["l2"]
    assert entry["activation"]["heat_map"].shape == (3, 32)  # its own view: samples x features
    for name in ("flatten", "conv2d"):
        expected = np.linalg.norm(gradients[name])
        assert report["layers"][name]["gradient"]["l2"] == pytest.approx(expected, rel=1e-4)
    assert entry["gradient"]["l2"] != pytest.approx(source["gradient"]["l2"], rel=1e-3)
