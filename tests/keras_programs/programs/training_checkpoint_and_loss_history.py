"""Training & evaluation with the built-in methods: a LossHistory callback of per-batch losses,
and ModelCheckpoint saving the best model by `val_loss`.

Source: keras-io guides/training_with_built_in_methods.py ("Writing your own callback",
"Checkpointing models"), https://keras.io/guides/training_with_built_in_methods/. Adapted:
random MNIST-shaped data; checkpoints go to a temporary folder.
"""

import os
import tempfile

from tests.keras_programs.builtin_training_guide import mnist_data, models


def run(keras, same_weights):
    _, get_compiled_model = models(keras)
    (x_train, y_train), _ = mnist_data()

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

    model = get_compiled_model()
    same_weights(model)
    loss_history = LossHistory()
    with tempfile.TemporaryDirectory() as folder:
        callbacks = [
            loss_history,
            keras.callbacks.ModelCheckpoint(
                # Path where to save the model
                # The two parameters below mean that we will overwrite
                # the current checkpoint if and only if
                # the `val_loss` score has improved.
                # The saved model name will include the current epoch.
                filepath=os.path.join(folder, "mymodel_{epoch}.keras"),
                save_best_only=True,  # Only save a model if `val_loss` has improved.
                monitor="val_loss",
                verbose=1,
            ),
        ]
        history = model.fit(
            x_train, y_train, epochs=2, batch_size=64, callbacks=callbacks, validation_split=0.2
        )
        assert os.path.exists(os.path.join(folder, "mymodel_1.keras"))
    return {
        "batches": len(loss_history.per_batch_losses),
        "last_batch_loss": loss_history.per_batch_losses[-1],
        "val_loss": history.history["val_loss"][-1],
    }
