"""The Functional API guide: a subclassed RNN layer that loops over time with ops and calls a
functional model as its classifier.

Source: keras-io guides/functional_api.py ("Mix-and-match API styles"),
https://keras.io/guides/functional_api/. Adapted: the layer is also called on random data.
"""

import numpy as np


def run(keras, same_weights):
    layers, ops = keras.layers, keras.ops
    units = 32
    timesteps = 10
    input_dim = 5

    # Define a Functional model
    inputs = keras.Input((None, units))
    x = layers.GlobalAveragePooling1D()(inputs)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)

    class CustomRNN(layers.Layer):
        def __init__(self):
            super().__init__()
            self.units = units
            self.projection_1 = layers.Dense(units=units, activation="tanh")
            self.projection_2 = layers.Dense(units=units, activation="tanh")
            # Our previously-defined Functional model
            self.classifier = model

        def call(self, inputs):
            outputs = []
            state = ops.zeros(shape=(inputs.shape[0], self.units))
            for t in range(inputs.shape[1]):
                x = inputs[:, t, :]
                h = self.projection_1(x)
                y = h + self.projection_2(state)
                state = y
                outputs.append(y)
            features = ops.stack(outputs, axis=1)
            print(features.shape)
            return self.classifier(features)

    rnn_model = CustomRNN()
    _ = rnn_model(ops.zeros((1, timesteps, input_dim)))
    same_weights(rnn_model)
    data = np.random.default_rng(0).random((2, timesteps, input_dim)).astype("float32")
    return {"output_sum": ops.convert_to_numpy(rnn_model(data)).sum()}
