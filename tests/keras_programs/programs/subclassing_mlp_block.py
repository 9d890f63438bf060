"""Making new layers and models via subclassing: layers nested in a layer are tracked, and
their weights are created on the first call.

Source: keras-io guides/making_new_layers_and_models_via_subclassing.py ("Layers are
recursively composable"), https://keras.io/guides/making_new_layers_and_models_via_subclassing/.
"""


def run(keras, same_weights):
    ops = keras.ops

    class Linear(keras.layers.Layer):
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

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = Linear(32)
            self.linear_2 = Linear(32)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = self.linear_1(inputs)
            x = keras.activations.relu(x)
            x = self.linear_2(x)
            x = keras.activations.relu(x)
            return self.linear_3(x)

    mlp = MLPBlock()
    y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
    print("weights:", len(mlp.weights))
    print("trainable weights:", len(mlp.trainable_weights))
    same_weights(mlp)
    y = mlp(ops.ones(shape=(3, 64)))
    return {"weights": len(mlp.weights), "y_sum": ops.convert_to_numpy(y).sum()}
