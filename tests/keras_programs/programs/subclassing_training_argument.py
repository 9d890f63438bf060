"""Making new layers and models via subclassing: a layer with a `training` argument and a
SeedGenerator, and serializable layers with `get_config`/`from_config`.

Source: keras-io guides/making_new_layers_and_models_via_subclassing.py ("Privileged training
argument in the call() method", "You can optionally enable serialization on your layers"),
https://keras.io/guides/making_new_layers_and_models_via_subclassing/.
"""

import numpy as np


def run(keras, same_weights):
    ops = keras.ops

    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
            return inputs

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
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
            config = super().get_config()
            config.update({"units": self.units})
            return config

    layer = Linear(64)
    config = layer.get_config()
    print(config)
    new_layer = Linear.from_config(config)
    assert new_layer.units == 64

    data = np.random.default_rng(0).random((4, 8)).astype("float32")
    dropout = CustomDropout(0.5)
    inference = ops.convert_to_numpy(dropout(data))
    training = ops.convert_to_numpy(dropout(data, training=True))
    kept = training != 0
    assert np.allclose(training[kept], 2 * data[kept])
    return {"inference_sum": inference.sum(), "units": new_layer.units}
