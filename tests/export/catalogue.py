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
        if variable.name.endswith("variance"):
            values.append(rng.uniform(0.5, 1.5, value.shape).astype(value.dtype))
        else:
            values.append((value + 0.3 * rng.normal(size=value.shape)).astype(value.dtype))
    model.set_weights(values)
    return model


def dense():
    i = L.Input((5,))
    x = L.Dense(4, activation="relu")(i)
    return engine.Model(i, L.Dense(3, use_bias=False)(x)), _floats(5)


def lambda_layer():
    """A Lambda: its function is Python, which every export refuses (UNSUPPORTED)."""
    i = L.Input((5,))
    return engine.Model(i, L.Dense(3)(L.Lambda(lambda x: x * 2.0)(i))), _floats(5)


def spectral_normalization():
    """Wrapped Dense and Conv2D: in inference each computes as its layer does."""
    i = L.Input((5, 5, 2))
    x = L.SpectralNormalization(L.Conv2D(3, 2, activation="relu"), power_iterations=2)(i)
    x = L.SpectralNormalization(L.Dense(4))(L.Flatten()(x))
    return engine.Model(i, x), _floats(5, 5, 2)


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


def conv_transpose1d():
    i = L.Input((6, 3))
    x = L.Conv1DTranspose(4, 3, strides=2, padding="same", activation="relu")(i)
    x = L.Conv1DTranspose(2, 2, strides=2, output_padding=1)(x)
    x = L.Conv1DTranspose(2, 3, dilation_rate=2, use_bias=False)(x)
    return engine.Model(i, L.Conv1DTranspose(2, 4, strides=3, padding="same")(x)), _floats(6, 3)


def conv_transpose2d():
    i = L.Input((4, 3, 2))
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same")(i)
    x = L.Conv2DTranspose(2, (2, 3), strides=(1, 2), padding="same", output_padding=(0, 1),
                          activation="tanh")(x)
    return engine.Model(i, L.Conv2DTranspose(2, 3, strides=3)(x)), _floats(4, 3, 2)


def convolution3d():
    i = L.Input((3, 4, 4, 2))
    x = L.Conv3D(4, 2, padding="same", groups=2)(i)
    x = L.Conv3DTranspose(2, 2, strides=2, padding="same", activation="relu")(x)
    return engine.Model(i, L.Conv3D(2, 3, strides=2, use_bias=False)(x)), _floats(3, 4, 4, 2)


def separable_convolution():
    a, b = L.Input((8, 4)), L.Input((6, 5, 4))
    x = L.DepthwiseConv1D(3, strides=2, padding="same")(a)
    x = L.SeparableConv1D(4, 2, depth_multiplier=2, use_bias=False)(x)
    x = L.Conv1D(4, 3, groups=2, padding="same")(x)
    y = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu")(b)
    y = L.SeparableConv2D(3, 2, strides=2, padding="same")(y)
    y = L.DepthwiseConv2D(2, padding="same", dilation_rate=2, use_bias=False)(y)
    y = L.Conv2D(6, 1, groups=3)(L.SeparableConv2D(3, (1, 2), dilation_rate=(1, 2))(y))
    return engine.Model([a, b], [x, y]), [_floats(8, 4), _floats(6, 5, 4, seed=1)]


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


def adaptive_pooling():
    """Adaptive average and max pooling in 1, 2 and 3 dimensions, windows that overlap."""
    steps, image, volume = L.Input((7, 3)), L.Input((5, 6, 2)), L.Input((3, 5, 4, 2))
    outputs = [L.AdaptiveAveragePooling1D(3)(steps), L.AdaptiveMaxPooling1D(4)(steps),
               L.AdaptiveAveragePooling2D((2, 4))(image), L.AdaptiveMaxPooling2D(3)(image),
               L.AdaptiveAveragePooling3D((2, 3, 3))(volume),
               L.AdaptiveMaxPooling3D((2, 2, 3))(volume)]
    inputs = [_floats(7, 3), _floats(5, 6, 2, seed=1), _floats(3, 5, 4, 2, seed=2)]
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


def regularization_layers():
    i = L.Input((2, 3, 2, 2))
    x = L.Reshape((6, 2, 2))(L.SpatialDropout3D(0.5)(i))
    x = L.Reshape((12, 2))(L.SpatialDropout2D(0.5)(x))
    x = L.GaussianDropout(0.3)(L.GaussianNoise(0.2)(L.SpatialDropout1D(0.5)(x)))
    x = L.ActivityRegularization(0.01, 0.02)(L.AlphaDropout(0.2)(x))
    return engine.Model(i, L.Dense(2)(L.Flatten()(x))), _floats(2, 3, 2, 2)


