"""Writing your own callbacks: a callback that prints the running loss after each batch and
the epoch's loss and error, in fit and evaluate.

Source: keras-io guides/writing_your_own_callbacks.py ("Usage of logs dict"),
https://keras.io/guides/writing_your_own_callbacks/. Adapted: random MNIST-shaped data; the
program returns the last logs it saw.
"""

from tests.keras_programs.callbacks_guide import (
    loss_and_error_printing_callback,
    mnist_data,
    model_factory,
)


def run(keras, same_weights):
    get_model = model_factory(keras, same_weights)
    LossAndErrorPrintingCallback = loss_and_error_printing_callback(keras)
    (x_train, y_train), (x_test, y_test) = mnist_data()

    model = get_model()
    history = model.fit(
        x_train,
        y_train,
        batch_size=128,
        epochs=2,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback()],
    )

    res = model.evaluate(
        x_test,
        y_test,
        batch_size=128,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback()],
    )
    return {"loss": history.history["loss"][-1], "test_loss": res[0], "test_mae": res[1]}
