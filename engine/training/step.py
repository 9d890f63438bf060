"""The training and evaluation steps: pure functions of explicit state, compiled per backend.

    state = (trainable, non_trainable, optimizer_state, metric_states)
    new_state, loss = train_step(state, x, y, sample_weight)

Every array a step reads comes in through `state` and every array it changes goes out through
it, so the same step runs under jax.jit, tf.function, PyTorch or NumPy, and moving `state`
to another backend is moving arrays.
"""

from __future__ import annotations


class Steps:
    """The compiled train and eval steps of one compiled model on one backend."""

    def __init__(self, model, backend):
        self.model = model
        self.backend = backend
        self.train = backend.jit(self._train_step)
        self.evaluate = backend.jit(self._eval_step)
        self.first_step_seconds = None

    def record_first_step(self, seconds: float) -> None:
        """Keep the first step's time: on JAX and TensorFlow it is mostly compilation."""
        if self.first_step_seconds is None:
            self.first_step_seconds = seconds

    def _loss(self, trainable, non_trainable, x, y, sample_weight):
        y_pred, non_trainable = self.model.stateless_call(
            trainable, non_trainable, x, training=True
        )
        return self.model.compute_loss(y, y_pred, sample_weight), (y_pred, non_trainable)

    def _train_step(self, state, x, y, sample_weight):
        trainable, non_trainable, optimizer_state, metric_states = state
        gradient_fn = self.backend.value_and_grad(self._loss, has_aux=True)
        (loss, (y_pred, non_trainable)), grads = gradient_fn(
            trainable, non_trainable, x, y, sample_weight
        )
        trainable, optimizer_state = self.model.optimizer.stateless_apply(
            optimizer_state, grads, trainable
        )
        metric_states = self.model.update_metrics(metric_states, loss, y, y_pred, sample_weight)
        return (trainable, non_trainable, optimizer_state, metric_states), loss

    def _eval_step(self, state, x, y, sample_weight):
        trainable, non_trainable, metric_states = state
        y_pred, _ = self.model.stateless_call(trainable, non_trainable, x, training=False)
        loss = self.model.compute_loss(y, y_pred, sample_weight)
        return self.model.update_metrics(metric_states, loss, y, y_pred, sample_weight), loss


def is_finite(backend, loss) -> bool:
    """Whether a scalar loss is finite (this reads it back to the host)."""
    return bool(backend.to_numpy(backend.isfinite(loss)))
