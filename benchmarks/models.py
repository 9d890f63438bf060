"""The benchmarked models, written once for the engine and for Keras 3.

Both libraries have the same layer names and arguments, so `build(namespace, name, config)`
builds the same graph from `engine` or from `keras`. The hand-written versions in
benchmarks/native/ take these configs and the engine's initial weights (Keras's order and
layout), so every contestant starts from the same weights.

Sizes: "full" is what the README table reports; "quick" is small enough for a smoke test.
"""

from __future__ import annotations

import numpy as np

MODEL_NAMES = ("mlp", "cnn", "transformer", "autoencoder", "bilstm")
# The models that can also be built as a subclass of Model (`build(..., subclassed=True)`).
SUBCLASSED = ("mlp",)

CONFIGS = {
    "full": {
        "mlp": {"batch": 256, "features": 784, "hidden": 512, "classes": 10},
        "cnn": {"batch": 128, "side": 28, "filters": (32, 64), "classes": 10},
        "transformer": {
            "batch": 32, "sequence": 64, "features": 32, "width": 64, "heads": 4,
            "feedforward": 128, "blocks": 2, "classes": 10,
        },
        "autoencoder": {"batch": 64, "side": 28, "filters": (32, 16)},
        "bilstm": {
            "batch": 64, "vocabulary": 1000, "sequence": 64, "embedding": 32, "units": 32,
            "classes": 2,
        },
    },
    "quick": {
        "mlp": {"batch": 64, "features": 784, "hidden": 64, "classes": 10},
        "cnn": {"batch": 16, "side": 28, "filters": (4, 8), "classes": 10},
        "transformer": {
            "batch": 8, "sequence": 16, "features": 8, "width": 16, "heads": 2,
            "feedforward": 32, "blocks": 2, "classes": 10,
        },
        "autoencoder": {"batch": 8, "side": 12, "filters": (4, 2)},
        "bilstm": {
            "batch": 8, "vocabulary": 50, "sequence": 8, "embedding": 8, "units": 4,
            "classes": 2,
        },
    },
}

# Keras's defaults, written out because the hand-written versions need them too.
LEARNING_RATE = 1e-3
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7
LAYER_NORM_EPSILON = 1e-3
SEED = 0


def input_shape(name: str, config: dict) -> tuple:
    """One sample's shape (channels last)."""
    if name == "mlp":
        return (config["features"],)
    if name in ("cnn", "autoencoder"):
        return (config["side"], config["side"], 1)
    if name == "bilstm":
        return (config["sequence"],)
    return (config["sequence"], config["features"])


def build(ns, name: str, config: dict, subclassed: bool = False):
    """The model `name` from `ns` (the `engine` or `keras` module): logits out, no softmax
    (the autoencoder: the reconstruction). `subclassed` builds it as a subclass of
    `ns.Model` with its layers as attributes, for the models in SUBCLASSED."""
    if subclassed:
        if name not in SUBCLASSED:
            raise ValueError(f"No subclassed {name!r}; there are: {SUBCLASSED}.")
        return _subclassed_mlp(ns, config)
    layers = ns.layers
    inputs = layers.Input(input_shape(name, config), dtype="int32" if name == "bilstm" else None)
    if name == "autoencoder":
        return ns.Model(inputs, _autoencoder(layers, inputs, config))
    if name == "mlp":
        x = layers.Dense(config["hidden"], activation="relu")(inputs)
        x = layers.Dense(config["hidden"], activation="relu")(x)
    elif name == "cnn":
        x = inputs
        for filters in config["filters"]:
            x = layers.Conv2D(filters, 3, activation="relu")(x)
            x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
    elif name == "bilstm":
        x = layers.Embedding(config["vocabulary"], config["embedding"])(inputs)
        x = layers.Bidirectional(layers.LSTM(config["units"]))(x)
    else:
        x = layers.Dense(config["width"])(inputs)
        for _ in range(config["blocks"]):
            x = _encoder_block(layers, x, config)
        x = layers.Flatten()(x)
    return ns.Model(inputs, layers.Dense(config["classes"])(x))


def _autoencoder(layers, x, config):
    """Two same-padded conv + max-pool stages down (side / 4), then a stride-2 transposed
    conv and a 2x upsampling back up, and a conv to one channel."""
    for filters in config["filters"]:
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2DTranspose(
        config["filters"][0], 3, strides=2, padding="same", activation="relu"
    )(x)
    x = layers.UpSampling2D(2)(x)
    return layers.Conv2D(1, 3, padding="same")(x)


def _encoder_block(layers, x, config):
    """Post-norm transformer encoder block: attention and feed-forward, each with Add + LN."""
    attention = layers.MultiHeadAttention(config["heads"], config["width"] // config["heads"])
    x = layers.Add()([x, attention(x, x)])
    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON)(x)
    hidden = layers.Dense(config["feedforward"], activation="relu")(x)
    x = layers.Add()([x, layers.Dense(config["width"])(hidden)])
    return layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON)(x)


def _subclassed_mlp(ns, config):
    """The MLP as `class MLP(ns.Model)`, built: its weights are the functional one's, in
    the same order."""
    dense = ns.layers.Dense

    class MLP(ns.Model):
        def __init__(self):
            super().__init__()
            self.hidden_1 = dense(config["hidden"], activation="relu")
            self.hidden_2 = dense(config["hidden"], activation="relu")
            self.classifier = dense(config["classes"])

        def call(self, x):
            return self.classifier(self.hidden_2(self.hidden_1(x)))

    model = MLP()
    model.build((None, *input_shape("mlp", config)))
    return model


def loss(ns, name: str):
    """The model's loss from `ns`: mean squared error for the autoencoder, else sparse
    categorical cross-entropy from logits."""
    if name == "autoencoder":
        return ns.losses.MeanSquaredError()
    return ns.losses.SparseCategoricalCrossentropy(from_logits=True)


def data(name: str, config: dict, count: int, seed: int = 1):
    """`count` random samples and their targets (NumPy): float32 inputs and int32 labels;
    token ids for the LSTM; for the autoencoder the targets are the inputs."""
    rng = np.random.default_rng(seed)
    shape = (count, *input_shape(name, config))
    if name == "bilstm":
        x = rng.integers(0, config["vocabulary"], size=shape).astype(np.int32)
    else:
        x = rng.standard_normal(shape, dtype=np.float32)
    if name == "autoencoder":
        return x, x
    return x, rng.integers(0, config["classes"], size=count).astype(np.int32)


def initial_weights(name: str, config: dict) -> list:
    """The engine's initial weights for the model (NumPy, Keras order and layout)."""
    import engine

    engine.set_random_seed(SEED)
    engine.clear_session()
    return build(engine, name, config).get_weights()


def parameter_count(weights) -> int:
    return int(sum(w.size for w in weights))
