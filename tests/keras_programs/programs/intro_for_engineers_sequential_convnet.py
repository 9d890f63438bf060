"""Introduction to Keras for engineers: a Sequential convnet on MNIST with checkpoint and
early-stopping callbacks, evaluated and saved.

Source: keras-io guides/intro_to_keras_for_engineers.py ("Building a model", "Training the
model"), https://keras.io/guides/intro_to_keras_for_engineers/. Adapted: MNIST is 64 random
images of its shape, 2 epochs (not 20); files go to a temporary folder. Its Dropout(0.5) draws
different masks in Keras and the engine, so the losses are compared loosely.
"""

import os
import tempfile

import numpy as np

from tests.keras_programs import synthetic_data

RTOL = 0.1
SLOW = True


def run(keras, same_weights):
    # Load the data and split it between train and test sets
    (x_train, y_train), (x_test, y_test) = synthetic_data.mnist(train=64, test=32)

    # Scale images to the [0, 1] range
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    # Make sure images have shape (28, 28, 1)
    x_train = np.expand_dims(x_train, -1)
    x_test = np.expand_dims(x_test, -1)

    # Model parameters
    num_classes = 10
    input_shape = (28, 28, 1)

    model = keras.Sequential(
        [
            keras.layers.Input(shape=input_shape),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(128, kernel_size=(3, 3), activation="relu"),
            keras.layers.Conv2D(128, kernel_size=(3, 3), activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.summary()
    same_weights(model)

    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="acc"),
        ],
    )

    batch_size = 128
    epochs = 2

    with tempfile.TemporaryDirectory() as folder:
        callbacks = [
            keras.callbacks.ModelCheckpoint(
                filepath=os.path.join(folder, "model_at_epoch_{epoch}.keras")
            ),
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=2),
        ]

        model.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            validation_split=0.15,
            callbacks=callbacks,
        )
        score = model.evaluate(x_test, y_test, verbose=0)

        model.save(os.path.join(folder, "final_model.keras"))
        model = keras.saving.load_model(os.path.join(folder, "final_model.keras"))
    predictions = model.predict(x_test)
    return {"test_loss": score[0], "prediction_max": predictions.max()}
