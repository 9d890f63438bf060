"""Small models, each built around one engine layer (and its variants), with sample inputs.

`MODELS[name]()` -> (model, inputs). Every layer in engine.layers.LAYERS appears in at least
one model; weights are perturbed so zero biases or unit statistics hide nothing.
"""

from __future__ import annotations

import numpy as np

import engine
from engine import layers as L

BATCH = 2


def _floats(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=(BATCH, *shape)).astype("float32")


def perturb(model, seed=1):
    """Every weight moved off its initial value; variances stay positive."""
    rng = np.random.default_rng(seed)
    values = []
    for variable, value in zip(model.weights, model.get_weights()):
        if variable.name.endswith("moving_variance"):
            values.append(rng.uniform(0.5, 1.5, value.shape).astype(value.dtype))
        else:
            values.append((value + 0.3 * rng.normal(size=value.shape)).astype(value.dtype))
    model.set_weights(values)
    return model


def dense():
    i = L.Input((5,))
    x = L.Dense(4, activation="relu")(i)
    return engine.Model(i, L.Dense(3, use_bias=False)(x)), _floats(5)


def conv1d():
    i = L.Input((8, 3))
    x = L.Conv1D(4, 3, padding="same", activation="tanh")(i)
    x = L.Conv1D(3, 2, strides=2, padding="same")(x)
    return engine.Model(i, L.Conv1D(2, 2, dilation_rate=2, use_bias=False)(x)), _floats(8, 3)


def conv2d():
    i = L.Input((7, 7, 2))
    x = L.Conv2D(3, 3, strides=2, padding="same")(i)
    x = L.Conv2D(2, 2, padding="same", dilation_rate=2, activation="silu")(x)
    return engine.Model(i, L.Conv2D(2, (2, 1))(x)), _floats(7, 7, 2)


def max_pooling2d():
    i = L.Input((7, 7, 2))
    x = L.MaxPooling2D(3, strides=2, padding="same")(i)
    return engine.Model(i, L.MaxPooling2D(2)(x)), _floats(7, 7, 2)


def average_pooling2d():
    i = L.Input((7, 7, 2))
    x = L.AveragePooling2D(3, strides=2, padding="same")(i)
    y = L.AveragePooling2D(2, strides=1, padding="same")(i)
    return engine.Model(i, [L.AveragePooling2D(2)(x), y]), _floats(7, 7, 2)


def global_average_pooling2d():
    i = L.Input((4, 3, 2))
    outputs = [L.GlobalAveragePooling2D()(i), L.GlobalAveragePooling2D(keepdims=True)(i)]
    return engine.Model(i, outputs), _floats(4, 3, 2)


def global_pooling():
    """Global average and max pooling in 1, 2 and 3 dimensions (Keras's test holds it too)."""
    steps, image, volume = L.Input((5, 3)), L.Input((4, 3, 2)), L.Input((3, 2, 2, 2))
    outputs = [L.GlobalAveragePooling1D()(steps), L.GlobalMaxPooling1D(keepdims=True)(steps),
               L.GlobalMaxPooling2D()(image), L.GlobalMaxPooling2D(keepdims=True)(image),
               L.GlobalAveragePooling3D(keepdims=True)(volume), L.GlobalMaxPooling3D()(volume)]
    inputs = [_floats(5, 3), _floats(4, 3, 2, seed=1), _floats(3, 2, 2, 2, seed=2)]
    return engine.Model([steps, image, volume], outputs), inputs


def flatten():
    i = L.Input((3, 2, 2))
    return engine.Model(i, L.Dense(2)(L.Flatten()(i))), _floats(3, 2, 2)


def reshape():
    i = L.Input((12,))
    x = L.Reshape((3, 4))(i)
    return engine.Model(i, L.Reshape((-1, 2))(x)), _floats(12)


def dropout():
    i = L.Input((4,))
    x = L.Dropout(0.5)(L.Dense(3)(i))
    return engine.Model(i, L.Dense(2)(x)), _floats(4)


def batch_normalization():
    i = L.Input((4, 3))
    x = L.BatchNormalization()(i)
    x = L.BatchNormalization(axis=1, center=False)(x)
    return engine.Model(i, L.BatchNormalization(scale=False)(x)), _floats(4, 3)


