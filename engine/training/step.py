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
Losses that layers add with `add_loss` are collected inside the step's own forward pass
(engine/layers/call_context.py) and summed by `model.compute_loss` there: nothing of them
outlives the pure function. A model's own stateless `train_step(state, data)` or
`test_step(state, data)` (engine/training/custom_steps.py) is compiled in place of the
engine's; its logs come out of the step beside the state (`steps.last_logs`).
"""

from __future__ import annotations

import functools

import numpy as np

from engine import ops, tree
from engine.layers import call_context
from engine.training import custom_steps
from engine.variables import state_scope


class Steps:
    """The compiled train and eval steps of one compiled model on one backend."""

    def __init__(self, model, backend):
        self.model = model
        self.backend = backend
        self.custom_train = custom_steps.step_style(model, "train_step") == custom_steps.STATELESS
        self.custom_test = custom_steps.step_style(model, "test_step") == custom_steps.STATELESS
        self.evaluate = backend.jit(self._custom_test_step if self.custom_test
                                    else self._eval_step)
        self.last_logs = None  # what the last custom step returned as its logs
        self.predict = backend.jit(self._custom_predict_step)
        self._checked = set()
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
            self._train[key] = (self._compiled_custom_train(structure) if self.custom_train
                                else self._compiled_train(structure))
        self._last_train = (structure, self._train[key])
        return self._train[key]

    def check_custom(self, name: str) -> None:
        """Raise CustomStepError if the model's own `name` ("train_step", "test_step") is
        written for another framework than this backend's (checked once per backend)."""
        if name not in self._checked:
            custom_steps.check_framework(self.model, name, self.backend)
            self._checked.add(name)

    def _compiled_train(self, structure):
        def flat_step(leaves, x, y, sample_weight):
            state = tree.unflatten_as(structure, leaves)
            new_state, loss = self._train_step(state, x, y, sample_weight)
            return tree.flatten(new_state), loss

        return self.backend.jit(flat_step)

    def _compiled_custom_train(self, structure):
        """The model's own stateless train_step, compiled, called as the engine's is; its logs
        are kept in `last_logs` and its "loss" log, when it has one, is the loss fit checks."""
        self.check_custom("train_step")

        def flat_step(leaves, x, y, sample_weight):
            state = tuple(list(part) for part in tree.unflatten_as(structure, leaves))
            with call_context.loss_collection():
                returned = self.model.train_step(
                    state, custom_steps.step_data(x, y, sample_weight)
                )
            logs, new_state = custom_steps.checked_stateless_result(
                self.model, "train_step", returned, state
            )
            return tree.flatten(list(new_state)), custom_steps.loss_to_check(logs), logs

        compiled = self.backend.jit(flat_step)

        def step(leaves, x, y, sample_weight):
            new_leaves, loss, self.last_logs = compiled(leaves, x, y, sample_weight)
            return new_leaves, loss

        return step

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
        # add_loss's losses of this forward pass, and each output's loss for its tracker
        with call_context.loss_collection(), self.model.recording_output_losses() as outputs:
            y_pred, non_trainable = self.model.stateless_call(
                trainable, non_trainable, x, training=True, node_hook=tapping
            )
            # weight regularizers (model.losses) read the weights: this step's values
            with state_scope(dict(zip(self.model.trainable_weights, trainable))):
                loss = self.model.call_compute_loss(x, y, y_pred, sample_weight,
                                                    training=True)
        seen = [] if tapping is None else tapping.outputs
        # the optimizer's loss_scale_factor scales what is differentiated, not what is logged
        return self.model.optimizer.scale_loss(loss), (loss, y_pred, non_trainable, seen, outputs)

    def _train_step(self, state, x, y, sample_weight, probe=None, may_update_in_place=True):
        trainable, non_trainable, optimizer_state, metric_states = state
        # A probe taps every node output with a zero (ops.tap): the gradients of those taps
        # are the gradients with respect to the node outputs.
        taps = [] if probe is None else probe.zero_taps(x)
        gradient_fn = self.backend.value_and_grad(self._loss, has_aux=True)
        # the optimizer's variables read in the loss (a LossScaleOptimizer's scale): this step's
        with state_scope(dict(zip(self.model.optimizer.variables, optimizer_state))):
            (_, (loss, y_pred, non_trainable, seen, by_output)), (grads, tap_grads) = gradient_fn(
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
        metric_states = self.model.update_metrics(
            metric_states, loss, x, y, y_pred, sample_weight, by_output
        )
        weights = trainable
        if probe is not None and in_place:
            trainable = [ops.add(w, 0.0) for w in weights]  # adding zero makes a new array
        new_trainable, optimizer_state = self.model.optimizer.stateless_apply(
            optimizer_state, grads, trainable, in_place=in_place
        )
        new_trainable = constrained(self.model.trainable_weights, new_trainable)
        new_state = (new_trainable, non_trainable, optimizer_state, metric_states)
        if probe is None:
            return new_state, loss
        captured = probe.summarise(
            x, seen, tap_grads, weights, grads, new_trainable, loss, state[1], non_trainable
        )
        return new_state, loss, captured

    def _eval_step(self, state, x, y, sample_weight):
        trainable, non_trainable, metric_states = state
        with call_context.loss_collection(), self.model.recording_output_losses() as outputs:
            # what the pass assigns (a stateful recurrent layer's states) goes on, as in Keras
            y_pred, non_trainable = self.model.stateless_call(trainable, non_trainable, x,
                                                              training=False)
            loss = self.model.call_compute_loss(x, y, y_pred, sample_weight, training=False)
        new_states = self.model.update_metrics(metric_states, loss, x, y, y_pred, sample_weight,
                                               outputs)
        return (non_trainable, new_states), loss

    def _custom_test_step(self, state, x, y, sample_weight):
        """The model's own stateless test_step: (new state, logs)."""
        state = tuple(list(part) for part in state)
        with call_context.loss_collection():
            returned = self.model.test_step(state, custom_steps.step_data(x, y, sample_weight))
        logs, new_state = custom_steps.checked_stateless_result(
            self.model, "test_step", returned, state
        )
        return tuple(list(part) for part in new_state), logs


    def _custom_predict_step(self, state, data):
        """The model's own stateless predict_step: its outputs (the non-trainable values it
        returns beside them are not written back)."""
        with call_context.loss_collection():
            returned = self.model.predict_step(tuple(list(part) for part in state), data)
        if not (isinstance(returned, (tuple, list)) and len(returned) == 2):
            raise custom_steps.CustomStepError(
                f"{type(self.model).__name__}.predict_step(state, data) returned "
                f"{type(returned).__name__}; a stateless predict_step returns (outputs, "
                "non_trainable_variables)."
            )
        return returned[0]


def constrained(variables, values) -> list:
    """`values` of `variables` after each variable's constraint (Keras applies them after
    every optimizer update)."""
    return [value if variable.constraint is None else variable.constraint(value)
            for variable, value in zip(variables, values)]


def is_finite(backend, loss) -> bool:
    """Whether a scalar loss is finite (this reads it back to the host)."""
    return bool(np.isfinite(backend.to_numpy(loss)))