def normalization_layers():
    i = L.Input((3, 4, 6))
    x = L.GroupNormalization(groups=3)(L.UnitNormalization(axis=[1, 3])(i))
    x = L.GroupNormalization(groups=-1, axis=2, center=False)(x)
    x = L.RMSNormalization(axis=[2, 3])(L.RMSNormalization()(x))
    return engine.Model(i, L.GroupNormalization(3, axis=1, scale=False)(x)), _floats(3, 4, 6)


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


def reversible_embedding():
    """ReversibleEmbedding called forwards (a graph keeps no reverse=True): Embedding's
    lookup, with and without its own reverse table."""
    i = L.Input((5,), dtype="int32")
    ids = np.random.default_rng(0).integers(0, 10, (BATCH, 5)).astype("int32")
    tied = L.ReversibleEmbedding(10, 3, name="tied")
    # "zeros": the generated JAX code writes each weight's initializer on one line, which a
    # uniform reverse_embeddings would make too long
    untied = L.ReversibleEmbedding(10, 2, tie_weights=False, embeddings_initializer="zeros",
                                   name="untied")
    return engine.Model(i, [tied(i), untied(i)]), ids


def masking():
    """Masking's outputs; its mask goes nowhere that uses it, so every target exports it."""
    i = L.Input((4, 3))
    data = _floats(4, 3)
    data[0, 1], data[1, 3] = 0.0, 0.0  # padded steps
    return engine.Model(i, L.Dense(2)(L.Masking()(i))), data


def masked_sequence():
    """Layers that use masks: Keras and engine code keep them; other targets refuse them
    (UNSUPPORTED), as their code would compute other numbers."""
    ids_in, steps_in = L.Input((5,), dtype="int32"), L.Input((5, 3))
    x = L.LSTM(3, return_sequences=True)(L.Embedding(10, 4, mask_zero=True)(ids_in))
    y = L.Dense(3)(L.Masking()(steps_in))
    ids = np.random.default_rng(0).integers(1, 10, (BATCH, 5)).astype("int32")
    ids[0, 3:], ids[1, 4:] = 0, 0
    steps = _floats(5, 3)
    steps[:, 0] = 0.0
    outputs = [L.GlobalAveragePooling1D()(x), L.GlobalAveragePooling1D()(y)]
    return engine.Model([ids_in, steps_in], outputs), [ids, steps]


def activation():
    """Every activation, by name, as a layer and inside another layer."""
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


def attention_layers():
    q, v, k = L.Input((4, 6)), L.Input((5, 6)), L.Input((5, 6))
    x = L.Attention()([q, v])
    x = L.Attention(use_scale=True)([x, v, k])
    x = L.Attention(use_scale=True, score_mode="concat")([x, v])
    y = L.AdditiveAttention()([x, v, k])
    z = L.AdditiveAttention(use_scale=False)([q, k])
    inputs = [_floats(4, 6), _floats(5, 6, seed=1), _floats(5, 6, seed=2)]
    return engine.Model([q, v, k], [y, z]), inputs


def group_query_attention():
    q, v, k = L.Input((4, 6)), L.Input((5, 6)), L.Input((5, 3))
    x = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)(q, v)
    y = L.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=1,
                              use_bias=False)(x, v, k)
    inputs = [_floats(4, 6), _floats(5, 6, seed=1), _floats(5, 3, seed=2)]
    return engine.Model([q, v, k], y), inputs


def simple_rnn():
    i = L.Input((5, 3))
    x = L.SimpleRNN(4, activation="relu", return_sequences=True, dropout=0.2,
                    recurrent_dropout=0.1)(i)  # dropout: training only, not exported
    return engine.Model(i, L.SimpleRNN(3, go_backwards=True)(x)), _floats(5, 3)


def lstm():
    i = L.Input((5, 3))
    x, h, c = L.LSTM(4, return_sequences=True, return_state=True)(i)
    y = L.LSTM(3, go_backwards=True, use_bias=False, dropout=0.2, recurrent_dropout=0.2)(x)
    return engine.Model(i, [y, h, c]), _floats(5, 3)


