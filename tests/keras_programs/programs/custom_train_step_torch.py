"""Customizing what happens in fit() with PyTorch: a `train_step` with `loss.backward()`,
the variables' `.grad` and `optimizer.apply` under `torch.no_grad()`.

Source: keras-io guides/custom_train_step_in_torch.py ("A first simple example"),
https://keras.io/guides/custom_train_step_in_torch/. Adapted: 32 random rows (not 1000: one batch
an epoch).
Written for PyTorch: Keras runs it on its PyTorch backend (in a subprocess), the engine on its
PyTorch backend only.
"""

import numpy as np

KERAS_BACKEND = "torch"
ENGINE_BACKENDS = ("torch",)


def run(keras, same_weights):
    import torch

    class CustomModel(keras.Model):
        def train_step(self, data):
            # Unpack the data. Its structure depends on your model and
            # on what you pass to `fit()`.
            x, y = data

            # Call torch.nn.Module.zero_grad() to clear the leftover gradients
            # for the weights from the previous train step.
            self.zero_grad()

            # Compute loss
            y_pred = self(x, training=True)  # Forward pass
            loss = self.compute_loss(y=y, y_pred=y_pred)

            # Call torch.Tensor.backward() on the loss to compute gradients
            # for the weights.
            loss.backward()

            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]

            # Update weights
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)

            # Update metrics (includes the metric that tracks the loss)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)

            # Return a dict mapping metric names to current value
            # Note that it will include the loss (tracked in self.metrics).
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
