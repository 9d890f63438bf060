"""Training & evaluation with the built-in methods: a LogisticEndpoint layer that takes targets
as an input and adds its loss, in a model compiled without a loss.

Source: keras-io guides/training_with_built_in_methods.py ("Handling losses and metrics that
don't fit the standard signature"), https://keras.io/guides/training_with_built_in_methods/.
Adapted: the random data comes from a seeded generator.
"""

import numpy as np


def run(keras, same_weights):
    ops = keras.ops

    class LogisticEndpoint(keras.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            # Compute the training-time loss value and add it
            # to the layer using `self.add_loss()`.
            loss = self.loss_fn(targets, logits, sample_weights)
            self.add_loss(loss)

            # Return the inference-time prediction tensor (for `.predict()`).
            return ops.softmax(logits)

    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)

    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    same_weights(model)
    model.compile(optimizer="adam")  # No loss argument!

    rng = np.random.default_rng(0)
    data = {
        "inputs": rng.random((3, 3)),
        "targets": rng.random((3, 10)),
    }
    history = model.fit(data)
    return {"loss": history.history["loss"][-1]}
