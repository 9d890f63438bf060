"""The training and evaluation steps: pure functions of explicit state, compiled per backend.

    state = (trainable, non_trainable, optimizer_state, metric_states)
    new_leaves, loss = steps.train(state)(tree.flatten(state), x, y, sample_weight)

Every array a step reads comes in through `state` and every array it changes goes out through
it, so the same step runs under jax.jit, tf.function, PyTorch or NumPy, and moving `state`
to another backend is moving arrays. Where the backend is synchronous (NumPy, PyTorch on the
CPU) `steps.train` checks its own loss: it returns `state` unchanged when the loss is not
finite, and otherwise may update `state`'s arrays in place (the caller gives them up).
Elsewhere arrays are never changed in place: a caller that keeps `state` can go back to it
(the trainer does, as it checks losses some steps late).
`train_probed` is the same train step with a probe (engine.inspection) that also returns
summaries of every layer's activations and gradients; it updates in place only when its
caller says it gives `state` up.
"""

from __future__ import annotations

import functools

import numpy as np

from engine import ops, tree


class Steps:
    """The compiled train and eval steps of one compiled model on one backend."""

    def __init__(self, model, backend):
        self.model = model
        self.backend = backend
        self.evaluate = backend.jit(self._eval_step)
        self.first_step_seconds = None
        self._train = {}
        self._last_train = None  # (structure, its step)
        self._probed = {}

    def train(self, structure):
        """The compiled train step for states nested as `structure`, taking and returning
        the state as a flat list of arrays (flattening once per fit, not once per step):

            new_leaves, loss = steps.train(structure)(leaves, x, y, sample_weight)
        """
        last = self._last_train
        if last is not None and last[0] is structure:  # fit asks with the same one every step
            return last[1]
        key = tree.layout(structure)
        if key not in self._train:

            def flat_step(leaves, x, y, sample_weight):
                state = tree.unflatten_as(structure, leaves)
                new_state, loss = self._train_step(state, x, y, sample_weight)
                return tree.flatten(new_state), loss

            self._train[key] = self.backend.jit(flat_step)
        self._last_train = (structure, self._train[key])
        return self._train[key]

    def record_first_step(self, seconds: float) -> None:
        """Keep the first step's time: on JAX and TensorFlow it is mostly compilation."""
        if self.first_step_seconds is None:
            self.first_step_seconds = seconds

    def train_probed(self, probe, in_place=False):
        """The train step that also captures what `probe` asks for (engine.inspection.Probe),
        compiled on its own so that plain steps pay nothing:

            new_state, loss, captured = steps.train_probed(probe)(state, x, y, sample_weight)

        With `in_place` the caller gives `state` up, as with `train`: on a synchronous backend
        a step whose loss is finite may then update its arrays in place."""
        key = (probe, in_place)
        if key not in self._probed:
            step = functools.partial(self._train_step, probe=probe, may_update_in_place=in_place)
            self._probed[key] = self.backend.jit(step)
        return self._probed[key]

    def _loss(self, params, non_trainable, x, y, sample_weight, probe=None):
        trainable, taps = params
        tapping = None if probe is None else probe.tapping(taps, x)
        y_pred, non_trainable = self.model.stateless_call(
            trainable, non_trainable, x, training=True, node_hook=tapping
        )
        seen = [] if tapping is None else tapping.outputs
        return self.model.compute_loss(y, y_pred, sample_weight), (y_pred, non_trainable, seen)

    def _train_step(self, state, x, y, sample_weight, probe=None, may_update_in_place=True):
        trainable, non_trainable, optimizer_state, metric_states = state
        # A probe taps every node output with a zero (ops.tap): the gradients of those taps
        # are the gradients with respect to the node outputs.
        taps = [] if probe is None else probe.zero_taps(x)
        gradient_fn = self.backend.value_and_grad(self._loss, has_aux=True)
        (loss, (y_pred, non_trainable, seen)), (grads, tap_grads) = gradient_fn(
            (trainable, taps), non_trainable, x, y, sample_weight, probe
        )
        # On a synchronous backend reading the loss costs nothing: a plain step whose loss is
        # not finite hands its state back untouched, and otherwise updates it in place. A
        # probed step keeps the state of a step whose loss is not finite as well, and copies
        # of the weights before an in-place update (it summarises them and their updates).
        in_place = may_update_in_place and self.backend.synchronous
        if in_place and not is_finite(self.backend, loss):
            if probe is None:
                return state, loss
            in_place = False
        # Everything else first: an error (or KeyboardInterrupt) raised before an in-place
        # update leaves the whole state as it was.
        metric_states = self.model.update_metrics(metric_states, loss, y, y_pred, sample_weight)
        weights = trainable
        if probe is not None and in_place:
            trainable = [ops.add(w, 0.0) for w in weights]  # adding zero makes a new array
        new_trainable, optimizer_state = self.model.optimizer.stateless_apply(
            optimizer_state, grads, trainable, in_place=in_place
        )
        new_state = (new_trainable, non_trainable, optimizer_state, metric_states)
        if probe is None:
            return new_state, loss
        captured = probe.summarise(
            x, seen, tap_grads, weights, grads, new_trainable, loss, state[1], non_trainable
        )
        return new_state, loss, captured

    def _eval_step(self, state, x, y, sample_weight):
        trainable, non_trainable, metric_states = state
        y_pred, _ = self.model.stateless_call(trainable, non_trainable, x, training=False)
        loss = self.model.compute_loss(y, y_pred, sample_weight)
        return self.model.update_metrics(metric_states, loss, y, y_pred, sample_weight), loss


def is_finite(backend, loss) -> bool:
    """Whether a scalar loss is finite (this reads it back to the host)."""
    return bool(np.isfinite(backend.to_numpy(loss)))
