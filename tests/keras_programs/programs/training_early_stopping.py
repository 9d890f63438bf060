"""Training & evaluation with the built-in methods: the EarlyStopping callback on `val_loss`
with `min_delta` and `patience`.

Source: keras-io guides/training_with_built_in_methods.py ("Using callbacks"),
https://keras.io/guides/training_with_built_in_methods/. Adapted: random MNIST-shaped data
(nothing to learn, so it stops early), at most 6 epochs (not 20).
"""

from tests.keras_programs.builtin_training_guide import mnist_data, models


def run(keras, same_weights):
    _, get_compiled_model = models(keras)
    (x_train, y_train), _ = mnist_data()

    model = get_compiled_model()
    same_weights(model)

    callbacks = [
        keras.callbacks.EarlyStopping(
            # Stop training when `val_loss` is no longer improving
            monitor="val_loss",
            # "no longer improving" being defined as "no better than 1e-2 less"
            min_delta=1e-2,
            # "no longer improving" being further defined as "for at least 2 epochs"
            patience=2,
            verbose=1,
        )
    ]
    history = model.fit(
        x_train,
        y_train,
        epochs=6,
        batch_size=64,
        callbacks=callbacks,
        validation_split=0.2,
    )
    return {"epochs": len(history.history["loss"]), "val_loss": history.history["val_loss"][-1]}
