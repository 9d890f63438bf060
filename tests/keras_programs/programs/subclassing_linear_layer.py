"""Making new layers and models via subclassing: a Linear layer with weights from `add_weight`
in `__init__`, and one that creates them lazily in `build`.

Source: keras-io guides/making_new_layers_and_models_via_subclassing.py ("The Layer class",
"Best practice: deferring weight creation until the shape of the inputs is known"),
https://keras.io/guides/making_new_layers_and_models_via_subclassing/.
"""

import numpy as np


def run(keras, same_weights):
    ops = keras.ops

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(
                shape=(input_dim, units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    x = ops.ones((2, 2))
    linear_layer = Linear(4, 2)
    same_weights(linear_layer)
    y = linear_layer(x)
    print(y)
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]

    class LazyLinear(keras.layers.Layer):
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

    # At instantiation, we don't know on what inputs this is going to get called
    linear_layer = LazyLinear(32)
    # The layer's weights are created dynamically the first time the layer is called
    lazy = linear_layer(x)
    same_weights(linear_layer)
    lazy = linear_layer(np.full((2, 2), 0.5, "float32"))
    return {
        "y_sum": ops.convert_to_numpy(y).sum(),
        "lazy_sum": ops.convert_to_numpy(lazy).sum(),
    }
