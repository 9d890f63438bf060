"""Training & evaluation with the built-in methods: the API overview (compile with a metric
object, fit with validation_data, evaluate, predict).

Source: keras-io guides/training_with_built_in_methods.py ("API overview: a first end-to-end
example"), https://keras.io/guides/training_with_built_in_methods/. Adapted: MNIST is random
images of its shape (64 to train on, one batch an epoch; 64 held out for
validation, not 10,000).
"""

from tests.keras_programs import synthetic_data


def run(keras, same_weights):
    layers = keras.layers
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)

    model = keras.Model(inputs=inputs, outputs=outputs)
    same_weights(model)

    (x_train, y_train), (x_test, y_test) = synthetic_data.mnist(train=128)

    # Preprocess the data (these are NumPy arrays)
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255

    y_train = y_train.astype("float32")
    y_test = y_test.astype("float32")

    # Reserve samples for validation
    x_val = x_train[-64:]
    y_val = y_train[-64:]
    x_train = x_train[:-64]
    y_train = y_train[:-64]

    model.compile(
        optimizer=keras.optimizers.RMSprop(),  # Optimizer
        # Loss function to minimize
        loss=keras.losses.SparseCategoricalCrossentropy(),
        # List of metrics to monitor
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )

    print("Fit model on training data")
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=2,
        # We pass some validation for
        # monitoring validation loss and metrics
        # at the end of each epoch
        validation_data=(x_val, y_val),
    )
    print(history.history)

    # Evaluate the model on the test data using `evaluate`
    print("Evaluate on test data")
    results = model.evaluate(x_test, y_test, batch_size=128)
    print("test loss, test acc:", results)

    # Generate predictions (probabilities -- the output of the last layer)
    # on new data using `predict`
    print("Generate predictions for 3 samples")
    predictions = model.predict(x_test[:3])
    print("predictions shape:", predictions.shape)
    return {
        "loss": history.history["loss"][-1],
        "val_loss": history.history["val_loss"][-1],
        "test_loss": results[0],
        "prediction_max": predictions.max(),
    }
