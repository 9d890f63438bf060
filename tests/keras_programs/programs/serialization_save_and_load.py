"""Serialization & saving: `model.save` of a trained model to a `.keras` file and
`keras.models.load_model`, which reconstructs it identically.

Source: keras-io guides/serialization_and_saving.py ("Saving"),
https://keras.io/guides/serialization_and_saving/. Adapted: the file goes to a temporary
folder; 32 random rows (not 128: one batch) from a seeded generator.
"""

import os
import tempfile

import numpy as np


def run(keras, same_weights):
    def get_model():
        # Create a simple model.
        inputs = keras.Input(shape=(32,))
        outputs = keras.layers.Dense(1)(inputs)
        model = keras.Model(inputs, outputs)
        same_weights(model)
        model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
        return model

    model = get_model()

    # Train the model.
    rng = np.random.default_rng(0)
    test_input = rng.random((32, 32))
    test_target = rng.random((32, 1))
    history = model.fit(test_input, test_target)

    with tempfile.TemporaryDirectory() as folder:
        # Calling `save('my_model.keras')` creates a zip archive `my_model.keras`.
        model.save(os.path.join(folder, "my_model.keras"))

        # It can be used to reconstruct the model identically.
        reconstructed_model = keras.models.load_model(os.path.join(folder, "my_model.keras"))

    # Let's check:
    np.testing.assert_allclose(
        model.predict(test_input), reconstructed_model.predict(test_input)
    )
    return {"loss": history.history["loss"][-1]}
