"""Working with RNNs: an LSTM over MNIST rows with BatchNormalization, trained with SGD; and
the same model with `keras.layers.RNN(LSTMCell)`, given the first one's weights.

Source: keras-io guides/working_with_rnns.py ("Using CuDNN kernels when available"),
https://keras.io/guides/working_with_rnns/. Adapted: MNIST is 64 random images of its shape (one
batch an epoch).
"""

import numpy as np

from tests.keras_programs import synthetic_data


def run(keras, same_weights):
    batch_size = 64
    # Each MNIST image batch is a tensor of shape (batch_size, 28, 28).
    # Each input sequence will be of size (28, 28) (height is treated like time).
    input_dim = 28

    units = 64
    output_size = 10  # labels are from 0 to 9

    # Build the RNN model
    def build_model(allow_cudnn_kernel=True):
        # CuDNN is only available at the layer level, and not at the cell level.
        # This means `LSTM(units)` will use the CuDNN kernel,
        # while RNN(LSTMCell(units)) will run on non-CuDNN kernel.
        if allow_cudnn_kernel:
            # The LSTM layer with default options uses CuDNN.
            lstm_layer = keras.layers.LSTM(units, input_shape=(None, input_dim))
        else:
            # Wrapping a LSTMCell in a RNN layer will not use CuDNN.
            lstm_layer = keras.layers.RNN(
                keras.layers.LSTMCell(units), input_shape=(None, input_dim)
            )
        model = keras.models.Sequential(
            [
                lstm_layer,
                keras.layers.BatchNormalization(),
                keras.layers.Dense(output_size),
            ]
        )
        return model

    (x_train, y_train), (x_test, y_test) = synthetic_data.mnist(train=64, test=64)
    x_train, x_test = x_train / 255.0, x_test / 255.0
    sample, sample_label = x_train[0], y_train[0]

    model = build_model(allow_cudnn_kernel=True)
    same_weights(model)

    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer="sgd",
        metrics=["accuracy"],
    )

    history = model.fit(
        x_train, y_train, validation_data=(x_test, y_test), batch_size=batch_size, epochs=1
    )

    noncudnn_model = build_model(allow_cudnn_kernel=False)
    noncudnn_model.set_weights(model.get_weights())
    noncudnn_model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer="sgd",
        metrics=["accuracy"],
    )
    result = model.predict(np.expand_dims(sample, 0))
    same = noncudnn_model.predict(np.expand_dims(sample, 0))
    assert np.allclose(result, same, atol=1e-5)
    return {
        "loss": history.history["loss"][-1],
        "val_loss": history.history["val_loss"][-1],
        "predicted_label": int(np.argmax(result, axis=1)[0]),
        "sample_label": int(sample_label),
    }
