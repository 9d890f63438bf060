"""The model and data that the callbacks guide's sections share
(keras-io guides/writing_your_own_callbacks.py, https://keras.io/guides/writing_your_own_callbacks/)."""

from tests.keras_programs import synthetic_data


def mnist_data():
    """The guide's MNIST preparation, on 64 random images of MNIST's shape (not 1000): one
    batch an epoch, so that fit's shuffling (its order differs from Keras's) changes nothing."""
    (x_train, y_train), (x_test, y_test) = synthetic_data.mnist(train=64, test=64)
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.0
    return (x_train, y_train), (x_test, y_test)


def model_factory(keras, same_weights):
    """The guide's get_model; the model is built for 784 inputs before `same_weights`."""

    def get_model():
        model = keras.Sequential()
        model.add(keras.layers.Dense(1))
        model.build((None, 784))
        same_weights(model)
        model.compile(
            optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
            loss="mean_squared_error",
            metrics=["mean_absolute_error"],
        )
        return model

    return get_model


def loss_and_error_printing_callback(keras):
    """The guide's LossAndErrorPrintingCallback class."""

    class LossAndErrorPrintingCallback(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print(
                "Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"])
            )

        def on_test_batch_end(self, batch, logs=None):
            print(
                "Up to batch {}, the average loss is {:7.2f}.".format(batch, logs["loss"])
            )

        def on_epoch_end(self, epoch, logs=None):
            print(
                "The average loss for epoch {} is {:7.2f} "
                "and mean absolute error is {:7.2f}.".format(
                    epoch, logs["loss"], logs["mean_absolute_error"]
                )
            )

    return LossAndErrorPrintingCallback
