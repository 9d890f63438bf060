"""Training & evaluation with the built-in methods: fit with a `class_weight` dict, and with
per-sample `sample_weight`s.

Source: keras-io guides/training_with_built_in_methods.py ("Using sample weighting and class
weighting"), https://keras.io/guides/training_with_built_in_methods/. Adapted: random
MNIST-shaped data.
"""

import numpy as np

from tests.keras_programs.builtin_training_guide import mnist_data, models


def run(keras, same_weights):
    _, get_compiled_model = models(keras)
    (x_train, y_train), _ = mnist_data()

    class_weight = {
        0: 1.0,
        1: 1.0,
        2: 1.0,
        3: 1.0,
        4: 1.0,
        # Set weight "2" for class "5",
        # making this class 2x more important
        5: 2.0,
        6: 1.0,
        7: 1.0,
        8: 1.0,
        9: 1.0,
    }

    print("Fit with class weight")
    model = get_compiled_model()
    same_weights(model)
    class_history = model.fit(x_train, y_train, class_weight=class_weight, batch_size=64, epochs=1)

    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0

    print("Fit with sample weight")
    model = get_compiled_model()
    same_weights(model)
    sample_history = model.fit(
        x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=1
    )
    return {
        "class_weight_loss": class_history.history["loss"][-1],
        "sample_weight_loss": sample_history.history["loss"][-1],
    }
