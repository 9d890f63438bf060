"""Layers and models subclassed as Keras 3 writes them, on every backend and across switches.

The classes are written once against a namespace (`engine` or `keras`), so the same program
runs in both and Keras 3 is the reference for weight order and training.
"""

import numpy as np
import pytest

import engine
from engine import layers
from engine.errors import LayerConfigError, LayerShapeError


def guide_classes(ns):
    """The Keras guide's examples ("Making new layers and models via subclassing")."""

    class Linear(ns.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True, name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

        def call(self, inputs):
            return ns.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class MLPBlock(ns.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.linear_1 = Linear(8)
            self.linear_2 = Linear(8)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = ns.ops.relu(self.linear_1(inputs))
            x = ns.ops.relu(self.linear_2(x))
            return self.linear_3(x)

    class Classifier(ns.Model):
        def __init__(self, classes=3, rate=0.5, **kwargs):
            super().__init__(**kwargs)
            self.hidden = [ns.layers.Dense(8, activation="relu"), ns.layers.Dense(8)]
            self.dropout = ns.layers.Dropout(rate)
            self.out = ns.layers.Dense(classes)

        def call(self, inputs, training=None):
            x = inputs
            for layer in self.hidden:
                x = layer(x)
            return self.out(self.dropout(x))  # training reaches the dropout from the call

    return Linear, MLPBlock, Classifier


def tracking_model(ns):
    """Attributes of every kind Keras tracks, assigned in an order unlike the call's."""

    class Tracked(ns.Model):
        def __init__(self):
            super().__init__(name="tracked")
            self.head = ns.layers.Dense(2)
            self.blocks = [ns.layers.Dense(3), ns.layers.Dense(3, use_bias=False)]
            self.norms = {"batch": ns.layers.BatchNormalization(),
                          "layer": ns.layers.LayerNormalization()}
            self.scale = ns.Variable(np.full((3,), 0.5, "float32"), name="scale")

        def call(self, x, training=None):
            for block in self.blocks:
                x = block(x)
            x = self.norms["layer"](self.norms["batch"](x))
            return self.head(x * self.scale)

    return Tracked()


def net(ns):
    """A subclassed model of the guide's layers, to train in the engine and in Keras."""
    linear, mlp_block, _ = guide_classes(ns)

    class Net(ns.Model):
        def __init__(self):
            super().__init__()
            self.features, self.block = linear(6), mlp_block()

        def call(self, inputs):
            return self.block(ns.ops.tanh(self.features(inputs)))

    return Net()


def data(count=24, features=4, classes=3):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(count, features)).astype("float32")
    return x, rng.integers(0, classes, size=count).astype("int32")


# ------------------------------------------------------------------------------------ layers
def test_linear_layer_from_the_guide(backend_name):
    linear, _, _ = guide_classes(engine)
    layer = linear(units=4, name="lin")
    x = np.ones((2, 3), "float32")
    out = engine.backend.get_backend(backend_name).to_numpy(layer(x))
    w, b = layer.get_weights()
    assert [v.name for v in layer.weights] == ["lin/w", "lin/b"] and w.shape == (3, 4)
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-6)
    config = layer.get_config()
    assert config["units"] == 4 and config["name"] == "lin"
    assert linear.from_config({**config, "name": "copy"}).units == 4


