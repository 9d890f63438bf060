"""The Functional API guide: a toy ResNet for CIFAR-10 with residual `layers.add`.

Source: keras-io guides/functional_api.py ("A toy ResNet model"),
https://keras.io/guides/functional_api/. Adapted: CIFAR-10 is 40 random images of its shape
(the guide trains on 1000). Dropout(0.5) draws different masks in Keras and the engine, so the
losses are compared loosely.
"""

import numpy as np

RTOL = 0.1
SLOW = True


def run(keras, same_weights):
    layers = keras.layers
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])

    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)

    model = keras.Model(inputs, outputs, name="toy_resnet")
    model.summary()
    same_weights(model)

    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(40, 32, 32, 3)).astype("uint8")
    y_train = rng.integers(0, 10, size=(40, 1))
    x_train = x_train.astype("float32") / 255.0
    y_train = keras.utils.to_categorical(y_train, 10)

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["acc"],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=1, validation_split=0.2)
    return {"val_loss": history.history["val_loss"][-1]}