def layer_normalization():
    i = L.Input((4, 3))
    x = L.LayerNormalization()(i)
    x = L.LayerNormalization(axis=1, scale=False)(x)
    return engine.Model(i, L.LayerNormalization(axis=[1, 2], center=False)(x)), _floats(4, 3)


def embedding():
    i = L.Input((5,), dtype="int32")
    ids = np.random.default_rng(0).integers(0, 10, (BATCH, 5)).astype("int32")
    return engine.Model(i, L.Embedding(10, 3)(i)), ids


def activation():
    i = L.Input((6,))
    outputs = [L.Activation(name)(i) for name in engine.activations.NAMES]
    outputs.append(L.Dense(4, activation="mish")(L.Dense(6, activation="sparsemax")(i)))
    return engine.Model(i, outputs), _floats(6)


def activation_layers():
    i = L.Input((3, 4))
    relus = [L.ReLU()(i), L.ReLU(max_value=6.0)(i), L.ReLU(negative_slope=0.1)(i),
             L.ReLU(max_value=1.0, negative_slope=0.2, threshold=0.3)(i)]
    others = [L.LeakyReLU()(i), L.ELU(alpha=0.5)(i), L.Softmax()(i), L.Softmax(axis=1)(i),
              L.Softmax(axis=[1, 2])(i), L.PReLU()(i), L.PReLU(shared_axes=1)(i)]
    return engine.Model(i, relus + others), 2 * _floats(3, 4)


def merging():
    a, b = L.Input((2, 3)), L.Input((4, 3))
    c = L.Dense(3)(a)
    added = L.Add()([a, c, a])
    multiplied = L.Multiply()([a, c])
    joined = L.Concatenate(axis=1)([added, b, multiplied])
    return engine.Model([a, b], L.Concatenate()([joined, joined])), [_floats(2, 3),
                                                                     _floats(4, 3, seed=1)]


def multi_head_attention():
    q, v, k = L.Input((4, 6)), L.Input((5, 6)), L.Input((5, 4))
    x = L.MultiHeadAttention(num_heads=2, key_dim=3)(q, v)
    y = L.MultiHeadAttention(num_heads=3, key_dim=2, output_shape=5, use_bias=False)(x, v, k)
    inputs = [_floats(4, 6), _floats(5, 6, seed=1), _floats(5, 4, seed=2)]
    return engine.Model([q, v, k], y), inputs


def multi_head_attention_value_dim():
    q = L.Input((4, 6))
    x = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5)(q, q)
    return engine.Model(q, x), _floats(4, 6)


def simple_rnn():
    i = L.Input((5, 3))
    x = L.SimpleRNN(4, activation="relu", return_sequences=True)(i)
    return engine.Model(i, L.SimpleRNN(3, go_backwards=True)(x)), _floats(5, 3)


def lstm():
    i = L.Input((5, 3))
    x, h, c = L.LSTM(4, return_sequences=True, return_state=True)(i)
    y = L.LSTM(3, go_backwards=True, use_bias=False)(x)
    return engine.Model(i, [y, h, c]), _floats(5, 3)


def gru():
    i = L.Input((5, 3))
    x = L.GRU(4, return_sequences=True, go_backwards=True)(i)
    y, h = L.GRU(3, return_state=True)(x)
    return engine.Model(i, [y, h]), _floats(5, 3)


def gru_reset_before():
    i = L.Input((5, 3))
    return engine.Model(i, L.GRU(3, reset_after=False, return_sequences=True)(i)), _floats(5, 3)


def recurrent_gelu():
    i = L.Input((5, 3))
    x = L.LSTM(3, activation="gelu", recurrent_activation="tanh", return_sequences=True)(i)
    x = L.GRU(3, activation="silu", reset_after=False, go_backwards=True, return_sequences=True)(x)
    x, h = L.GRU(3, recurrent_activation="relu", return_state=True)(x)
    return engine.Model(i, [L.SimpleRNN(2, activation="linear")(L.Reshape((1, 3))(x)), h]), \
        _floats(5, 3)


