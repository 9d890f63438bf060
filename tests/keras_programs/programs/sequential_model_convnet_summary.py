"""The Sequential model guide: the add() + summary() debugging workflow on a convnet, down to
global max pooling and a classification layer.

Source: keras-io guides/sequential_model.py ("A common debugging workflow: add() +
summary()"), https://keras.io/guides/sequential_model/. Adapted: the model predicts one random
250x250 image.
"""

import numpy as np


def run(keras, same_weights):
    layers = keras.layers
    model = keras.Sequential()
    model.add(keras.Input(shape=(250, 250, 3)))  # 250x250 RGB images
    model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))

    # Can you guess what the current output shape is at this point? Probably not.
    # Let's just print it:
    model.summary()

    # The answer was: (40, 40, 32), so we can keep downsampling...

    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(2))

    # And now?
    model.summary()

    # Now that we have 4x4 feature maps, time to apply global max pooling.
    model.add(layers.GlobalMaxPooling2D())

    # Finally, we add a classification layer.
    model.add(layers.Dense(10))
    same_weights(model)
    image = np.random.default_rng(0).random((1, 250, 250, 3)).astype("float32")
    return {"logits_sum": model.predict(image).sum()}
