"""Training & evaluation with the built-in methods: an image and a timeseries input, a score
and a class output, with losses, metrics and loss weights given per output.

Source: keras-io guides/training_with_built_in_methods.py ("Passing data to multi-input,
multi-output models"), https://keras.io/guides/training_with_built_in_methods/. Adapted: the
guide's dummy data has 32 rows (not 100).
"""

import numpy as np


def run(keras, same_weights):
    layers = keras.layers
    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")

    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)

    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)

    x = layers.concatenate([x1, x2])

    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)

    model = keras.Model(
        inputs=[image_input, timeseries_input], outputs=[score_output, class_output]
    )
    same_weights(model)

    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={
            "score_output": keras.losses.MeanSquaredError(),
            "class_output": keras.losses.CategoricalCrossentropy(),
        },
        metrics={
            "score_output": [
                keras.metrics.MeanAbsolutePercentageError(),
                keras.metrics.MeanAbsoluteError(),
            ],
            "class_output": [keras.metrics.CategoricalAccuracy()],
        },
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    )

    # Generate dummy NumPy data
    rng = np.random.default_rng(0)
    img_data = rng.random(size=(32, 32, 32, 3))
    ts_data = rng.random(size=(32, 20, 10))
    score_targets = rng.random(size=(32, 1))
    class_targets = rng.random(size=(32, 5))

    # Fit on dicts
    history = model.fit(
        {"img_input": img_data, "ts_input": ts_data},
        {"score_output": score_targets, "class_output": class_targets},
        batch_size=32,
        epochs=1,
    )
    return {"loss": history.history["loss"][-1]}
