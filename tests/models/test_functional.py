"""Functional models: graph walking, layer order, shared layers, errors, pure calls."""

import json

import numpy as np
import pytest

import engine
from engine import layers


def mlp():
    i = layers.Input((4,), name="features")
    x = layers.Dense(8, activation="relu", name="hidden")(i)
    return engine.Model(i, layers.Dense(3, name="head")(x), name="mlp")


def test_predict_matches_layer_by_layer_numpy():
    model = mlp()
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    kernel, bias, head_kernel, head_bias = model.get_weights()
    expected = np.maximum(x @ kernel + bias, 0) @ head_kernel + head_bias
    np.testing.assert_allclose(model.predict(x, batch_size=2), expected, rtol=1e-5, atol=1e-6)


def test_layers_and_weights_follow_keras_order():
    model = mlp()
    assert [layer.name for layer in model.layers] == ["features", "hidden", "head"]
    assert [w.name for w in model.weights] == [
        "hidden/kernel",
        "hidden/bias",
        "head/kernel",
        "head/bias",
    ]
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3


def test_branches_merge_and_multiple_outputs():
    a = layers.Input((6,), name="a")
    b = layers.Input((2,), name="b")
    left = layers.Dense(4, name="left")(a)
    right = layers.Dense(4, name="right")(b)
    merged = layers.Concatenate(name="merge")([left, right])
    out_1 = layers.Dense(1, name="out_1")(merged)
    out_2 = layers.Add(name="out_2")([left, right])
    model = engine.Model([a, b], [out_1, out_2])
    xa, xb = np.ones((3, 6), "float32"), np.ones((3, 2), "float32")
    y1, y2 = model.predict([xa, xb])
    assert y1.shape == (3, 1) and y2.shape == (3, 4)
    left_out = model.get_layer("left")(xa)
    right_out = model.get_layer("right")(xb)
    np.testing.assert_allclose(
        y2,
        engine.backend.active().to_numpy(left_out) + engine.backend.active().to_numpy(right_out),
        rtol=1e-6,
    )


def test_shared_layer_has_one_set_of_weights():
    i1, i2 = layers.Input((3,)), layers.Input((3,))
    shared = layers.Dense(2, name="shared")
    model = engine.Model([i1, i2], layers.Add()([shared(i1), shared(i2)]))
    assert len(model.weights) == 2
    x = np.arange(6, dtype="float32").reshape(2, 3)
    kernel, bias = shared.get_weights()
    np.testing.assert_allclose(model.predict([x, x]), 2 * (x @ kernel + bias), rtol=1e-6)


def test_nested_model_is_a_layer():
    inner = mlp()
    i = layers.Input((4,))
    outer = engine.Model(i, layers.Activation("softmax")(inner(i)))
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    probabilities = outer.predict(x)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert outer.count_params() == inner.count_params()


def test_output_from_foreign_input_is_refused():
    used, foreign = layers.Input((2,), name="used"), layers.Input((2,), name="foreign")
    with pytest.raises(engine.GraphError, match="foreign"):
        engine.Model(used, layers.Add()([used, foreign]))


def test_non_symbolic_inputs_are_refused():
    with pytest.raises(engine.GraphError, match="symbolic"):
        engine.Model(np.zeros((1, 2)), layers.Input((2,)))


def test_shape_mismatch_names_the_layer_and_leaves_it_unbuilt():
    i = layers.Input((8, 8, 3))
    flat = layers.Flatten()(i)
    conv = layers.Conv2D(4, 3, name="conv")
    with pytest.raises(engine.LayerShapeError, match="conv") as error:
        conv(flat)
    assert "(None, 192)" in str(error.value)
    assert not conv.built and conv.weights == []
    conv(i)  # the same layer still works on inputs that fit
    assert conv.built


def test_built_layer_refuses_inputs_of_another_width():
    dense = layers.Dense(2, name="d")
    dense(layers.Input((3,)))
    with pytest.raises(engine.LayerShapeError, match="last axis 3"):
        dense(layers.Input((5,)))


def test_stateless_call_changes_no_variable():
    model = mlp()
    before = model.get_weights()
    backend = model.backend
    trainable = [backend.convert(np.zeros(w.shape, "float32")) for w in model.trainable_weights]
    x = backend.convert(np.ones((2, 4), "float32"))
    out, _ = model.stateless_call(trainable, [], x)
    np.testing.assert_array_equal(backend.to_numpy(out), np.zeros((2, 3)))
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_set_weights_checks_everything_before_changing_anything():
    model = mlp()
    before = model.get_weights()
    wrong = [np.zeros_like(w) for w in before]
    wrong[-1] = np.zeros(7)
    with pytest.raises(ValueError, match="head/bias"):
        model.set_weights(wrong)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_same_seed_same_weights_on_every_backend(backend_name):
    engine.set_random_seed(7)
    weights = mlp().get_weights()
    engine.set_backend("numpy")
    engine.set_random_seed(7)
    for ours, reference in zip(weights, mlp().get_weights()):
        np.testing.assert_array_equal(ours, reference)


def test_layer_output_builds_feature_extractors():
    model = mlp()
    features = engine.Model(model.inputs[0], model.get_layer("hidden").output)
    x = np.ones((2, 4), "float32")
    kernel, bias = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(features.predict(x), np.maximum(x @ kernel + bias, 0), rtol=1e-6)
    assert model.get_layer("head").input is model.get_layer("hidden").output
    shared = layers.Dense(2)
    with pytest.raises(AttributeError, match="never been called"):
        _ = shared.output
    first = shared(layers.Input((3,)))
    shared(layers.Input((3,)))
    assert shared.output is first  # a layer called several times gives its first call's (Keras)


def test_a_chain_of_a_thousand_layers_is_built_saved_and_rebuilt():
    """The graph walk keeps its own stack: depth is not limited by Python's recursion limit."""
    i = x = layers.Input((2,), name="x")
    for _ in range(1_200):
        x = layers.Dense(2)(x)
    model = engine.Model(i, x)
    rebuilt = engine.model_from_spec(json.dumps(model.to_spec()))
    rebuilt.set_weights(model.get_weights())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]
    points = np.ones((3, 2), np.float32)
    np.testing.assert_array_equal(rebuilt.predict(points), model.predict(points))
