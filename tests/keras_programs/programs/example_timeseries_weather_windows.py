"""Timeseries forecasting for weather prediction, with the example's own windowing: the
normalized features cut into training and validation windows by
`keras.utils.timeseries_dataset_from_array` (a target 12 hours after each 12-step window
sampled every 6 rows), an LSTM(32) and a Dense(1) trained on them with early stopping.

Source: keras-io examples/timeseries/timeseries_weather_forecasting.py,
https://keras.io/examples/timeseries/timeseries_weather_forecasting/. Adapted: the Jena
climate CSV is 600 rows of 7 synthetic features (past=72 and future=12 rows, not 720 and 72),
2 epochs (not 10); `dataset_train.take(1)` is `next(iter(dataset_train))`, as the engine's
datasets are Python iterables.
"""

import numpy as np

SLOW = True  # ~40 s over Keras and four backends: its LSTM compiles dominate


def run(keras, same_weights):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(600, 7)).cumsum(axis=0).astype("float32")

    split_fraction = 0.715
    train_split = int(split_fraction * int(features.shape[0]))
    step = 6
    past = 72
    future = 12
    learning_rate = 0.001
    batch_size = 256
    epochs = 2

    def normalize(data, train_split):
        data_mean = data[:train_split].mean(axis=0)
        data_std = data[:train_split].std(axis=0)
        return (data - data_mean) / data_std

    features = normalize(features, train_split)
    train_data = features[0:train_split]
    val_data = features[train_split:]

    start = past + future
    end = start + train_split
    x_train = train_data[:, :7]
    y_train = features[start:end, [1]]
    sequence_length = int(past / step)

    dataset_train = keras.utils.timeseries_dataset_from_array(
        x_train,
        y_train,
        sequence_length=sequence_length,
        sampling_rate=step,
        batch_size=batch_size,
    )

    x_end = len(val_data) - past - future
    label_start = train_split + past + future
    x_val = val_data[:x_end, :7]
    y_val = features[label_start:, [1]]

    dataset_val = keras.utils.timeseries_dataset_from_array(
        x_val,
        y_val,
        sequence_length=sequence_length,
        sampling_rate=step,
        batch_size=batch_size,
    )

    inputs, targets = next(iter(dataset_train))
    print("Input shape:", inputs.shape)
    print("Target shape:", targets.shape)

    inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    lstm_out = keras.layers.LSTM(32)(inputs)
    outputs = keras.layers.Dense(1)(lstm_out)

    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    model.summary()
    same_weights(model)

    es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
    history = model.fit(
        dataset_train,
        epochs=epochs,
        validation_data=dataset_val,
        callbacks=[es_callback],
    )
    return {"loss": history.history["loss"][-1], "val_loss": history.history["val_loss"][-1]}
