"""Embedding: integer ids to rows of a learned table."""

from __future__ import annotations

from engine import initializers, ops
from engine.layers.arguments import positive_int
from engine.layers.layer import Layer


class Embedding(Layer):
    """embeddings[ids]: ids of any shape in [0, input_dim) -> (*ids.shape, output_dim)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="random_uniform", **kwargs):
        super().__init__(**kwargs)
        self.input_dim = positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = positive_int("Embedding", "output_dim", output_dim)
        self.embeddings_initializer = initializers.check(embeddings_initializer)

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings")

    def check_input_shapes(self, input_shape):
        """The table fits ids of any shape."""

    def call(self, inputs):
        return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": self.embeddings_initializer}
