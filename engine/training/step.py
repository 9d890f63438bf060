"""The training and evaluation steps: pure functions of explicit state, compiled per backend.

    state = (trainable, non_trainable, optimizer_state, metric_states)
    new_state, loss = steps.train(state, x, y, sample_weight, previous_loss)

Every array a step reads comes in through `state` and every array it changes goes out through
it, so the same step runs under jax.jit, tf.function, PyTorch or NumPy, and moving `state`
to another backend is moving arrays. `steps.train` hands `state` back unchanged when `loss`
or `previous_loss` is not finite, so the trainer can check each loss one step late.
`train_probed` is the same train step with a probe (engine.inspection) that also returns
summaries of every layer's activations and gradients.
"""

from __future__ import annotations

import functools


class Steps:
    """The compiled train and eval steps of one compiled model on one backend."""

    def __init__(self, model, backend):
        self.model = model
        self.backend = backend
        self.train = backend.jit(self._guarded_train_step)
        self.evaluate = backend.jit(self._eval_step)
        self.first_step_seconds = None
        self.finite = backend.convert(0.0)  # the `previous_loss` of a step with none before it
        self._probed = {}

    def record_first_step(self, seconds: float) -> None:
        """Keep the first step's time: on JAX and TensorFlow it is mostly compilation."""
        if self.first_step_seconds is None:
            self.first_step_seconds = seconds

    def train_probed(self, probe):
        """The train step that also captures what `probe` asks for (engine.inspection.Probe),
        compiled on its own so that plain steps pay nothing:

            new_state, loss, captured = steps.train_probed(probe)(state, x, y, sample_weight)
        """
        if probe not in self._probed:
            self._probed[probe] = self.backend.jit(functools.partial(self._train_step, probe=probe))
        return self._probed[probe]

    def _loss(self, params, non_trainable, x, y, sample_weight, probe=None):
        trainable, taps = params
        tapping = None if probe is None else probe.tapping(taps)
        y_pred, non_trainable = self.model.stateless_call(
            trainable, non_trainable, x, training=True, node_hook=tapping
        )
        seen = [] if tapping is None else tapping.outputs
        return self.model.compute_loss(y, y_pred, sample_weight), (y_pred, non_trainable, seen)

    def _train_step(self, state, x, y, sample_weight, probe=None):
        trainable, non_trainable, optimizer_state, metric_states = state
        # A probe adds a zero to every node output: the gradients of those taps are the
        # gradients with respect to the node outputs.
        taps = [] if probe is None else probe.zero_taps(x)
        gradient_fn = self.backend.value_and_grad(self._loss, has_aux=True)
        (loss, (y_pred, non_trainable, seen)), (grads, tap_grads) = gradient_fn(
            (trainable, taps), non_trainable, x, y, sample_weight, probe
        )
        new_trainable, optimizer_state = self.model.optimizer.stateless_apply(
            optimizer_state, grads, trainable
        )
        metric_states = self.model.update_metrics(metric_states, loss, y, y_pred, sample_weight)
        new_state = (new_trainable, non_trainable, optimizer_state, metric_states)
        if probe is None:
            return new_state, loss
        captured = probe.summarise(
            x, seen, tap_grads, trainable, grads, new_trainable, loss, state[1], non_trainable
        )
        return new_state, loss, captured

    def _guarded_train_step(self, state, x, y, sample_weight, previous_loss):
        """The train step, returning its input state unchanged unless both its loss and
        `previous_loss` (the loss of the step before) are finite.

        So the caller need not read each loss back before running the next step: it checks
        a loss one step late, and if that loss was not finite the state it holds by then is
        the state from before that step.
        """
        new_state, loss = self._train_step(state, x, y, sample_weight)
        backend = self.backend
        good = backend.logical_and(backend.isfinite(loss), backend.isfinite(previous_loss))
        return backend.select(good, new_state, state), loss

    def _eval_step(self, state, x, y, sample_weight):
        trainable, non_trainable, metric_states = state
        y_pred, _ = self.model.stateless_call(trainable, non_trainable, x, training=False)
        loss = self.model.compute_loss(y, y_pred, sample_weight)
        return self.model.update_metrics(metric_states, loss, y, y_pred, sample_weight), loss


def is_finite(backend, loss) -> bool:
    """Whether a scalar loss is finite (this reads it back to the host)."""
    return bool(backend.to_numpy(backend.isfinite(loss)))
