"""Sequential as Keras 3 has it, with Keras 3 as the reference: the same program, built the
same way and given the same weights, predicts, extracts features and trains the same on every
backend."""

import functools

import numpy as np
import pytest

import engine

keras = pytest.importorskip("keras")


def mlp(ns):
    return [ns.layers.Dense(8, activation="relu"), ns.layers.Dropout(0.5), ns.layers.Dense(3)]


def cnn(ns):
    return [
        ns.layers.Conv2D(4, 3, activation="relu"),
        ns.layers.MaxPooling2D(2),
        ns.layers.Flatten(),
        ns.layers.Dense(2, activation="softmax"),
    ]


def sequence(ns):
    return [ns.layers.Embedding(10, 4), ns.layers.Flatten(), ns.layers.Dense(1)]


ARCHITECTURES = {  # layers, one input row's shape, its dtype
    "mlp": (mlp, (5,), "float32"),
    "cnn": (cnn, (8, 8, 1), "float32"),
    "sequence": (sequence, (6,), "int32"),
}


def stacked_with_add(ns, layers, x):
    model = ns.Sequential()
    for layer in layers:
        model.add(layer)
    model.build((None, *x.shape[1:]))
    return model


def input_added_first(ns, layers, x):
    model = ns.Sequential()
    model.add(ns.Input(x.shape[1:], dtype=str(x.dtype)))
    for layer in layers:
        model.add(layer)
    return model


def built_on_first_call(ns, layers, x):
    model = ns.Sequential(layers)
    model(x[:2])
    return model


CONSTRUCTIONS = {
    "add then build": stacked_with_add,
    "Input added first": input_added_first,
    "first call": built_on_first_call,
}


def sample(row, dtype, count=4):
    rng = np.random.default_rng(5)
    if dtype == "int32":
        return rng.integers(0, 10, (count, *row)).astype("int32")
    return rng.normal(size=(count, *row)).astype("float32")


def predicted(model, x):
    out = model.predict(x)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def called(keras_model, x):
    """Keras's outputs by an eager call: the small models here need no compiled predict."""
    out = keras_model(x)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def assert_same(ours, theirs, tolerance=1e-5):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance)


@functools.cache
def keras_model(architecture, construction):
    """Built once for all backends: each test gives it the engine model's weights."""
    layers, row, dtype = ARCHITECTURES[architecture]
    return CONSTRUCTIONS[construction](keras, layers(keras), sample(row, dtype))


def pair(architecture, construction):
    """The same Sequential in the engine and in Keras, Keras holding the engine's weights."""
    layers, row, dtype = ARCHITECTURES[architecture]
    x = sample(row, dtype)
    ours = CONSTRUCTIONS[construction](engine, layers(engine), x)
    theirs = keras_model(architecture, construction)
    theirs.set_weights(ours.get_weights())
    return ours, theirs, x


@pytest.mark.parametrize(
    "architecture, construction",
    [("mlp", name) for name in CONSTRUCTIONS] + [("cnn", "add then build"),
                                                ("sequence", "first call")],
)
def test_same_weights_same_predictions_as_keras(backend_name, architecture, construction):
    ours, theirs, x = pair(architecture, construction)
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert (ours.input_shape[1:], ours.output_shape[1:]) == (
        theirs.input_shape[1:], theirs.output_shape[1:])
    assert_same(predicted(ours, x), called(theirs, x))


def test_feature_extraction_predicts_as_keras(backend_name):
    """The Sequential guide's feature extractor: every layer's output from the model's input."""
    ours, theirs, x = pair("cnn", "Input added first")

    def extractor(ns, model):
        return ns.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])

    features, reference = extractor(engine, ours), extractor(keras, theirs)
    expected = called(reference, [x])  # Keras warns when a list of one input is given bare
    assert_same(predicted(features, x), expected)  # the engine takes it either way
    assert_same([np.asarray(f) for f in features([x])], expected)


def start_from_seed(ns):
    """A callback for either namespace: once fit has built the model, weights drawn from one
    seed in the model's own shapes, so the engine and Keras start from the same point."""

    class StartFromSeed(ns.callbacks.Callback):
        def on_train_begin(self, logs=None):
            rng = np.random.default_rng(9)
            self.model.set_weights([rng.normal(0, 0.4, w.shape).astype("float32")
                                    for w in self.model.get_weights()])

    return StartFromSeed()


def deferred_fit_losses(ns):
    """Compiled and fit before any call: the model is built on the first batch."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    model = ns.Sequential()
    model.add(ns.layers.Dense(3, activation="tanh"))
    model.add(ns.layers.Dense(1))
    model.compile("adam", "mse")
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                        callbacks=[start_from_seed(ns)])
    assert model.built
    return history.history["loss"]


@functools.cache
def keras_losses():
    return deferred_fit_losses(keras)


def test_deferred_build_trains_as_keras(backend_name):
    np.testing.assert_allclose(deferred_fit_losses(engine), keras_losses(), rtol=1e-4)
