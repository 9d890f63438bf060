"""Introduction to Keras for engineers: a subclassed Model holding a Sequential convolutional
base, trained with fit.

Source: keras-io guides/intro_to_keras_for_engineers.py ("Writing cross-framework custom
components"), https://keras.io/guides/intro_to_keras_for_engineers/. Adapted: MNIST is 64
random images of its shape; the model is called once before `same_weights`. Its Dropout(0.5)
draws different masks in Keras and the engine, so the losses are compared loosely.
"""

import numpy as np

from tests.keras_programs import synthetic_data

RTOL = 0.1
SLOW = True


def run(keras, same_weights):
    (x_train, y_train), _ = synthetic_data.mnist(train=64, test=32)
    x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
    batch_size = 128

    class MyModel(keras.Model):
        def __init__(self, conv_filters, num_classes):
            super().__init__()
            self.num_classes = num_classes
            self.conv_base = keras.Sequential(
                [
                    keras.layers.Conv2D(conv_filters, kernel_size=(3, 3), activation="relu"),
                    keras.layers.Conv2D(conv_filters, kernel_size=(3, 3), activation="relu"),
                    keras.layers.MaxPooling2D(pool_size=(2, 2)),
                    keras.layers.Conv2D(conv_filters, kernel_size=(3, 3), activation="relu"),
                    keras.layers.Conv2D(conv_filters, kernel_size=(3, 3), activation="relu"),
                    keras.layers.GlobalAveragePooling2D(),
                ]
            )
            self.dropout = keras.layers.Dropout(0.5)
            self.dense = keras.layers.Dense(num_classes, activation="softmax")

        def call(self, x):
            x = self.conv_base(x)
            x = self.dropout(x)
            return self.dense(x)

    model = MyModel(conv_filters=32, num_classes=10)
    model(x_train[:1])
    same_weights(model)

    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="acc"),
        ],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=1,
        validation_split=0.15,
    )
    return {"val_loss": history.history["val_loss"][-1]}
