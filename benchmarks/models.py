"""The benchmarked models, written once for the engine and for Keras 3.

Both libraries have the same layer names and arguments, so `build(namespace, name, config)`
builds the same graph from `engine` or from `keras`. The hand-written versions in
benchmarks/native/ take these configs and the engine's initial weights (Keras's order and
layout), so every contestant starts from the same weights.

Sizes: "full" is what the README table reports; "quick" is small enough for a smoke test.
"""

from __future__ import annotations

import numpy as np

MODEL_NAMES = ("mlp", "cnn", "transformer")

CONFIGS = {
    "full": {
        "mlp": {"batch": 256, "features": 784, "hidden": 512, "classes": 10},
        "cnn": {"batch": 128, "side": 28, "filters": (32, 64), "classes": 10},
        "transformer": {
            "batch": 32, "sequence": 64, "features": 32, "width": 64, "heads": 4,
            "feedforward": 128, "blocks": 2, "classes": 10,
        },
    },
    "quick": {
        "mlp": {"batch": 64, "features": 784, "hidden": 64, "classes": 10},
        "cnn": {"batch": 16, "side": 28, "filters": (4, 8), "classes": 10},
        "transformer": {
            "batch": 8, "sequence": 16, "features": 8, "width": 16, "heads": 2,
            "feedforward": 32, "blocks": 2, "classes": 10,
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
    if name == "cnn":
        return (config["side"], config["side"], 1)
    return (config["sequence"], config["features"])


def build(ns, name: str, config: dict):
    """The model `name` from `ns` (the `engine` or `keras` module): logits out, no softmax."""
    layers = ns.layers
    inputs = layers.Input(input_shape(name, config))
    if name == "mlp":
        x = layers.Dense(config["hidden"], activation="relu")(inputs)
        x = layers.Dense(config["hidden"], activation="relu")(x)
    elif name == "cnn":
        x = inputs
        for filters in config["filters"]:
            x = layers.Conv2D(filters, 3, activation="relu")(x)
            x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
    else:
        x = layers.Dense(config["width"])(inputs)
        for _ in range(config["blocks"]):
            x = _encoder_block(layers, x, config)
        x = layers.Flatten()(x)
    return ns.Model(inputs, layers.Dense(config["classes"])(x))


def _encoder_block(layers, x, config):
    """Post-norm transformer encoder block: attention and feed-forward, each with Add + LN."""
    attention = layers.MultiHeadAttention(config["heads"], config["width"] // config["heads"])
    x = layers.Add()([x, attention(x, x)])
    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON)(x)
    hidden = layers.Dense(config["feedforward"], activation="relu")(x)
    x = layers.Add()([x, layers.Dense(config["width"])(hidden)])
    return layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON)(x)


def data(name: str, config: dict, count: int, seed: int = 1):
    """`count` random samples and integer labels (NumPy, float32 and int32)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((count, *input_shape(name, config)), dtype=np.float32)
    y = rng.integers(0, config["classes"], size=count).astype(np.int32)
    return x, y


def initial_weights(name: str, config: dict) -> list:
    """The engine's initial weights for the model (NumPy, Keras order and layout)."""
    import engine

    engine.set_random_seed(SEED)
    engine.clear_session()
    return build(engine, name, config).get_weights()


def parameter_count(weights) -> int:
    return int(sum(w.size for w in weights))
