"""The Sequential model guide: freezing all layers but the last one, then recompiling and
training (only the last layer's weights change).

Source: keras-io guides/sequential_model.py ("Transfer learning with a Sequential model",
first blueprint), https://keras.io/guides/sequential_model/. Adapted: `load_weights` of
pre-trained weights is left out; `compile(...)` and `fit(...)` get an optimizer, a loss and
32 random rows.
"""

import numpy as np


def run(keras, same_weights):
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(32, activation='relu'),
        layers.Dense(32, activation='relu'),
        layers.Dense(32, activation='relu'),
        layers.Dense(10),
    ])
    same_weights(model)
    frozen_before = [w.copy() for w in model.get_weights()[:-2]]

    # Freeze all layers except the last one.
    for layer in model.layers[:-1]:
        layer.trainable = False

    # Recompile and train (this will only update the weights of the last layer).
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    history = model.fit(rng.random((32, 784)), rng.integers(0, 10, size=(32,)), epochs=2)
    assert all(np.array_equal(a, b) for a, b in zip(frozen_before, model.get_weights()[:-2]))
    return {"loss": history.history["loss"][-1], "trainable": len(model.trainable_weights)}
