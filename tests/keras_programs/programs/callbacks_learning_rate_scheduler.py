"""Writing your own callbacks: a learning-rate scheduler that sets
`model.optimizer.learning_rate` at the start of chosen epochs.

Source: keras-io guides/writing_your_own_callbacks.py ("Learning rate scheduling"),
https://keras.io/guides/writing_your_own_callbacks/. Adapted: random MNIST-shaped data, 8
epochs (not 15).
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

    class CustomLearningRateScheduler(keras.callbacks.Callback):
        """Learning rate scheduler which sets the learning rate according to schedule.

        Arguments:
            schedule: a function that takes an epoch index
                (integer, indexed from 0) and current learning rate
                as inputs and returns a new learning rate as output (float).
        """

        def __init__(self, schedule):
            super().__init__()
            self.schedule = schedule

        def on_epoch_begin(self, epoch, logs=None):
            if not hasattr(self.model.optimizer, "learning_rate"):
                raise ValueError('Optimizer must have a "learning_rate" attribute.')
            # Get the current learning rate from model's optimizer.
            lr = self.model.optimizer.learning_rate
            # Call schedule function to get the scheduled learning rate.
            scheduled_lr = self.schedule(epoch, lr)
            # Set the value back to the optimizer before this epoch starts
            self.model.optimizer.learning_rate = scheduled_lr
            print(f"\nEpoch {epoch}: Learning rate is {float(np.array(scheduled_lr))}.")

    LR_SCHEDULE = [
        # (epoch to start, learning rate) tuples
        (3, 0.05),
        (6, 0.01),
        (9, 0.005),
        (12, 0.001),
    ]

    def lr_schedule(epoch, lr):
        """Helper function to retrieve the scheduled learning rate based on epoch."""
        if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
            return lr
        for i in range(len(LR_SCHEDULE)):
            if epoch == LR_SCHEDULE[i][0]:
                return LR_SCHEDULE[i][1]
        return lr

    model = get_model()
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=8,
        verbose=0,
        callbacks=[
            LossAndErrorPrintingCallback(),
            CustomLearningRateScheduler(lr_schedule),
        ],
    )
    return {
        "loss": history.history["loss"][-1],
        "learning_rate": float(np.array(model.optimizer.learning_rate)),
    }
