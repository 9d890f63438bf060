"""The Functional API guide: one Embedding layer shared by two text inputs.

Source: keras-io guides/functional_api.py ("Shared layers"),
https://keras.io/guides/functional_api/. Adapted: the guide only builds the graph; a model
of both encodings embeds 4 random sequences of each input.
"""

import numpy as np


def run(keras, same_weights):
    layers = keras.layers
    # Embedding for 1000 unique words mapped to 128-dimensional vectors
    shared_embedding = layers.Embedding(1000, 128)

    # Variable-length sequence of integers
    text_input_a = keras.Input(shape=(None,), dtype="int32")

    # Variable-length sequence of integers
    text_input_b = keras.Input(shape=(None,), dtype="int32")

    # Reuse the same layer to encode both inputs
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)

    model = keras.Model([text_input_a, text_input_b], [encoded_input_a, encoded_input_b])
    same_weights(model)
    rng = np.random.default_rng(0)
    a, b = model.predict([rng.integers(1000, size=(4, 7)), rng.integers(1000, size=(4, 5))])
    assert a.shape == (4, 7, 128) and b.shape == (4, 5, 128)
    return {"a_sum": a.sum(), "b_sum": b.sum(), "weights": len(model.weights)}
