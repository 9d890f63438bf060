"""Serialization & saving: a model's architecture through `get_config`/`from_config`,
`to_json`/`model_from_json` and `clone_model`, without its weights.

Source: keras-io guides/serialization_and_saving.py ("Model serialization",
"Saving & loading only the model's architecture"),
https://keras.io/guides/serialization_and_saving/. Adapted: each rebuilt model predicts 2 rows
after `same_weights`.
"""

import numpy as np


def run(keras, same_weights):
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
    config = model.get_config()
    new_model = keras.Sequential.from_config(config)

    json_config = model.to_json()
    json_model = keras.models.model_from_json(json_config)

    cloned = keras.models.clone_model(model)

    rows = np.full((2, 32), 0.5, "float32")
    results = {}
    for name, rebuilt in (("from_config", new_model), ("from_json", json_model), ("clone", cloned)):
        same_weights(rebuilt)
        results[name] = rebuilt.predict(rows).sum()
    return results