def gru():
    i = L.Input((5, 3))
    x = L.GRU(4, return_sequences=True, go_backwards=True)(i)
    y, h = L.GRU(3, return_state=True)(x)
    return engine.Model(i, [y, h]), _floats(5, 3)


def gru_reset_before():
    i = L.Input((5, 3))
    return engine.Model(i, L.GRU(3, reset_after=False, return_sequences=True,
                                 recurrent_dropout=0.2)(i)), _floats(5, 3)


def conv_lstm():
    """ConvLSTM1D/2D/3D: "same" and strided padding, dilation, states, backwards, no bias."""
    i = L.Input((3, 5, 5, 2))
    x, h, c = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)(i)
    y = L.ConvLSTM1D(2, 3, strides=2, padding="same", go_backwards=True, use_bias=False,
                     activation="relu", recurrent_activation="tanh", dropout=0.2,
                     recurrent_dropout=0.2)(L.Reshape((3, 25, 3))(x))
    z = L.ConvLSTM3D(1, 2, dilation_rate=2, return_sequences=True)(
        L.Reshape((3, 5, 5, 3, 1))(x))
    return engine.Model(i, [y, z, h, c]), _floats(3, 5, 5, 2)


def bidirectional_conv_lstm():
    i = L.Input((3, 5, 5, 2))
    x = L.Bidirectional(L.ConvLSTM2D(2, 3, padding="same", return_sequences=True))(i)
    return engine.Model(i, L.Bidirectional(L.ConvLSTM2D(2, 3), merge_mode="ave")(x)), \
        _floats(3, 5, 5, 2)


def recurrent_gelu():
    i = L.Input((5, 3))
    x = L.LSTM(3, activation="gelu", recurrent_activation="tanh", return_sequences=True)(i)
    x = L.GRU(3, activation="silu", reset_after=False, go_backwards=True, return_sequences=True)(x)
    x, h = L.GRU(3, recurrent_activation="relu", return_state=True)(x)
    return engine.Model(i, [L.SimpleRNN(2, activation="linear")(L.Reshape((1, 3))(x)), h]), \
        _floats(5, 3)


def rnn_cells():
    i = L.Input((5, 3))
    x = L.RNN(L.LSTMCell(4, dropout=0.2), return_sequences=True)(i)
    y, h = L.RNN(L.GRUCell(3, reset_after=False), return_state=True, go_backwards=True)(x)
    z = L.RNN(L.SimpleRNNCell(2, activation="relu"))(x)
    return engine.Model(i, [y, h, z]), _floats(5, 3)


def stacked_rnn_cells():
    i = L.Input((5, 3))
    return engine.Model(i, L.RNN([L.LSTMCell(4), L.GRUCell(3)])(i)), _floats(5, 3)


def bidirectional():
    i = L.Input((5, 3))
    x = L.Bidirectional(L.LSTM(4, return_sequences=True))(i)
    y, *states = L.Bidirectional(L.GRU(3, return_state=True), merge_mode="sum")(x)
    ahead, behind = L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode=None)(x)
    z = L.Bidirectional(L.RNN(L.LSTMCell(2)), merge_mode="ave")(x)
    return engine.Model(i, [y, *states, ahead, behind, z]), _floats(5, 3)


def time_distributed():
    i = L.Input((5, 4, 2))
    x = L.TimeDistributed(L.Conv1D(3, 2, activation="relu"))(i)
    y = L.TimeDistributed(L.Dense(2, use_bias=False))(L.Reshape((5, 9))(x))
    return engine.Model(i, [y, L.TimeDistributed(L.Flatten(), name="flat")(x)]), _floats(5, 4, 2)


def variable_length():
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


def image_preprocessing():
    """At inference: pixels rescaled, resized (cropped or padded to the aspect ratio),
    centre- and random-cropped, normalised; the random augmentations pass images through."""
    i = L.Input((6, 8, 3))
    x = L.Rescaling(1 / 255, offset=-0.5)(i)
    x = L.RandomRotation(0.1, seed=0)(L.RandomFlip(seed=0)(x))
    x = L.RandomTranslation(0.1, 0.2, seed=0)(L.RandomZoom(0.2, seed=0)(x))
    x = L.RandomBrightness(0.2, value_range=(-1, 1), seed=0)(L.RandomContrast(0.3, seed=0)(x))
    adapted = L.Normalization()
    adapted.adapt(np.random.default_rng(2).normal(1.0, 2.0, (8, 4, 5, 3)).astype("float32"))
    outputs = [adapted(L.Resizing(4, 5)(x)),
               L.Resizing(5, 5, interpolation="nearest", crop_to_aspect_ratio=True)(x),
               L.Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=0.5)(x),
               L.Normalization(axis=None, mean=0.2, variance=2.0, invert=True)(
                   L.CenterCrop(4, 4)(x)),
               L.CenterCrop(8, 4)(x), L.RandomCrop(3, 5, seed=0)(x),
               L.Rescaling([1.0, 2.0, 0.5], offset=[0.0, 0.1, 0.2])(L.Resizing(7, 9)(x))]
    return engine.Model(i, outputs), _floats(6, 8, 3)


