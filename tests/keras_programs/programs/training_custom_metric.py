"""Training & evaluation with the built-in methods: a Metric subclass with `add_variable`,
`update_state`, `result` and `reset_state`.

Source: keras-io guides/training_with_built_in_methods.py ("Custom metrics"),
https://keras.io/guides/training_with_built_in_methods/. Adapted: random MNIST-shaped data,
2 epochs (not 3).
"""

from tests.keras_programs.builtin_training_guide import mnist_data, models


def run(keras, same_weights):
    ops = keras.ops
    get_uncompiled_model, _ = models(keras)
    (x_train, y_train), _ = mnist_data()

    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(
                shape=(), name="ctp", initializer="zeros"
            )

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives.value

        def reset_state(self):
            # The state of the metric will be reset at the start of each epoch.
            self.true_positives.assign(0.0)

    model = get_uncompiled_model()
    same_weights(model)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[CategoricalTruePositives()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=2)
    return {
        "loss": history.history["loss"][-1],
        "true_positives": history.history["categorical_true_positives"][-1],
    }
