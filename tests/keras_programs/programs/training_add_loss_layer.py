"""Training & evaluation with the built-in methods: an activity-regularization layer that calls
`add_loss` inside a functional model trained with a compiled loss.

Source: keras-io guides/training_with_built_in_methods.py ("Handling losses and metrics that
don't fit the standard signature"), https://keras.io/guides/training_with_built_in_methods/.
Adapted: random MNIST-shaped data.
"""

from tests.keras_programs.builtin_training_guide import mnist_data


def run(keras, same_weights):
    layers, ops = keras.layers, keras.ops
    (x_train, y_train), _ = mnist_data()

    class ActivityRegularizationLayer(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(inputs) * 0.1)
            return inputs  # Pass-through layer.

    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)

    # Insert activity regularization as a layer
    x = ActivityRegularizationLayer()(x)

    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)

    model = keras.Model(inputs=inputs, outputs=outputs)
    same_weights(model)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )

    # The displayed loss will be much higher than before
    # due to the regularization component.
    history = model.fit(x_train, y_train, batch_size=64, epochs=1)
    return {"loss": history.history["loss"][-1]}
