"""Making new layers and models via subclassing: the end-to-end variational autoencoder, a
subclassed Model of subclassed layers whose KL term comes from `add_loss`.

Source: keras-io guides/making_new_layers_and_models_via_subclassing.py ("Putting it all
together: an end-to-end example"),
https://keras.io/guides/making_new_layers_and_models_via_subclassing/. Adapted: MNIST is 64
random images of its shape, trained for 1 epoch (not 2); the model is called once before
`same_weights`. Its Sampling layer draws noise, differently in Keras and the engine, so the
losses are compared loosely.
"""

import numpy as np

RTOL = 0.1


def run(keras, same_weights):
    layers, ops = keras.layers, keras.ops

    class Sampling(layers.Layer):
        """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class Encoder(layers.Layer):
        """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

        def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_mean = layers.Dense(latent_dim)
            self.dense_log_var = layers.Dense(latent_dim)
            self.sampling = Sampling()

        def call(self, inputs):
            x = self.dense_proj(inputs)
            z_mean = self.dense_mean(x)
            z_log_var = self.dense_log_var(x)
            z = self.sampling((z_mean, z_log_var))
            return z_mean, z_log_var, z

    class Decoder(layers.Layer):
        """Converts z, the encoded digit vector, back into a readable digit."""

        def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_output = layers.Dense(original_dim, activation="sigmoid")

        def call(self, inputs):
            x = self.dense_proj(inputs)
            return self.dense_output(x)

    class VariationalAutoEncoder(keras.Model):
        """Combines the encoder and decoder into an end-to-end model for training."""

        def __init__(
            self,
            original_dim,
            intermediate_dim=64,
            latent_dim=32,
            name="autoencoder",
            **kwargs
        ):
            super().__init__(name=name, **kwargs)
            self.original_dim = original_dim
            self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
            self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            reconstructed = self.decoder(z)
            # Add KL divergence regularization loss.
            kl_loss = -0.5 * ops.mean(
                z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1
            )
            self.add_loss(kl_loss)
            return reconstructed

    x_train = np.random.default_rng(0).integers(0, 256, size=(64, 28, 28))
    x_train = x_train.reshape(64, 784).astype("float32") / 255

    original_dim = 784
    vae = VariationalAutoEncoder(784, 64, 32)
    vae(x_train[:2])
    same_weights(vae)

    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=keras.losses.MeanSquaredError())

    history = vae.fit(x_train, x_train, epochs=1, batch_size=64)
    return {"loss": history.history["loss"][-1], "original_dim": original_dim}