def variable_length():
    """Every activation, by name, as a layer and inside another layer."""
    i = L.Input((None, 3))
    x = L.Conv1D(4, 3, strides=2, padding="same")(i)
    return engine.Model(i, L.LSTM(2)(x)), _floats(7, 3)


def shared_layer():
    a, b = L.Input((4,)), L.Input((4,))
    shared = L.Dense(3, activation="tanh")
    return engine.Model([a, b], [shared(a), shared(b)]), [_floats(4), _floats(4, seed=1)]


def sequential():
    model = engine.Sequential([L.Input((6,)), L.Dense(5, activation="relu"), L.Dropout(0.2),
                               L.Dense(2, activation="softmax")])
    return model, _floats(6)


def resizing():
    a, b = L.Input((4, 3, 2)), L.Input((5,))
    x = L.UpSampling2D((2, 3))(L.ZeroPadding2D(((1, 0), (2, 1)))(a))
    y = L.UpSampling2D(interpolation="bilinear")(L.Cropping2D(((1, 2), (0, 1)))(x))
    y = L.Permute((2, 1, 3))(y)
    z = L.RepeatVector(3)(L.Dense(2)(b))
    z = L.Cropping1D((1, 0))(L.UpSampling1D(3)(L.ZeroPadding1D((2, 1))(z)))
    return engine.Model([a, b], [y, L.Permute((2, 1))(z)]), [_floats(4, 3, 2), _floats(5)]


MODELS = {f.__name__: f for f in (
    dense, conv1d, conv2d, max_pooling2d, average_pooling2d, global_average_pooling2d,
    global_pooling, flatten,
    reshape, dropout, batch_normalization, layer_normalization, embedding, activation,
    activation_layers, merging,
    multi_head_attention, multi_head_attention_value_dim, simple_rnn, lstm, gru,
    gru_reset_before, recurrent_gelu, variable_length, shared_layer, sequential,
    resizing,
)}

def vision():
    i = L.Input((7, 7, 2))
    x = L.Conv2D(3, 3, strides=2, padding="same", activation="relu")(i)
    x = L.MaxPooling2D(2, padding="same")(L.BatchNormalization()(x))
    y = L.GlobalAveragePooling2D()(L.AveragePooling2D(3, strides=2, padding="same")(i))
    x = L.Dense(2)(L.Dropout(0.5)(L.Flatten()(x)))
    return engine.Model(i, [x, y]), _floats(7, 7, 2)


def sequence():
    i = L.Input((5,), dtype="int32")
    x = L.Embedding(10, 6)(i)
    x = L.LayerNormalization()(L.MultiHeadAttention(num_heads=2, key_dim=3)(x, x))
    x, h, _ = L.LSTM(4, return_sequences=True, return_state=True)(x)
    x = L.GRU(3, go_backwards=True, return_sequences=True)(x)
    x = L.GRU(3, reset_after=False, return_sequences=True)(x)
    ids = np.random.default_rng(0).integers(0, 10, (BATCH, 5)).astype("int32")
    return engine.Model(i, [L.SimpleRNN(2)(x), h]), ids


def mixing():
    a, b = L.Input((6,)), L.Input((6,))
    shared = L.Dense(6, activation="tanh")
    x = L.Multiply()([L.Add()([shared(a), shared(b)]), a])
    x = L.Conv1D(2, 2, padding="same")(L.Reshape((3, 2))(x))
    x = L.Activation("gelu")(L.Concatenate()([x, L.Reshape((3, 2))(b)]))
    return engine.Model([a, b], x), [_floats(6), _floats(6, seed=1)]


# Keras builds are slow on JAX (each initializer compiles), so its tests take these few
# models, which between them hold every layer.
KERAS_MODELS = {f.__name__: f for f in (
    global_pooling, vision, sequence, mixing, sequential, activation_layers, resizing,
)}

# Models that a target cannot express, and the words its ExportError must contain.
UNSUPPORTED = {
    ("torch", "variable_length"): "known spatial sizes",
}


def build(name):
    model, inputs = {**MODELS, **KERAS_MODELS}[name]()
    return perturb(model), inputs


def layer_classes(name) -> set:
    model, _ = {**MODELS, **KERAS_MODELS}[name]()
    return {type(layer).__name__ for layer in model.layers} | {"InputLayer"}
