"""Customizing what happens in fit() with JAX: a stateless `train_step` with
`jax.value_and_grad`, `stateless_call`, `stateless_compute_loss` and the optimizer's
`stateless_apply`, updating the compiled metrics statelessly.

Source: keras-io guides/custom_train_step_in_jax.py ("A first simple example"),
https://keras.io/guides/custom_train_step_in_jax/. Adapted: 32 random rows (not 1000: one batch an
epoch).
Written for JAX: it runs on the engine's JAX backend only.
"""

import numpy as np

ENGINE_BACKENDS = ("jax",)


def run(keras, same_weights):
    import jax

    class CustomModel(keras.Model):
        def compute_loss_and_updates(
            self,
            trainable_variables,
            non_trainable_variables,
            metrics_variables,
            x,
            y,
            sample_weight,
            training=False,
        ):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables,
                non_trainable_variables,
                x,
                training=training,
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
                training=training,
            )
            return loss, (y_pred, non_trainable_variables, metrics_variables)

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)

            # Get the gradient function.
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)

            # Compute the gradients.
            (loss, (y_pred, non_trainable_variables, metrics_variables)), grads = grad_fn(
                trainable_variables,
                non_trainable_variables,
                metrics_variables,
                x,
                y,
                sample_weight,
                training=True,
            )

            # Update trainable variables and optimizer variables.
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
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
                optimizer_variables,
                new_metrics_vars,
            )
            return logs, state

    # Construct and compile an instance of CustomModel
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    same_weights(model)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])

    # Just use `fit` as usual
    rng = np.random.default_rng(0)
    x = rng.random((32, 32))
    y = rng.random((32, 1))
    history = model.fit(x, y, epochs=3)
    return {"loss": history.history["loss"][-1], "mae": history.history["mae"][-1]}
