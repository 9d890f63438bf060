"""Serialization & saving: a model with a Lambda layer saved to a `.keras` file, refused by
`load_model` in safe mode (its function is Python bytecode) and loaded with safe_mode=False.

Source: keras-io guides/serialization_and_saving.py ("Lambda layers", "safe_mode"),
https://keras.io/guides/serialization_and_saving/. Adapted: a Dense after the Lambda, the
weights set by `same_weights`, 2 rows predicted.
"""

import os
import tempfile

import numpy as np


def run(keras, same_weights):
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Lambda(lambda x: x**2),
        keras.layers.Dense(2),
    ])
    same_weights(model)
    path = os.path.join(tempfile.mkdtemp(), "lambda_model.keras")
    model.save(path)

    try:
        keras.models.load_model(path)
        refused = 0.0
    except ValueError as error:  # "...pass `safe_mode=False` to the loading function..."
        refused = float("safe_mode" in str(error))

    loaded = keras.models.load_model(path, safe_mode=False)
    rows = np.linspace(-1.0, 1.0, 6, dtype="float32").reshape(2, 3)
    return {"refused": refused, "original": model.predict(rows).sum(),
            "loaded": loaded.predict(rows).sum()}
