"""The MNIST model and data that the built-in training guide's sections share
(keras-io guides/training_with_built_in_methods.py, https://keras.io/guides/training_with_built_in_methods/)."""

from tests.keras_programs import synthetic_data


def mnist_data():
    """The guide's MNIST preparation, on random images of MNIST's shape: 64 for training (one
    batch an epoch, so that fit's shuffling, in another order than Keras's, changes nothing)
    and 64 for validation."""
    (x_train, y_train), (x_test, y_test) = synthetic_data.mnist(train=128)
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    y_train = y_train.astype("float32")
    return (x_train[:-64], y_train[:-64]), (x_train[-64:], y_train[-64:])


def models(keras):
    """The guide's get_uncompiled_model and get_compiled_model."""
    layers = keras.layers

    def get_uncompiled_model():
        inputs = keras.Input(shape=(784,), name="digits")
        x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
        x = layers.Dense(64, activation="relu", name="dense_2")(x)
        outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
        return model

    def get_compiled_model():
        model = get_uncompiled_model()
        model.compile(
            optimizer="rmsprop",
            loss="sparse_categorical_crossentropy",
            metrics=["sparse_categorical_accuracy"],
        )
        return model

    return get_uncompiled_model, get_compiled_model
