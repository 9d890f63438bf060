"""Serialization & saving: a custom layer and a custom activation registered with
`keras.saving.register_keras_serializable`, saved and loaded without `custom_objects`.

Source: keras-io guides/serialization_and_saving.py ("Custom objects",
"Registering custom objects (preferred)"), https://keras.io/guides/serialization_and_saving/.
Adapted: the file goes to a temporary folder; random data from a seeded generator.
"""

import os
import tempfile

import numpy as np


def run(keras, same_weights):
    @keras.saving.register_keras_serializable(package="MyLayers")
    class CustomLayer(keras.layers.Layer):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_fn(x):
        return x**2

    # Create the model.
    def get_model():
        inputs = keras.Input(shape=(4,))
        mid = CustomLayer(0.5)(inputs)
        outputs = keras.layers.Dense(10, activation=custom_fn)(mid)
        model = keras.Model(inputs, outputs)
        same_weights(model)
        model.compile(optimizer="rmsprop", loss="mean_squared_error")
        return model

    rng = np.random.default_rng(0)

    # Train the model.
    def train_model(model):
        input = rng.random((4, 4))
        target = rng.random((4, 10))
        model.fit(input, target)
        return model

    test_input = rng.random((4, 4))

    model = get_model()
    model = train_model(model)
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "custom_model.keras"))

        # Now, we can simply load without worrying about our custom objects.
        reconstructed_model = keras.models.load_model(
            os.path.join(folder, "custom_model.keras")
        )

    # Let's check:
    np.testing.assert_allclose(
        model.predict(test_input), reconstructed_model.predict(test_input)
    )
    return {"prediction_sum": reconstructed_model.predict(test_input).sum()}