def augmentation_more(equalize=True):
    """Keras 3's colour, mixing and geometric augmentations pass images through at
    inference; AutoContrast (alone and in a Pipeline) stretches each channel."""
    i = L.Input((6, 8, 3))
    x = L.Solarization(0.1, 0.5)(L.RandomInvert()(L.RandomGrayscale()(i)))
    x = L.RandomColorDegeneration(0.5)(L.RandomPosterization(4)(x))
    x = L.RandomSharpness(0.5)(L.RandomHue(0.3)(L.RandomSaturation(0.5)(x)))
    x = L.RandomErasing()(L.RandomGaussianBlur()(L.RandomColorJitter(hue_factor=0.2)(x)))
    x = L.Equalization()(x) if equalize else x
    x = L.RandomPerspective()(L.RandomShear((0.1, 0.2), (0.0, 0.1))(L.CutMix()(L.MixUp()(x))))
    pipeline = L.Pipeline([L.RandomFlip(), L.AutoContrast(value_range=(-1, 1))])
    return engine.Model(i, [L.AutoContrast()(x), pipeline(x)]), _floats(6, 8, 3)


def augmentation_in_keras():
    """augmentation_more without Equalization, which Keras's functional models refuse."""
    return augmentation_more(equalize=False)


def categorical_preprocessing():
    """Numbers into buckets and ids into one-hot, multi-hot and count vectors."""
    numbers, ids = L.Input((4, 1)), L.Input((3,), dtype="int32")
    buckets = L.Discretization([-0.5, 0.0, 1.0])(numbers)  # ids; model outputs are floats
    outputs = [L.CategoryEncoding(4, "count")(L.Reshape((4,))(buckets)),
               L.Discretization([0.0, 0.5], output_mode="one_hot")(numbers),
               L.Discretization([0.0], output_mode="count")(L.Reshape((4,))(numbers)),
               L.CategoryEncoding(5)(ids), L.CategoryEncoding(5, "count")(ids),
               L.CategoryEncoding(5, "one_hot")(ids)]
    codes = np.random.default_rng(0).integers(0, 5, (BATCH, 3)).astype("int32")
    return engine.Model([numbers, ids], outputs), [_floats(4, 1), codes]


def text_preprocessing():
    """Ids to words (StringLookup invert=True), the words hashed, looked up, crossed and
    vectorized: host layers, which every code and ONNX export refuses."""
    ids = L.Input((1,), dtype="int32")
    words = L.StringLookup(vocabulary=["the cat", "a dog", "cat"], invert=True)(ids)
    looked_up = L.IntegerLookup(vocabulary=[2, 0, 1], output_mode="one_hot")(ids)
    outputs = [L.Hashing(5)(words), L.StringLookup(vocabulary=["cat", "a dog"])(words),
               L.HashedCrossing(7)([words, ids]), looked_up,
               L.TextVectorization(vocabulary=["cat", "dog", "a"],
                                   output_sequence_length=3)(words)]
    return engine.Model(ids, outputs), np.array([[1], [3]], "int32")


def resizing_3d():
    i = L.Input((3, 2, 4, 2))
    x = L.UpSampling3D((1, 2, 2))(L.ZeroPadding3D(((1, 0), (0, 2), (1, 1)))(i))
    y = L.Cropping3D(((1, 2), (0, 1), (2, 0)))(L.UpSampling3D()(i))
    return engine.Model(i, [x, y]), _floats(3, 2, 4, 2)


