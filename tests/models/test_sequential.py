"""Sequential: building (from an Input, input_shape=, build(), the first batch), add and pop,
layer inputs and outputs, refused changes, backend switches and model files."""

import numpy as np
import pytest

import engine
from engine import layers
from engine.errors import LayerConfigError, LayerShapeError

X = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
Y = X[:, :1] * 2.0 - 1.0


def state(model):
    """What a refused change must leave as it was: the stack, the graph and every layer's
    weights and calls."""
    return (
        [layer.name for layer in model.layers],
        model.built,
        model.to_spec() if model.built else None,
        [w.copy() for w in model.get_weights()],
        [len(layer.inbound_nodes) for layer in model.layers],
        [layer.built for layer in model.layers],
    )


def assert_unchanged(model, before):
    after = state(model)
    assert after[:3] == before[:3] and after[4:] == before[4:]
    for a, b in zip(after[3], before[3]):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------ building
@pytest.mark.parametrize("how", ["Input", "input_shape", "build", "first batch", "call"])
def test_every_way_of_giving_the_input_shape_builds_the_same_graph(how):
    first = layers.Dense(2, name="a", input_shape=(4,) if how == "input_shape" else None)
    model = engine.Sequential([layers.Input((4,))] if how == "Input" else [])
    model.add(first)
    model.add(layers.Dense(1, name="b"))
    assert model.built == (how in ("Input", "input_shape"))
    {"build": lambda: model.build((None, 4)), "first batch": lambda: model.predict(X),
     "call": lambda: model(X)}.get(how, lambda: None)()
    assert model.built and [layer.name for layer in model.layers] == ["a", "b"]
    assert (model.input_shape, model.output_shape) == ((None, 4), (None, 1))
    assert model.input is model.inputs[0] and model.output is model.outputs[0]
    assert model.predict(X).shape == (6, 1)


def test_unbuilt_model_says_so():
    model = engine.Sequential([layers.Dense(2, name="a"), layers.Dense(1)])
    printed = []
    model.summary(print_fn=printed.append)
    assert "a (Dense)" in printed[0]
    assert "unbuilt" in printed[1]
    assert model.weights == [] and model.layers[0].name == "a"
    for attribute in ("inputs", "outputs", "input", "output", "input_shape", "output_shape"):
        with pytest.raises(AttributeError, match="Sequential model 'sequential' has no"):
            getattr(model, attribute)
    with pytest.raises(AttributeError, match="never been called"):
        _ = model.layers[0].output
    with pytest.raises(ValueError, match="no input shape yet"):
        model.to_spec()


def test_compile_and_fit_before_any_call():
    model = engine.Sequential()
    model.add(layers.Dense(3))
    model.add(layers.Dense(1))
    model.compile("adam", "mse")
    history = model.fit(X, Y, batch_size=2, epochs=2, verbose=0)
    assert model.built and len(history.history["loss"]) == 2
    assert model.layers[0].get_weights()[0].shape == (4, 3)
    assert np.isfinite(model.evaluate(X, Y, verbose=0))


@pytest.mark.parametrize("shape, message", [
    ([(None, 4), (None, 4)], "takes one input"),
    ((), "batch axis"),
])
def test_build_refuses_what_is_not_one_batch_shape(shape, message):
    model = engine.Sequential([layers.Dense(1)])
    with pytest.raises(ValueError, match=message):
        model.build(shape)
    assert not model.built


def test_build_of_an_empty_model_or_for_another_shape_is_refused():
    with pytest.raises(ValueError, match="no layers"):
        engine.Sequential().build((None, 3))
    model = engine.Sequential([layers.Input((4,)), layers.Dense(1)])
    model.build((None, 4))  # the shape it has: nothing to do
    with pytest.raises(LayerShapeError, match=r"built for inputs of shape \(None, 4\)"):
        model.build((None, 5))
    with pytest.raises(LayerShapeError, match="cannot take shape"):
        model(np.ones((2, 5), "float32"))


def test_a_failed_first_build_leaves_every_layer_unbuilt():
    first = layers.Dense(2, name="a")
    model = engine.Sequential([first, layers.Conv2D(2, 3, name="needs_images")])
    before = state(model)
    with pytest.raises(LayerShapeError, match="needs_images"):
        model.predict(X)
    assert_unchanged(model, before)
    assert first.weights == [] and first.inbound_nodes == []
    model.pop()
    assert model.predict(np.ones((2, 7), "float32")).shape == (2, 2)  # any width still fits


