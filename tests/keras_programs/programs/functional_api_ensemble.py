"""The Functional API guide: three models averaged into an ensemble with `layers.average`.

Source: keras-io guides/functional_api.py ("All models are callable, just like layers"),
https://keras.io/guides/functional_api/. Adapted: the ensemble predicts 8 random rows.
"""

import numpy as np


def run(keras, same_weights):
    layers = keras.layers

    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1 = get_model()
    model2 = get_model()
    model3 = get_model()

    inputs = keras.Input(shape=(128,))
    y1 = model1(inputs)
    y2 = model2(inputs)
    y3 = model3(inputs)
    outputs = layers.average([y1, y2, y3])
    ensemble_model = keras.Model(inputs=inputs, outputs=outputs)
    same_weights(ensemble_model)

    rows = np.random.default_rng(0).random((8, 128)).astype("float32")
    predictions = ensemble_model.predict(rows)
    return {"prediction_sum": predictions.sum(), "model1_sum": model1.predict(rows).sum()}
