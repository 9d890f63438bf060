"""Writing your own callbacks: EarlyStoppingAtMinLoss, which keeps the best weights and sets
`model.stop_training` when the loss stops falling.

Source: keras-io guides/writing_your_own_callbacks.py ("Early stopping at minimum loss"),
https://keras.io/guides/writing_your_own_callbacks/. Adapted: random MNIST-shaped data, at
most 8 epochs (not 30).
"""

import numpy as np

from tests.keras_programs.callbacks_guide import (
    loss_and_error_printing_callback,
    mnist_data,
    model_factory,
)


def run(keras, same_weights):
    get_model = model_factory(keras, same_weights)
    LossAndErrorPrintingCallback = loss_and_error_printing_callback(keras)
    (x_train, y_train), _ = mnist_data()

    class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
        """Stop training when the loss is at its min, i.e. the loss stops decreasing.

        Arguments:
            patience: Number of epochs to wait after min has been hit. After this
            number of no improvement, training stops.
        """

        def __init__(self, patience=0):
            super().__init__()
            self.patience = patience
            # best_weights to store the weights at which the minimum loss occurs.
            self.best_weights = None

        def on_train_begin(self, logs=None):
            # The number of epoch it has waited when loss is no longer minimum.
            self.wait = 0
            # The epoch the training stops at.
            self.stopped_epoch = 0
            # Initialize the best as infinity.
            self.best = np.inf

        def on_epoch_end(self, epoch, logs=None):
            current = logs.get("loss")
            if np.less(current, self.best):
                self.best = current
                self.wait = 0
                # Record the best weights if current results is better (less).
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.stopped_epoch = epoch
                    self.model.stop_training = True
                    print("Restoring model weights from the end of the best epoch.")
                    self.model.set_weights(self.best_weights)

        def on_train_end(self, logs=None):
            if self.stopped_epoch > 0:
                print(f"Epoch {self.stopped_epoch + 1}: early stopping")

    model = get_model()
    stopper = EarlyStoppingAtMinLoss()
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=8,
        verbose=0,
        callbacks=[LossAndErrorPrintingCallback(), stopper],
    )
    return {"epochs": len(history.history["loss"]), "best": stopper.best}
