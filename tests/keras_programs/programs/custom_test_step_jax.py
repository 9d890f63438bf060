"""Customizing what happens in fit() with JAX: a stateless `test_step` used by `evaluate`.

Source: keras-io guides/custom_train_step_in_jax.py ("Providing your own evaluation step"),
https://keras.io/guides/custom_train_step_in_jax/. Adapted: 64 random rows (not 1000).
Its `test_step` calls no JAX function (only the stateless model API), so it runs on every
engine backend.
"""

import numpy as np


def run(keras, same_weights):
    class CustomModel(keras.Model):
        def test_step(self, state, data):
            # Unpack the data.
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            (
                trainable_variables,
                non_trainable_variables,
                metrics_variables,
            ) = state

            # Compute predictions and loss.
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables,
                non_trainable_variables,
                x,
                training=False,
            )
            loss, (
                trainable_variables,
                non_trainable_variables,
                metrics_variables,
            ) = self.stateless_compute_loss(
                trainable_variables,
                non_trainable_variables,
                metrics_variables,
                x=x,
                y=y,
                y_pred=y_pred,
                sample_weight=sample_weight,
                training=False,
            )

            # Update metrics.
            new_metrics_vars = []
            logs = {}
            for metric in self.metrics:
                this_metric_vars = metrics_variables[
                    len(new_metrics_vars) : len(new_metrics_vars) + len(metric.variables)
                ]
                if metric.name == "loss":
                    this_metric_vars = metric.stateless_update_state(
                        this_metric_vars, loss, sample_weight=sample_weight
                    )
                else:
                    this_metric_vars = metric.stateless_update_state(
                        this_metric_vars, y, y_pred, sample_weight=sample_weight
                    )
                logs[metric.name] = metric.stateless_result(this_metric_vars)
                new_metrics_vars += this_metric_vars

            # Return metric logs and updated state variables.
            state = (
                trainable_variables,
                non_trainable_variables,
                new_metrics_vars,
            )
            return logs, state

    # Construct an instance of CustomModel
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    same_weights(model)
    model.compile(loss="mse", metrics=["mae"])

    # Evaluate with our custom test_step
    rng = np.random.default_rng(0)
    x = rng.random((64, 32))
    y = rng.random((64, 1))
    logs = model.evaluate(x, y, return_dict=True)
    return {"loss": logs["loss"], "mae": logs["mae"]}
