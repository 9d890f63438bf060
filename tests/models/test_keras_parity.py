"""Whole models: the same weights give the same outputs on every backend and in Keras 3."""

import numpy as np
import pytest

import engine

keras = pytest.importorskip("keras")


def cnn(ns):
    i = ns.layers.Input((28, 28, 1))
    x = ns.layers.Conv2D(16, 3, padding="same", activation="relu")(i)
    x = ns.layers.MaxPooling2D(2)(x)
    x = ns.layers.Conv2D(8, 3, strides=2, activation="gelu")(x)
    x = ns.layers.BatchNormalization()(x)
    x = ns.layers.Flatten()(x)
    x = ns.layers.Dropout(0.5)(x)
    return (i, ns.layers.Dense(10, activation="softmax")(x)), (1, 28, 28, 1), "float32"


def branching(ns):
    a, b = ns.layers.Input((6,)), ns.layers.Input((6,))
    shared = ns.layers.Dense(5, activation="tanh")
    x = ns.layers.Concatenate()([shared(a), shared(b), ns.layers.Multiply()([a, b])])
    x = ns.layers.LayerNormalization()(x)
    return (
        ([a, b], [ns.layers.Dense(2)(x), ns.layers.Add()([shared(a), shared(b)])]),
        [(1, 6), (1, 6)],
        "float32",
    )


def sequence(ns):
    i = ns.layers.Input((7,), dtype="int32")
    x = ns.layers.Embedding(20, 8)(i)
    x = ns.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    x = ns.layers.LSTM(6, return_sequences=True)(x)
    x = ns.layers.GRU(5)(x)
    return (i, ns.layers.Dense(3, activation="sigmoid")(x)), (1, 7), "int32"


def pooling(ns):
    i = ns.layers.Input((9, 9, 3))
    x = ns.layers.AveragePooling2D(2, padding="same")(i)
    x = ns.layers.Conv1D(4, 2, dilation_rate=2)(ns.layers.Reshape((25, 3))(x))
    x = ns.layers.SimpleRNN(4)(x)
    y = ns.layers.GlobalAveragePooling2D()(ns.layers.Conv2D(3, 1, activation="leaky_relu")(i))
    return (
        (i, ns.layers.Activation("silu")(ns.layers.Concatenate()([x, y]))),
        (1, 9, 9, 3),
        "float32",
    )


ARCHITECTURES = {"cnn": cnn, "branching": branching, "sequence": sequence, "pooling": pooling}


def sample(shapes, dtype, batch=4):
    rng = np.random.default_rng(3)
    shapes = shapes if isinstance(shapes, list) else [shapes]
    if dtype == "int32":
        data = [rng.integers(0, 20, (batch, *s[1:])).astype("int32") for s in shapes]
    else:
        data = [rng.normal(size=(batch, *s[1:])).astype("float32") for s in shapes]
    return data if len(data) > 1 else data[0]


def as_list(outputs):
    return outputs if isinstance(outputs, list) else [outputs]


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_same_weights_same_outputs_as_keras_and_across_backends(architecture, backend_name):
    build = ARCHITECTURES[architecture]
    (inputs, outputs), shapes, dtype = build(engine)
    model = engine.Model(inputs, outputs)
    (k_inputs, k_outputs), _, _ = build(keras)
    reference = keras.Model(k_inputs, k_outputs)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [tuple(w.shape) for w in reference.get_weights()]
    reference.set_weights(weights)
    x = sample(shapes, dtype)
    expected = [np.asarray(o) for o in as_list(reference.predict(x, verbose=0))]
    for ours, theirs in zip(as_list(model.predict(x)), expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
