"""Timeseries forecasting for weather prediction: an LSTM(32) and a Dense(1) trained on windows
of 7 features, with early stopping and a weights-only checkpoint.

Source: keras-io examples/timeseries/timeseries_weather_forecasting.py,
https://keras.io/examples/timeseries/timeseries_weather_forecasting/. Adapted: the Jena
climate windows (`timeseries_dataset_from_array` over the normalized CSV) are 96 random
windows of 24 steps (not 120) as NumPy arrays, 2 epochs (not 10); the checkpoint goes to a
temporary folder.
"""

import os
import tempfile

import numpy as np


def run(keras, same_weights):
    learning_rate = 0.001
    batch_size = 256
    epochs = 2

    rng = np.random.default_rng(0)
    sequence_length = 24
    x_train = rng.normal(size=(96, sequence_length, 7)).astype("float32")
    y_train = rng.normal(size=(96, 1)).astype("float32")
    x_val = rng.normal(size=(32, sequence_length, 7)).astype("float32")
    y_val = rng.normal(size=(32, 1)).astype("float32")
    inputs, targets = x_train, y_train

    print("Input shape:", inputs.shape)
    print("Target shape:", targets.shape)

    inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    lstm_out = keras.layers.LSTM(32)(inputs)
    outputs = keras.layers.Dense(1)(lstm_out)

    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    model.summary()
    same_weights(model)

    with tempfile.TemporaryDirectory() as folder:
        path_checkpoint = os.path.join(folder, "model_checkpoint.weights.h5")
        es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)

        modelckpt_callback = keras.callbacks.ModelCheckpoint(
            monitor="val_loss",
            filepath=path_checkpoint,
            verbose=1,
            save_weights_only=True,
            save_best_only=True,
        )

        history = model.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            validation_data=(x_val, y_val),
            callbacks=[es_callback, modelckpt_callback],
        )
    return {"loss": history.history["loss"][-1], "val_loss": history.history["val_loss"][-1]}
