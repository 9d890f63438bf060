"""Activation: an activation function as a layer of its own."""

from __future__ import annotations

from engine import activations
from engine.layers.layer import Layer


class Activation(Layer):
    """activation(inputs), elementwise (softmax: over the last axis)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.check(activation)

    def call(self, inputs):
        return activations.apply(self.activation, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}
