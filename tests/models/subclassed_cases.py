"""Subclassed models as students write them, and each one written functionally from new
layers with the same weights: what the subclassed-model tests compare against."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import layers
from tests.conftest import backend_params

# Tests that fit several models compile a train step (and a capture step) for each: seconds
# each on JAX and TensorFlow, whose runs are left to --slow where other tests cover them.
FIT_BACKENDS = [
    pytest.param(*p.values, marks=[*p.marks, pytest.mark.slow])
    if p.values[0] in ("jax", "tensorflow") else p
    for p in backend_params()
]


class Scale(layers.Layer):
    """A layer of one's own with add_weight and no compute_output_shape."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, x):
        return x * self.scale


class Block(layers.Layer):
    """A layer holding layers."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.inner = layers.Dense(units, activation="tanh")
        self.proj = layers.Dense(units)

    def call(self, x):
        return self.proj(self.inner(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


CUSTOM_OBJECTS = {"Scale": Scale, "Block": Block}


class Residual(engine.Model):
    """Nested layers, a list of layers, a custom layer, `h + y`, BatchNorm and Dropout."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stem = layers.Dense(8, activation="relu")
        self.blocks = [Block(8), layers.Dense(8, activation="relu")]
        self.scale = Scale()
        self.norm = layers.BatchNormalization()
        self.drop = layers.Dropout(0.25, seed=1)
        self.head = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=None):
        h = self.stem(inputs)
        y = h
        for block in self.blocks:
            y = block(y)
        h = h + self.scale(y)
        h = self.norm(h, training=training)
        h = self.drop(h, training=training)
        return self.head(h)


class Plain(engine.Model):
    """Built-in layers only, a residual as layers.Add: every code and ONNX export takes it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stem = layers.Dense(8, activation="relu")
        self.hidden = [layers.Dense(8, activation="tanh"), layers.Dense(8)]
        self.add = layers.Add()
        self.norm = layers.BatchNormalization()
        self.drop = layers.Dropout(0.25)
        self.head = layers.Dense(3, activation="softmax")

    def call(self, inputs, training=None):
        h = self.stem(inputs)
        y = h
        for layer in self.hidden:
            y = layer(y)
        h = self.norm(self.add([h, y]), training=training)
        return self.head(self.drop(h, training=training))


def residual_functional():
    """Residual written with engine.Model(inputs, outputs); returns (model, its layers by the
    subclassed model's attribute names)."""
    parts = {
        "stem": layers.Dense(8, activation="relu"), "block": Block(8),
        "dense": layers.Dense(8, activation="relu"), "scale": Scale(),
        "norm": layers.BatchNormalization(), "drop": layers.Dropout(0.25, seed=1),
        "head": layers.Dense(3, activation="softmax"),
    }
    inputs = engine.Input((4,))
    h = parts["stem"](inputs)
    h = h + parts["scale"](parts["dense"](parts["block"](h)))
    h = parts["drop"](parts["norm"](h))
    return engine.Model(inputs, parts["head"](h)), parts


def residual_pair():
    """(a built Residual, the functional model with the same weights)."""
    model = Residual()
    model(batch()[0][:2])
    functional, parts = residual_functional()
    held = {"stem": model.stem, "block": model.blocks[0], "dense": model.blocks[1],
            "scale": model.scale, "norm": model.norm, "drop": model.drop, "head": model.head}
    for name, layer in held.items():
        parts[name].set_weights(layer.get_weights())
    return model, functional


def batch(count=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(count, 4)).astype("float32"), rng.integers(0, 3, count)
