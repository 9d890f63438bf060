"""The Functional API guide: a custom Dense layer with `get_config`, and a model rebuilt from
its config with `custom_objects`.

Source: keras-io guides/functional_api.py ("Extend the API using custom layers"),
https://keras.io/guides/functional_api/. Adapted: both models predict 3 random rows, the new
one from the old one's weights.
"""

import numpy as np


def run(keras, same_weights):
    layers, ops = keras.layers, keras.ops

    class CustomDense(layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="random_normal", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}

    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)

    model = keras.Model(inputs, outputs)
    config = model.get_config()

    new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
    same_weights(model)
    new_model.set_weights(model.get_weights())
    rows = np.random.default_rng(0).random((3, 4)).astype("float32")
    assert np.allclose(model.predict(rows), new_model.predict(rows))
    return {"prediction_sum": new_model.predict(rows).sum()}
