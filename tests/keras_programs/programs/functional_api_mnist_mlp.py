"""The Functional API guide: the MNIST MLP, trained with a validation split and evaluated.

Source: keras-io guides/functional_api.py ("Training, evaluation, and inference"),
https://keras.io/guides/functional_api/. Adapted: MNIST is 80 random images of its shape (training
on 64: one batch an epoch).
"""

import numpy as np


def run(keras, same_weights):
    layers = keras.layers
    inputs = keras.Input(shape=(784,))
    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    same_weights(model)

    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(80, 28, 28)).astype("uint8")
    y_train = rng.integers(0, 10, size=(80,))
    x_test, y_test = x_train[:64], y_train[:64]
    x_train = x_train.reshape(80, 784).astype("float32") / 255
    x_test = x_test.reshape(64, 784).astype("float32") / 255

    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2)
    test_scores = model.evaluate(x_test, y_test, verbose=2)
    return {
        "loss": history.history["loss"][-1],
        "val_loss": history.history["val_loss"][-1],
        "test_loss": test_scores[0],
    }