def test_a_layer_with_weights_made_in_init_needs_no_build(backend_name):
    class Scale(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.factor = self.add_weight(shape=(2,), initializer="ones", name="factor")

        def call(self, inputs):
            return inputs * self.factor

    layer = Scale()
    assert layer.count_params() == 2
    out = engine.backend.get_backend(backend_name).to_numpy(layer(np.full((1, 2), 3.0)))
    np.testing.assert_allclose(out, [[3.0, 3.0]])


def test_add_weight_takes_keras_arguments_and_refuses_what_it_cannot_do():
    layer = layers.Layer(name="host")
    unnamed = layer.add_weight(shape=(2, 2))  # glorot_uniform, as in Keras
    counter = layer.add_weight(shape=(), dtype="int32", trainable=False)
    init = layer.add_weight(shape=(3,), initializer=lambda shape, dtype: np.arange(3.0))
    assert (unnamed.name, counter.name, counter.dtype) == ("host/variable", "host/variable_1",
                                                           "int32")
    np.testing.assert_array_equal(init.numpy(), [0.0, 1.0, 2.0])
    with pytest.raises(LayerConfigError, match="name by keyword"):
        layer.add_weight("kernel", (2, 2))
    penalised = layer.add_weight(shape=(2,), initializer="ones", regularizer="l2",
                                 constraint="non_neg")
    assert isinstance(penalised.constraint, engine.constraints.NonNeg)
    np.testing.assert_allclose([float(np.asarray(v)) for v in layer.losses], [0.02])
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        layer.add_weight(shape=(2,), regularizer="l3")


def test_mlp_block_tracks_its_nested_layers(backend_name):
    _, mlp_block, _ = guide_classes(engine)
    block = mlp_block()
    y = block(np.ones((3, 5), "float32"))
    assert engine.backend.get_backend(backend_name).shape(y) == (3, 1)
    assert [w.shape for w in block.weights] == [(5, 8), (8,), (8, 8), (8,), (8, 1), (1,)]
    assert len(block.trainable_weights) == 6 and block.count_params() == 129


def test_a_custom_layer_without_compute_output_shape_in_a_functional_model(backend_name):
    linear, mlp_block, _ = guide_classes(engine)
    i = layers.Input((4,))
    hidden = linear(6)(i)
    assert hidden.shape == (None, 6)
    out = mlp_block()(layers.Dense(5)(hidden))
    model = engine.Model(i, out)
    assert model.outputs[0].shape == (None, 1)
    before = [w.copy() for w in model.get_weights()]
    model.compile("sgd", "mse")
    x, _ = data()
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_call_that_fails_on_zeros_names_the_class_and_line_and_changes_nothing():
    class Broken(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

        def call(self, inputs):
            return engine.ops.matmul(inputs, engine.ops.transpose(self.w))  # wrong shape

    layer = Broken()
    with pytest.raises(LayerShapeError, match=r"\(Broken\).*test_subclassing\.py:\d+") as caught:
        layer(layers.Input((3,)))
    assert "compute_output_shape" in str(caught.value)
    assert not layer.built and layer.weights == []


# ------------------------------------------------------------------------------------ models
def test_a_subclassed_model_trains_predicts_and_reports(backend_name):
    _, _, classifier = guide_classes(engine)
    model = classifier(name="clf")
    x, y = data()
    model.compile(optimizer="adam", loss=engine.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and model.built
    assert model.predict(x, batch_size=8).shape == (24, 3)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dropout", "dense_2"]
    assert model.count_params() == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3
    lines = []
    model.summary(print_fn=lines.append)
    assert "dense_2 (Dense)" in lines[0] and "Total params: 139" in lines[0]


def test_dropout_follows_the_training_flag_of_the_model_call(backend_name):
    _, _, classifier = guide_classes(engine)
    model = classifier(rate=0.9)
    x, _ = data(count=16)
    backend = engine.backend.get_backend(backend_name)
    inference = backend.to_numpy(model(x))
    np.testing.assert_allclose(backend.to_numpy(model(x, training=False)), inference)
    np.testing.assert_allclose(model.predict(x), inference, rtol=1e-5, atol=1e-6)
    assert not np.allclose(backend.to_numpy(model(x, training=True)), inference)


class DropoutWhenTraining(engine.Model):
    """The subclassing guide's pattern: a layer reached only under `if training:`."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.out = layers.Dense(1)

    def call(self, x, training=False):
        x = self.hidden(x)
        if training:
            x = self.dropout(x, training=training)
        return self.out(x)


@pytest.mark.parametrize("built_first", [False, True], ids=["unbuilt", "predicted-first"])
def test_a_layer_only_training_reaches_is_built_before_the_compiled_step(backend_name,
                                                                          built_first):
    x, _ = data(count=16)
    y = np.ones((16, 1), "float32")
    model = DropoutWhenTraining()
    model.compile("adam", "mse")
    if built_first:
        model.predict(x, verbose=0)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
    other = "numpy" if backend_name != "numpy" else "jax"
    if other in engine.backend.available_backends():
        with engine.backend.using(other):  # every Variable holds a value, none a tracer
            model.fit(x, y, epochs=1, batch_size=8, verbose=0)


def test_a_subclassed_model_nests_in_a_functional_model(backend_name):
    _, _, classifier = guide_classes(engine)
    inner = classifier()
    i = layers.Input((4,))
    model = engine.Model(i, layers.Activation("softmax")(inner(i)))
    assert model.outputs[0].shape == (None, 3) and model.count_params() == 139
    x, _ = data(count=4)
    logits = inner.predict(x)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)


def test_build_with_an_input_shape_makes_the_weights():
    _, _, classifier = guide_classes(engine)
    model = classifier()
    model.build((None, 4))
    assert model.built and [w.shape for w in model.weights][0] == (4, 8)
    assert model.count_params() == 139


def test_weights_round_trip_through_get_and_set_weights(backend_name):
    _, _, classifier = guide_classes(engine)
    x, _ = data()
    source, copy = classifier(), classifier()
    source.build((None, 4))
    copy.build((None, 4))
    copy.set_weights(source.get_weights())
    np.testing.assert_allclose(copy.predict(x), source.predict(x), rtol=1e-6)


def test_a_wbm_file_holds_a_subclassed_models_call_as_a_graph(tmp_path):
    _, _, classifier = guide_classes(engine)
    model = classifier()
    model.build((None, 4))
    model.save(tmp_path / "model.wbm")  # tests/models/test_subclassed_graph.py has the rest
    x, _ = data()
    loaded = engine.models.load_model(tmp_path / "model.wbm")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


def test_a_model_without_call_says_to_define_it():
    class NoCall(engine.Model):
        pass

    with pytest.raises(LayerShapeError, match="must define call"):
        NoCall()(np.ones((1, 2), "float32"))


# ----------------------------------------------------------------------- backend switching
def test_a_switch_mid_fit_continues_exactly(backend_name):
    x, y = data(count=96)
    _, _, classifier = guide_classes(engine)

    def trained(callbacks=()):
        engine.set_backend("numpy")
        engine.set_random_seed(1)
        model = classifier(rate=0.0)
        model.compile("adam", engine.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, batch_size=16, shuffle=False, verbose=0, callbacks=list(callbacks))
        return model

    class SwitchAfterThreeSteps(engine.training.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                engine.set_backend(backend_name)

    straight, switched = trained(), trained([SwitchAfterThreeSteps()])
    assert switched.backend.name == backend_name
    assert int(switched.optimizer.iterations.numpy()) == 6
    for a, b in zip(straight.get_weights(), switched.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------- Keras 3 parity
def test_tracked_weights_come_in_keras_order():
    keras = pytest.importorskip("keras")
    ours, theirs = tracking_model(engine), tracking_model(keras)
    x = np.ones((2, 4), "float32")
    ours(x), theirs(x)

    def described(model):
        return ([(tuple(w.shape), w.name.split("/")[-1]) for w in model.weights],
                [tuple(w.shape) for w in model.trainable_weights])

    assert described(ours) == described(theirs)
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_from_the_same_weights_reaches_keras_weights(backend_name, optimizer):
    keras = pytest.importorskip("keras")
    x, y = data(count=32)
    ours, theirs = net(engine), net(keras)
    ours(x[:2]), theirs(x[:2])
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)
    target = y[:, None].astype("float32")
    ours.compile(optimizer, "mse")
    theirs.compile(optimizer, "mse")
    ours.fit(x, target, batch_size=8, shuffle=False, verbose=0)
    theirs.fit(x, target, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
