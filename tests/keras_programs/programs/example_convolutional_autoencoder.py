"""Convolutional autoencoder for image denoising: trained to reconstruct images, then to
denoise them.

Source: keras-io examples/vision/autoencoder.py, https://keras.io/examples/vision/autoencoder/.
Adapted: MNIST is 64 random images of its shape, each fit runs 1 epoch (not 50 and 100), the
noise comes from a seeded generator.
"""

import numpy as np

from tests.keras_programs import synthetic_data


def run(keras, same_weights):
    layers = keras.layers
    Model = keras.Model
    rng = np.random.default_rng(0)

    def preprocess(array):
        """Normalizes the supplied array and reshapes it."""
        array = array.astype("float32") / 255.0
        array = np.reshape(array, (len(array), 28, 28, 1))
        return array

    def noise(array):
        """Adds random noise to each image in the supplied array."""
        noise_factor = 0.4
        noisy_array = array + noise_factor * rng.normal(loc=0.0, scale=1.0, size=array.shape)
        return np.clip(noisy_array, 0.0, 1.0)

    # Since we only need images from the dataset to encode and decode, we
    # won't use the labels.
    (train_data, _), (test_data, _) = synthetic_data.mnist(train=64, test=32)

    # Normalize and reshape the data
    train_data = preprocess(train_data)
    test_data = preprocess(test_data)

    # Create a copy of the data with added noise
    noisy_train_data = noise(train_data)
    noisy_test_data = noise(test_data)

    input = layers.Input(shape=(28, 28, 1))

    # Encoder
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(input)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)

    # Decoder
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

    # Autoencoder
    autoencoder = Model(input, x)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    autoencoder.summary()
    same_weights(autoencoder)

    autoencoder.fit(
        x=train_data,
        y=train_data,
        epochs=1,
        batch_size=128,
        shuffle=True,
        validation_data=(test_data, test_data),
    )
    history = autoencoder.fit(
        x=noisy_train_data,
        y=train_data,
        epochs=1,
        batch_size=128,
        shuffle=True,
        validation_data=(noisy_test_data, test_data),
    )
    return {"loss": history.history["loss"][-1], "val_loss": history.history["val_loss"][-1]}
