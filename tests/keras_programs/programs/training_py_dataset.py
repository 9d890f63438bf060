"""Training & evaluation with the built-in methods: training and evaluating from a
`keras.utils.PyDataset` subclass.

Source: keras-io guides/training_with_built_in_methods.py ("Using a PyDataset instance"),
https://keras.io/guides/training_with_built_in_methods/. Adapted: random MNIST-shaped data.
"""

import numpy as np

from tests.keras_programs.builtin_training_guide import mnist_data, models


def run(keras, same_weights):
    _, get_compiled_model = models(keras)
    (x_train, y_train), (x_val, y_val) = mnist_data()

    class ExamplePyDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x = x
            self.y = y
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size : (idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size : (idx + 1) * self.batch_size]
            return batch_x, batch_y

    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32)

    model = get_compiled_model()
    same_weights(model)
    history = model.fit(
        train_py_dataset, batch_size=64, validation_data=val_py_dataset, epochs=1
    )
    results = model.evaluate(val_py_dataset)
    return {"loss": history.history["loss"][-1], "val_loss": results[0]}
