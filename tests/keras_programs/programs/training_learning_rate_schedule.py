"""Training & evaluation with the built-in methods: RMSprop driven by an ExponentialDecay
learning-rate schedule.

Source: keras-io guides/training_with_built_in_methods.py ("Using learning rate schedules"),
https://keras.io/guides/training_with_built_in_methods/. Adapted: the guide only builds the
optimizer; it trains the guide's compiled MNIST model on random data, with decay_steps=2 so
the schedule acts within these few steps and an initial rate of 1e-2 (not 0.1), for 4 epochs.
"""

from tests.keras_programs.builtin_training_guide import mnist_data, models


def run(keras, same_weights):
    get_uncompiled_model, _ = models(keras)
    (x_train, y_train), _ = mnist_data()

    initial_learning_rate = 1e-2
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=2, decay_rate=0.96, staircase=True
    )

    optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
    model = get_uncompiled_model()
    same_weights(model)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    history = model.fit(x_train, y_train, batch_size=64, epochs=4)
    return {"loss": history.history["loss"][-1], "rate_at_4": lr_schedule(4)}