# ---------------------------------------------------------------------------- add and pop
def test_add_and_pop_keep_one_call_per_layer():
    model = engine.Sequential([layers.Input((4,)), layers.Dense(3, name="a")])
    a_output = model.layers[0].output
    model.add(layers.Dense(2, name="b"))
    model.add(layers.Activation("relu", name="c"))
    assert model.layers[0].output is a_output  # adding extends the graph, it is not redone
    assert model.get_layer("c").input is model.get_layer("b").output
    popped = model.pop()
    assert popped.name == "c" and popped.inbound_nodes == []
    assert model.output is model.get_layer("b").output and model.output_shape == (None, 2)
    assert [len(layer.inbound_nodes) for layer in model.layers] == [1, 1]
    model.pop(), model.pop()
    assert not model.built and model.layers == []
    with pytest.raises(IndexError, match="no layers to pop"):
        model.pop()
    model.add(layers.Dense(5))  # the Input stayed: the graph is made again at once
    assert model.built and model.output_shape == (None, 5)


def test_a_change_after_predict_is_what_predict_computes(backend_name):
    """Compiled predict steps are traced again for the changed graph."""
    model = engine.Sequential([layers.Dense(3, name="a")])
    linear = model.predict(X)
    model.add(layers.Activation("relu"))
    np.testing.assert_allclose(model.predict(X), np.maximum(linear, 0), rtol=1e-6, atol=1e-6)
    model.pop()
    np.testing.assert_allclose(model.predict(X), linear, rtol=1e-6, atol=1e-6)


REFUSED_ADDS = {
    "not a layer": ("dense", LayerConfigError, "Only layers"),
    "a second Input": (lambda: layers.Input((6,)), LayerConfigError, "first entry"),
    "a name it has": (lambda: layers.Dense(1, name="a"), LayerConfigError, "already has"),
    "wrong rank": (lambda: layers.Conv2D(2, 3), LayerShapeError, "rank 4"),
}


# an unbuilt model cannot check shapes (its first batch does): no "wrong rank" case for it
@pytest.mark.parametrize("what, built", [
    *((what, True) for what in REFUSED_ADDS),
    *((what, False) for what in REFUSED_ADDS if what != "wrong rank"),
])
def test_a_refused_add_leaves_the_model_unchanged(what, built):
    model = engine.Sequential([layers.Dense(3, name="a")])
    if built:
        model.build((None, 6))
    before = state(model)
    layer, error, message = REFUSED_ADDS[what]
    with pytest.raises(error, match=message):
        model.add(layer() if callable(layer) else layer)
    assert_unchanged(model, before)
    model.add(layers.Dense(1))
    assert model.predict(np.ones((1, 6), "float32")).shape == (1, 1)


def test_a_model_cannot_contain_itself():
    model = engine.Sequential([layers.Dense(1)])
    with pytest.raises(LayerConfigError, match="itself"):
        model.add(model)


# ------------------------------------------------------------------------- nested models
@pytest.mark.parametrize("inner_built", [True, False], ids=["built inner", "unbuilt inner"])
def test_a_sequential_inside_a_sequential(inner_built):
    inner = engine.Sequential([layers.Dense(3, activation="tanh")], name="inner")
    if inner_built:
        inner.build((None, 4))
    outer = engine.Sequential([inner, layers.Dense(1, name="head")])
    assert outer.built == inner_built  # a built model tells its input shape, as Keras reads it
    out = outer.predict(X)
    kernel, bias = inner.get_weights()
    head_kernel, head_bias = outer.get_layer("head").get_weights()
    np.testing.assert_allclose(out, np.tanh(X @ kernel + bias) @ head_kernel + head_bias,
                               rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in outer.layers] == ["inner", "head"]
    assert len(outer.weights) == 4
    with pytest.raises(LayerShapeError, match="inner"):
        engine.Sequential([layers.Input((5,)), inner])


# ----------------------------------------------------------------- switching and saving
def test_a_deferred_model_switches_backend_mid_fit_and_continues_exactly(backend_name):
    def trained(switch_to=None):
        engine.set_backend("numpy")
        engine.set_random_seed(3)
        model = engine.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(X, Y, batch_size=2, epochs=1, shuffle=False, verbose=0)
        if switch_to:
            engine.set_backend(switch_to)
        model.fit(X, Y, batch_size=2, epochs=1, shuffle=False, verbose=0)
        return model

    straight, switched = trained(), trained(backend_name)
    assert switched.backend.name == backend_name
    assert int(switched.optimizer.iterations.numpy()) == 6
    for a, b in zip(straight.get_weights(), switched.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_a_model_built_on_its_first_batch_is_saved_and_loaded(tmp_path):
    model = engine.Sequential([layers.Dense(3, name="a"), layers.Dense(1, name="b")])
    model.compile("adam", "mse")
    model.fit(X, Y, batch_size=3, epochs=1, verbose=0)
    model.save(tmp_path / "model.wbm")
    loaded = engine.load_model(tmp_path / "model.wbm")
    assert type(loaded) is engine.Sequential
    assert [layer.name for layer in loaded.layers] == ["a", "b"]
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-6)
    loaded.pop()
    assert loaded.output_shape == (None, 3)

