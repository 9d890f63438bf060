"""Timeseries anomaly detection using an Autoencoder: a Conv1D / Conv1DTranspose
reconstruction model, and reconstruction errors as the anomaly threshold.

Source: keras-io examples/timeseries/timeseries_anomaly_detection.py,
https://keras.io/examples/timeseries/timeseries_anomaly_detection/. Adapted: the NAB series
windows are 64 random sequences of TIME_STEPS=288 values, 2 epochs (not 50). Its Dropout
layers draw different masks in Keras and the engine, so the losses are compared loosely.
"""

import numpy as np

RTOL = 0.1


def run(keras, same_weights):
    layers = keras.layers
    TIME_STEPS = 288
    x_train = np.random.default_rng(0).normal(size=(64, TIME_STEPS, 1)).astype("float32")
    print("Training input shape: ", x_train.shape)

    model = keras.Sequential(
        [
            layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
            layers.Conv1D(
                filters=32,
                kernel_size=7,
                padding="same",
                strides=2,
                activation="relu",
            ),
            layers.Dropout(rate=0.2),
            layers.Conv1D(
                filters=16,
                kernel_size=7,
                padding="same",
                strides=2,
                activation="relu",
            ),
            layers.Conv1DTranspose(
                filters=16,
                kernel_size=7,
                padding="same",
                strides=2,
                activation="relu",
            ),
            layers.Dropout(rate=0.2),
            layers.Conv1DTranspose(
                filters=32,
                kernel_size=7,
                padding="same",
                strides=2,
                activation="relu",
            ),
            layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    model.summary()
    same_weights(model)

    history = model.fit(
        x_train,
        x_train,
        epochs=2,
        batch_size=128,
        validation_split=0.1,
        callbacks=[
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")
        ],
    )

    # Get train MAE loss.
    x_train_pred = model.predict(x_train)
    train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)

    # Get reconstruction loss threshold.
    threshold = np.max(train_mae_loss)
    print("Reconstruction error threshold: ", threshold)
    return {"loss": history.history["loss"][-1], "threshold": threshold}