def pooling_1d_3d():
    a, b = L.Input((7, 3)), L.Input((5, 4, 6, 2))
    x = L.MaxPooling1D(3, strides=2, padding="same")(a)
    x = L.AveragePooling1D(2, padding="same")(L.AveragePooling1D(2, strides=1)(x))
    y = L.MaxPooling3D((3, 2, 2), strides=(2, 1, 2), padding="same")(b)
    y = L.AveragePooling3D(2, padding="same")(L.MaxPooling3D()(b))
    z = L.AveragePooling3D((2, 3, 2), strides=1, padding="same")(b)
    return engine.Model([a, b], [x, y, z]), [_floats(7, 3), _floats(5, 4, 6, 2, seed=1)]


def merging_more():
    a, b, c = L.Input((3, 4)), L.Input((3, 4)), L.Input((5, 4))
    x = L.Subtract()([L.Average()([a, b, a]), L.Maximum()([a, b])])
    x = L.Minimum()([x, b, a])
    y = L.Dot(axes=2)([x, c])
    z = L.Dot(axes=(1, 1), normalize=True)([a, b])
    flat_a, flat_b = L.Flatten()(a), L.Flatten()(b)
    w = L.Dot(axes=-1, normalize=True)([flat_a, flat_b])
    return engine.Model([a, b, c], [y, z, w]), [_floats(3, 4), _floats(3, 4, seed=1),
                                                 _floats(5, 4, seed=2)]


def einsum_dense():
    i = L.Input((3, 4))
    x = L.EinsumDense("abc,cde->abde", (3, 2, 5), bias_axes="de", activation="tanh")(i)
    y = L.EinsumDense("...b,bc->...c", 3, bias_axes="c")(L.Identity()(i))
    z = L.EinsumDense("abc,cd->abd", (3, 2), bias_axes="b")(i)
    return engine.Model(i, [x, y, z]), _floats(3, 4)


def spectrograms():
    """STFTSpectrogram's modes, paddings and layouts on two-channel signals (mode="angle",
    which ONNX cannot compute, is tested in tests/layers/test_audio_layers.py)."""
    i = L.Input((40, 2))
    outputs = [L.STFTSpectrogram(frame_length=8, frame_step=4, fft_length=16)(i),
               L.STFTSpectrogram("stft", 8, 3, padding="same", window="hamming")(i),
               L.STFTSpectrogram("psd", 7, periodic=True, expand_dims=True)(i),
               L.STFTSpectrogram("magnitude", 8, scaling="spectrum", window=None)(i),
               L.STFTSpectrogram("imag", 6, 2, padding="same", scaling=None)(i)]
    return engine.Model(i, outputs), _floats(40, 2)


def mel_spectrograms():
    """MelSpectrogram in decibels (top_db biting, hamming window), as magnitudes (an odd FFT
    longer than its frame, no window) and with a custom window."""
    i = L.Input((40,))
    mel = {"fft_length": 16, "sequence_stride": 4, "sampling_rate": 8000, "num_mel_bins": 6}
    outputs = [L.MelSpectrogram(**mel, window="hamming", top_db=5.0, ref_power=-3.0)(i),
               L.MelSpectrogram(**{**mel, "fft_length": 15}, sequence_length=10, window=None,
                                power_to_db=False, mag_exp=1.0)(i),
               L.MelSpectrogram(**mel, sequence_length=5,
                                window=[0.0, 0.5, 1.0, 0.5, 0.25])(i)]
    return engine.Model(i, outputs), _floats(40)


