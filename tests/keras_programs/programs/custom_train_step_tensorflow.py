"""Customizing what happens in fit() with TensorFlow: a `train_step` with `tf.GradientTape`,
`compute_loss`, `optimizer.apply` and the model's metrics.

Source: keras-io guides/custom_train_step_in_tensorflow.py ("A first simple example"),
https://keras.io/guides/custom_train_step_in_tensorflow/. Adapted: 32 random rows (not 1000: one
batch an epoch).
Written for TensorFlow: Keras runs it on its TensorFlow backend (in a subprocess), the engine
on its TensorFlow backend only.
"""

import numpy as np

KERAS_BACKEND = "tensorflow"
ENGINE_BACKENDS = ("tensorflow",)


def run(keras, same_weights):
    import tensorflow as tf

    class CustomModel(keras.Model):
        def train_step(self, data):
            # Unpack the data. Its structure depends on your model and
            # on what you pass to `fit()`.
            x, y = data

            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)  # Forward pass
                # Compute the loss value
                # (the loss function is configured in `compile()`)
                loss = self.compute_loss(y=y, y_pred=y_pred)

            # Compute gradients
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)

            # Update weights
            self.optimizer.apply(gradients, trainable_vars)

            # Update metrics (includes the metric that tracks the loss)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)

            # Return a dict mapping metric names to current value
            return {m.name: m.result() for m in self.metrics}

    # Construct and compile an instance of CustomModel
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    same_weights(model)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])

    # Just use `fit` as usual
    rng = np.random.default_rng(0)
    x = rng.random((32, 32))
    y = rng.random((32, 1))
    history = model.fit(x, y, epochs=3)
    return {"loss": history.history["loss"][-1], "mae": history.history["mae"][-1]}
