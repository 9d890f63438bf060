"""Making new layers and models via subclassing: `add_loss` in a layer's call, regularizer
losses of nested layers, and a model trained with and without a loss in `compile`.

Source: keras-io guides/making_new_layers_and_models_via_subclassing.py ("The add_loss()
method"), https://keras.io/guides/making_new_layers_and_models_via_subclassing/. Adapted: the
random data comes from a seeded generator.
"""

import numpy as np


def run(keras, same_weights):
    ops = keras.ops

    # A layer that creates an activity regularization loss
    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    assert len(layer.losses) == 0  # No losses yet since the layer has never been called

    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # We created one loss value

    # `layer.losses` gets reset at the start of each __call__
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # This is the loss created during the call above

    class OuterLayerWithKernelRegularizer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(
                32, kernel_regularizer=keras.regularizers.l2(1e-3)
            )

        def call(self, inputs):
            return self.dense(inputs)

    layer = OuterLayerWithKernelRegularizer()
    _ = layer(ops.zeros((1, 1)))
    same_weights(layer)
    _ = layer(ops.zeros((1, 1)))

    # This is `1e-3 * sum(layer.dense.kernel ** 2)`,
    # created by the `kernel_regularizer` above.
    print(layer.losses)
    regularization = float(ops.convert_to_numpy(layer.losses[0]))

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)

    rng = np.random.default_rng(0)
    # If there is a loss passed in `compile`, the regularization
    # losses get added to it
    model.compile(optimizer="adam", loss="mse")
    with_loss = model.fit(rng.random((2, 3)), rng.random((2, 3)))

    # It's also possible not to pass any loss in `compile`,
    # since the model already has a loss to minimize, via the `add_loss`
    # call during the forward pass!
    model.compile(optimizer="adam")
    without_loss = model.fit(rng.random((2, 3)), rng.random((2, 3)))
    return {
        "regularization": regularization,
        "loss_with_mse": with_loss.history["loss"][-1],
        "loss_without": without_loss.history["loss"][-1],
    }
