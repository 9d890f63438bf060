"""Timeseries classification from scratch: a fully convolutional network (Conv1D,
BatchNormalization, ReLU, global average pooling) with checkpoint, learning-rate and
early-stopping callbacks, reloaded from its best checkpoint.

Source: keras-io examples/timeseries/timeseries_classification_from_scratch.py,
https://keras.io/examples/timeseries/timeseries_classification_from_scratch/. Adapted: FordA
is 40 random series of 100 steps (32 to train on: one batch an epoch) (not 3601 of 500) with labels
-1/1, 2 epochs (not 500); the
checkpoint goes to a temporary folder.
"""

import os
import tempfile

import numpy as np


def run(keras, same_weights):
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(40, 100)).astype("float32")
    y_train = rng.choice([-1, 1], size=40)
    x_test = rng.normal(size=(32, 100)).astype("float32")
    y_test = rng.choice([-1, 1], size=32)

    x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
    x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

    num_classes = len(np.unique(y_train))

    y_train[y_train == -1] = 0
    y_test[y_test == -1] = 0

    def make_model(input_shape):
        input_layer = keras.layers.Input(input_shape)

        conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
        conv1 = keras.layers.BatchNormalization()(conv1)
        conv1 = keras.layers.ReLU()(conv1)

        conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
        conv2 = keras.layers.BatchNormalization()(conv2)
        conv2 = keras.layers.ReLU()(conv2)

        conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
        conv3 = keras.layers.BatchNormalization()(conv3)
        conv3 = keras.layers.ReLU()(conv3)

        gap = keras.layers.GlobalAveragePooling1D()(conv3)

        output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

        return keras.models.Model(inputs=input_layer, outputs=output_layer)

    model = make_model(input_shape=x_train.shape[1:])
    same_weights(model)

    epochs = 2
    batch_size = 32

    with tempfile.TemporaryDirectory() as folder:
        best_model = os.path.join(folder, "best_model.keras")
        callbacks = [
            keras.callbacks.ModelCheckpoint(best_model, save_best_only=True, monitor="val_loss"),
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001
            ),
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=1),
        ]
        model.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["sparse_categorical_accuracy"],
        )
        history = model.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            callbacks=callbacks,
            validation_split=0.2,
            verbose=1,
        )

        model = keras.models.load_model(best_model)

    test_loss, test_acc = model.evaluate(x_test, y_test)

    print("Test accuracy", test_acc)
    print("Test loss", test_loss)
    return {"loss": history.history["loss"][-1], "test_loss": test_loss}
