"""The Functional API guide: encoder and decoder models called like layers in an autoencoder.

Source: keras-io guides/functional_api.py ("All models are callable, just like layers"),
https://keras.io/guides/functional_api/. Adapted: the guide only builds the models; the
autoencoder is called on 4 random images of MNIST's shape.
"""

import numpy as np


def run(keras, same_weights):
    layers = keras.layers
    encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)

    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    encoder.summary()

    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)

    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    decoder.summary()

    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    autoencoder.summary()
    same_weights(autoencoder)

    images = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    decoded = autoencoder.predict(images)
    assert decoded.shape == (4, 28, 28, 1)
    return {"decoded_mean": decoded.mean(), "encoded_mean": encoder.predict(images).mean()}