MODELS = {f.__name__: f for f in (
    dense, conv1d, conv2d, conv_transpose1d, conv_transpose2d, convolution3d,
    separable_convolution, max_pooling2d, average_pooling2d, global_average_pooling2d,
    global_pooling, adaptive_pooling, flatten,
    reshape, dropout, regularization_layers, normalization_layers, batch_normalization,
    layer_normalization, embedding, masking,
    masked_sequence, activation,
    activation_layers, merging,
    multi_head_attention, multi_head_attention_value_dim, attention_layers,
    group_query_attention, simple_rnn, lstm, gru,
    gru_reset_before, conv_lstm, bidirectional_conv_lstm, recurrent_gelu, rnn_cells,
    stacked_rnn_cells, bidirectional,
    time_distributed, variable_length, shared_layer, sequential,
    resizing_3d, pooling_1d_3d, merging_more, einsum_dense,
    resizing, image_preprocessing, categorical_preprocessing, text_preprocessing, lambda_layer,
    spectral_normalization, augmentation_more, spectrograms, reversible_embedding,
    mel_spectrograms,
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


def recurrent_wrappers():
    i = L.Input((5, 3))
    x = L.RNN(L.LSTMCell(4), return_sequences=True)(i)
    x = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum")(x)
    x = L.TimeDistributed(L.Dense(4))(x)
    return engine.Model(i, L.RNN([L.SimpleRNNCell(3), L.GRUCell(2)])(x)), _floats(5, 3)


def mixing():
    a, b = L.Input((6,)), L.Input((6,))
    shared = L.Dense(6, activation="tanh")
    x = L.Multiply()([L.Add()([shared(a), shared(b)]), a])
    x = L.Conv1D(2, 2, padding="same")(L.Reshape((3, 2))(x))
    x = L.Activation("gelu")(L.Concatenate()([x, L.Reshape((3, 2))(b)]))
    return engine.Model([a, b], x), [_floats(6), _floats(6, seed=1)]


def preprocessing():
    """The preprocessing layers Keras computes as the engine does at inference (RandomCrop on
    images of its own size: Keras 3.15 passes larger images through uncropped)."""
    i = L.Input((6, 8, 3))
    x = L.RandomZoom(0.2)(L.RandomRotation(0.1)(L.RandomFlip()(L.Rescaling(1 / 255)(i))))
    x = L.RandomBrightness(0.2)(L.RandomContrast(0.3)(L.RandomTranslation(0.1, 0.2)(x)))
    x = L.Normalization(mean=[0.1, 0.2, 0.3], variance=[1.0, 2.0, 0.5])(x)
    y = L.RandomCrop(4, 5, seed=1)(L.Resizing(4, 5, crop_to_aspect_ratio=True)(x))
    return engine.Model(i, [y, L.CenterCrop(4, 6)(x)]), _floats(6, 8, 3)


# Keras builds are slow on JAX (each initializer compiles), so its tests take these few
# models, which between them hold every layer.
KERAS_MODELS = {f.__name__: f for f in (
    global_pooling, adaptive_pooling, vision, sequence, mixing, sequential, activation_layers,
    resizing, resizing_3d, pooling_1d_3d, merging_more, einsum_dense, recurrent_wrappers,
    masked_sequence, preprocessing, categorical_preprocessing, conv_transpose1d, conv_transpose2d,
    convolution3d, separable_convolution, regularization_layers, normalization_layers,
    attention_layers, conv_lstm, group_query_attention, spectral_normalization,
    augmentation_in_keras, spectrograms, reversible_embedding, mel_spectrograms,
)}

# Models that a target cannot express, and the words its ExportError must contain.
UNSUPPORTED = {
    ("torch", "variable_length"): "known spatial sizes",
    **{(target, "spectrograms"): "Keras's STFT initializer" for target in ("jax", "tensorflow")},
    **{(target, "mel_spectrograms"): "no short-time Fourier transform"
       for target in ("jax", "tensorflow")},
    **{(target, "masked_sequence"): "uses the mask"
       for target in ("torch", "jax", "tensorflow", "onnx")},
    **{(target, "stacked_rnn_cells"): "StackedRNNCells is not translated yet"
       for target in ("torch", "jax", "tensorflow", "onnx")},
    **{(target, "lambda_layer"): "is a Lambda, whose function is Python code"
       for target in ("torch", "jax", "tensorflow", "onnx", "engine")},
    **{(target, "text_preprocessing"): "runs on host data"
       for target in ("torch", "jax", "tensorflow", "onnx")},
}
# Layers that no Keras model of the catalogue holds, and why.
NOT_IN_KERAS_MODELS = {
    "Lambda": "to_keras refuses it, as every export (its function is code)",
    "Equalization": "Keras 3.15's gives its input tensor as its output, which its functional "
                    "models refuse as a cycle",
    **{name: "Keras runs it through TensorFlow, which a compiled JAX step cannot call"
       for name in ("Hashing", "HashedCrossing", "IntegerLookup", "StringLookup",
                    "TextVectorization")},
}


def build(name):
    model, inputs = {**MODELS, **KERAS_MODELS}[name]()
    return perturb(model), inputs


def layer_classes(name) -> set:
    """The classes of the model's layers and of the layers they hold (RNN's cell)."""
    model, _ = {**MODELS, **KERAS_MODELS}[name]()
    found, pending = {"InputLayer"}, list(model.layers)
    while pending:
        layer = pending.pop()
        found.add(type(layer).__name__)
        pending += layer.tracked_layers()
    return found
