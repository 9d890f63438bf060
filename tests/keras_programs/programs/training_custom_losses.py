"""Training & evaluation with the built-in methods: a loss written as a function, and a Loss
subclass with a regularization factor, trained on one-hot labels.

Source: keras-io guides/training_with_built_in_methods.py ("Custom losses"),
https://keras.io/guides/training_with_built_in_methods/. Adapted: random MNIST-shaped data.
"""

from tests.keras_programs.builtin_training_guide import mnist_data, models


def run(keras, same_weights):
    ops = keras.ops
    get_uncompiled_model, _ = models(keras)
    (x_train, y_train), _ = mnist_data()

    def custom_mean_squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    model = get_uncompiled_model()
    same_weights(model)
    model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)

    # We need to one-hot encode the labels to use MSE
    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    function_history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1)

    class CustomMSE(keras.losses.Loss):
        def __init__(self, regularization_factor=0.1, name="custom_mse"):
            super().__init__(name=name)
            self.regularization_factor = regularization_factor

        def call(self, y_true, y_pred):
            mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
            reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
            return mse + reg * self.regularization_factor

    model = get_uncompiled_model()
    same_weights(model)
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())

    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    class_history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1)
    return {
        "function_loss": function_history.history["loss"][-1],
        "class_loss": class_history.history["loss"][-1],
    }
