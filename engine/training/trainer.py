"""compile / fit / evaluate: one training loop around a compiled step, on any backend.

Between steps every piece of state (weights, BatchNormalization statistics, random seeds,
optimizer slots, metric totals) lives in Variables. Each step reads them, runs the backend's
compiled step and writes the results back, so a callback may switch backend between any two
steps and the next step runs on the new one. A step whose loss is not finite is not written
back: training stops with the weights of the last good step.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from engine import backend as backends
from engine import losses, optimizers, tree
from engine import metrics as metric_library
from engine.errors import EngineError
from engine.training import callbacks as callbacks_module
from engine.training.commit import StepCommit
from engine.training.data import adapt, split_for_validation
from engine.training.step import Steps, is_finite
from engine.variables import read_values, write_values

# On asynchronous backends Python runs ahead of the device and reads the losses of several
# steps at once: each read waits for the device, and each wait that wakes Python while the
# device computes costs a few percent of a small model's step. To undo the steps from a bad
# one on, fit keeps the state from before the oldest unread step (one state, however many
# steps wait) and every unread step's batch, and runs the good ones again from that state. At
# most MOST_STEPS_AHEAD steps wait, fewer where that state and their batches would pass
# UNREAD_BYTES; at least one.
UNREAD_BYTES = 64 << 20
MOST_STEPS_AHEAD = 32


class NotCompiledError(EngineError, RuntimeError):
    """fit or evaluate was called before compile."""


class TrainingDivergedError(EngineError, FloatingPointError):
    """The loss became NaN or infinite; the model keeps the weights of the last finite step."""


class Trainer:
    """Mixed into Model: compile, fit, evaluate and the state they thread through steps."""

    optimizer = None
    stop_training = False
    _capture_request = None  # a _CaptureRequest, set by capture_next_step
    _unchecked_steps = ()  # steps whose loss is not read yet, oldest first (_UncheckedStep)
    _steps_ahead = None  # how many of them may wait (UNREAD_BYTES), set by fit's first step

    # ---------------------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None):
        """Choose the optimizer, the loss (one, or one per output, weighted by
        `loss_weights`) and the metrics to report, with Keras 3's signature."""
        if not self.subclassed:  # a subclassed model may be compiled before it is built
            self.require_graph()
        with backends.using(self.backend):
            optimizer_ = optimizers.get(optimizer)
            loss_ = self._resolve_loss(loss)
            metric_list = [metric_library.get(m, loss=loss) for m in metrics or []]
            tracker = metric_library.Mean(name="loss")
        self.optimizer, self.loss, self.compiled_metrics = optimizer_, loss_, metric_list
        self.loss_weights = self._resolve_loss_weights(loss_weights)
        self._loss_tracker = tracker
        self._compile_config = {
            "optimizer": optimizers.serialize(optimizer_),
            "loss": _config_of(loss),
            "loss_weights": loss_weights,
            "metrics": [_config_of(m) for m in metrics or []],
        }
        self._steps = {}
        self.history = None

    def get_compile_config(self):
        """compile's arguments as JSON (None before compile), for model files."""
        return getattr(self, "_compile_config", None)

    def compile_from_config(self, config: dict) -> None:
        self.compile(
            optimizer=optimizers.get(config["optimizer"]),
            loss=config.get("loss"),
            loss_weights=config.get("loss_weights"),
            metrics=config.get("metrics") or [],
        )

    def _resolve_loss(self, loss):
        if isinstance(loss, (list, tuple)):
            count = self.output_count
            if count is not None and len(loss) != count:
                raise ValueError(
                    f"Model {self.name!r} has {count} outputs but {len(loss)} losses "
                    "were given: give one loss per output, or a single loss for all of them."
                )
            return [losses.get(item) for item in loss]
        return None if loss is None else losses.get(loss)

    def _per_output_losses(self) -> list:
        """The compiled loss of each output (one loss given for all repeats)."""
        return self.loss if isinstance(self.loss, list) else [self.loss] * len(self.loss_weights)

    def _check_class_labels(self, data) -> None:
        """A clear error, before any step, for labels a sparse crossentropy cannot read.
        Array data only: batches from an iterable are not scanned ahead."""
        y = getattr(data, "y", None)
        if y is None or self.loss is None or self.subclassed:  # no symbolic outputs to read
            return
        targets = [y] if len(self.outputs) == 1 else y
        for loss, output, labels in zip(self._per_output_losses(), self.outputs, targets):
            classes = output.shape[-1]
            if isinstance(loss, losses.SparseCategoricalCrossentropy) and classes:
                name = output.node.layer.name if output.node is not None else "output"
                losses.check_class_labels(loss, labels, classes, name)

    def _resolve_loss_weights(self, loss_weights):
        weights = list(loss_weights) if isinstance(loss_weights, (list, tuple)) else [loss_weights]
        # a subclassed model's call decides how many outputs it has: one per loss or weight
        count = self.output_count or len(self.loss if isinstance(self.loss, list) else weights)
        if loss_weights is None:
            return [1.0] * count
        if len(weights) != count or not all(isinstance(w, (int, float)) for w in weights):
            raise ValueError(
                f"loss_weights must be {count} number(s), one per output of model "
                f"{self.name!r}; got {loss_weights!r}."
            )
        return [float(w) for w in weights]

    @property
    def first_step_seconds(self) -> dict:
        """Time of the first training step on each backend used: mostly compilation on JAX
        and TensorFlow, a plain step on NumPy and PyTorch."""
        return {
            name: steps.first_step_seconds
            for name, steps in getattr(self, "_steps", {}).items()
            if steps.first_step_seconds is not None
        }

    def save(self, path) -> None:
        """Write the model file: graph, weights, compile config and optimizer state."""
        from engine.saving import save_model

        save_model(self, path)

    @property
    def metrics(self) -> list:
        """The loss tracker and the compiled metrics, in the order logs list them."""
        if self.optimizer is None:
            return []
        return [self._loss_tracker, *self.compiled_metrics]

    # ----------------------------------------------------------- pieces the steps call
    def compute_loss(self, y, y_pred, sample_weight=None):
        if self.loss is None:
            raise NotCompiledError(
                f"Model {self.name!r} was compiled without a loss: pass loss= to compile()."
            )
        backend = backends.active()
        count = self.output_count
        if count == 1 or (count is None and not isinstance(y_pred, (list, tuple))):
            value = self.loss(y, y_pred, sample_weight)
            weight = self.loss_weights[0]
            return value if weight == 1.0 else backend.multiply(value, weight)
        total = None
        per_output = self._per_output_losses()
        for loss, weight, target, prediction in zip(per_output, self.loss_weights, y, y_pred):
            value = backend.multiply(loss(target, prediction, sample_weight), weight)
            total = value if total is None else backend.add(total, value)
        return total

    def update_metrics(self, states, loss, y, y_pred, sample_weight):
        batch = tree.flatten(y_pred)[0]
        batch_size = backends.active().shape(batch)[0]
        new_states = [self._loss_tracker.stateless_add(states[0], loss, batch_size)]
        first_y, first_pred = (y[0], y_pred[0]) if isinstance(y_pred, list) else (y, y_pred)
        for metric, state in zip(self.compiled_metrics, states[1:]):
            new_states.append(metric.stateless_update(state, first_y, first_pred, sample_weight))
        return new_states

    # ----------------------------------------------------------------------------- fit
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train for `epochs` passes over the data; returns a History of the epoch logs."""
        self._require_compiled("fit")
        batch_size = 32 if batch_size is None else batch_size
        data = adapt(
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            shuffle=shuffle,
            steps_per_epoch=steps_per_epoch,
        )
        self._check_class_labels(data)
        if validation_split:
            data, validation = split_for_validation(data, validation_split)
        else:
            validation = (
                None
                if validation_data is None
                else adapt(
                    *_unpack_validation(validation_data),
                    batch_size=validation_batch_size or batch_size,
                    shuffle=False,
                )
            )
            if validation is not None:
                self._check_class_labels(validation)
        history = callbacks_module.History()
        callback_list = callbacks_module.CallbackList(
            callbacks,
            model=self,
            history=history,
            verbose=_verbosity(verbose),
            epochs=epochs,
            steps=data.steps_per_epoch,
        )
        self.history = history
        self.stop_training = False
        self._unchecked_steps = collections.deque()
        self._steps_ahead = None
        self._build_from(data)
        self.optimizer.build(self.trainable_weights)
        state_variables = self.train_state_variables()
        self._commit = StepCommit()
        callback_list.on_train_begin()
        with self._commit.deferring_interrupts():
            try:
                epoch_logs = self._fit_epochs(
                    data, validation, validation_freq, callback_list, state_variables,
                    range(initial_epoch, epochs),
                )
            except BaseException:
                self._check_unchecked_steps(raise_error=False)
                raise
        callback_list.on_train_end(epoch_logs)
        return history

    def _fit_epochs(self, data, validation, validation_freq, callback_list, state_variables,
                    epochs):
        """fit's epochs; returns the last epoch's logs."""
        epoch_logs = {}
        variables = tree.flatten(state_variables)
        for epoch in epochs:
            with self._commit:
                self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            for step, batch in enumerate(data.batches(epoch)):
                callback_list.on_train_batch_begin(step)
                self._train_on(batch, epoch, step, state_variables, variables)
                callback_list.on_train_batch_end(step, callbacks_module.LazyLogs(self._logs))
                if self.stop_training:
                    break
            self._check_unchecked_steps()
            epoch_logs = self._logs()
            if validation is not None and (epoch + 1) % validation_freq == 0:
                validation_logs = self._evaluate_data(validation, callback_list=None)
                epoch_logs.update({f"val_{k}": v for k, v in validation_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        return epoch_logs

    def _train_on(self, batch, epoch, step, state_variables, variables):
        """One step. `state_variables` is train_state_variables() and `variables` its leaves,
        derived once per fit: the same Variables persist across steps and backend switches.

        On an asynchronous backend the step's loss is read later, with those of the steps
        after it (see UNREAD_BYTES), so Python runs ahead while the device computes; what a
        probe captured in it is handed over then too, and the device never waits for a
        capture. Until then the step keeps its batch, and the state from before it if it is
        the oldest unread step: if a loss turns out not finite, the Variables go back to the
        state the good steps before it left (and a capture request waiting for a divergence
        runs that step again with its probe). On a synchronous backend the step checks its
        loss itself and updates in place."""
        backend = variables[0].backend  # all of them are on the same one
        steps = self._steps_for(backend)
        request, self._capture_request = self._capture_request, None
        unchecked = self._unchecked_steps
        if unchecked and unchecked[-1].backend is not backend:
            self._check_unchecked_steps()
        before = read_values(variables)
        if backend.synchronous:
            # the step checks its loss, keeps its state if it is not finite and else may
            # update arrays in place: the whole step is part of the commit
            with self._commit:
                after, loss, captured = self._run_step(steps, request, state_variables,
                                                       before, batch)
                write_values(variables, after)
            self._check_steps([_UncheckedStep(backend, loss, epoch, step, state_variables,
                                              before, batch, request, captured)])
            return
        after, loss, captured = self._run_step(steps, request, state_variables, before, batch)
        if self._steps_ahead is None:
            self._steps_ahead = _steps_ahead(variables, batch)
        # the oldest unread step keeps the state before it, and so does the one that stays
        # unread when the others are read below
        keeps_state = not unchecked or len(unchecked) == self._steps_ahead
        with self._commit:
            write_values(variables, after)
            unchecked.append(_UncheckedStep(backend, loss, epoch, step, state_variables,
                                            before if keeps_state else None, batch, request,
                                            captured))
        if len(unchecked) > self._steps_ahead:
            # read all but the newest: the device goes on with it meanwhile
            self._check_steps([unchecked.popleft() for _ in range(len(unchecked) - 1)])

    @staticmethod
    def _run_step(steps, request, state_variables, leaves, batch):
        """One train step on the state's leaves and a NumPy batch: (new leaves, loss, what a
        probe captured)."""
        with backends.using(steps.backend):
            inputs = _to_backend(steps.backend, batch)
            started = time.perf_counter()
            if request is not None and not request.only_if_diverged:
                result = _probed_step(steps, request, state_variables)(leaves, *inputs)
            else:
                result = (*steps.train(state_variables)(leaves, *inputs), None)
        steps.record_first_step(time.perf_counter() - started)
        return result

    def _check_unchecked_steps(self, raise_error=True) -> None:
        unchecked = list(self._unchecked_steps)
        self._unchecked_steps.clear()
        self._check_steps(unchecked, raise_error)

    def _check_steps(self, unchecked, raise_error=True) -> None:
        """Read the losses of `unchecked` (consecutive steps, oldest first, the first keeping
        the state before it; none of them pending any more) and hand over what their probes
        captured. If one is not finite, put the Variables back as the steps before it left
        them, forget the steps after it, and (unless fit is already stopping on another
        error) let its capture request see where it broke and raise TrainingDivergedError."""
        # the newest first: one wait for the device, then the older ones are ready
        finite = [is_finite(s.backend, s.loss) for s in reversed(unchecked)][::-1]
        good = finite.index(False) if not all(finite) else len(unchecked)
        if good < len(unchecked):
            self._unchecked_steps.clear()  # steps run after it are undone with it
            self._replay(unchecked[: good + 1])
        if not raise_error:
            return
        for done in unchecked[:good]:
            if done.captured is not None:
                done.request.receive(done.captured, done.backend)
        if good < len(unchecked):
            diverged = unchecked[good]
            self._capture_divergence(diverged)
            self._check_loss(diverged.backend, diverged.loss, diverged.epoch, diverged.step)

    def _replay(self, steps) -> None:
        """Put the Variables back as they were before the last of `steps` (consecutive,
        the first keeping the state before it): the others run again from that state, on
        the backend and with the batches (and probes) they ran with, which gives what they
        gave the first time. A backend switch since they ran moves the result."""
        first = steps[0]
        leaves = first.before
        for again in steps[:-1]:
            backend = again.backend
            on_backend = self._steps_for(backend)
            with backends.using(backend):
                batch = _to_backend(backend, again.batch)
                if again.captured is None:
                    step_fn = on_backend.train(again.state_variables)
                else:
                    step_fn = _probed_step(on_backend, again.request, again.state_variables)
                leaves = step_fn(leaves, *batch)[0]
        variables = tree.flatten(first.state_variables)
        values = [
            value if variable.backend is first.backend
            else variable.backend.convert(first.backend.to_numpy(value), variable.dtype)
            for variable, value in zip(variables, leaves)
        ]
        with self._commit:
            write_values(variables, values)

    def _check_loss(self, backend, loss, epoch, step) -> None:
        """Raise TrainingDivergedError if `loss` (of that epoch and step) is not finite."""
        if not is_finite(backend, loss):
            raise TrainingDivergedError(
                f"The loss became {backend.to_numpy(loss)} at epoch {epoch + 1}, step "
                f"{step + 1}, so training stopped. The model keeps the weights from "
                "before that step. Try a lower learning rate, gradient clipping "
                "(clipnorm=1.0 in the optimizer), or check the data for NaN or huge values."
            )

    def train_state_variables(self) -> tuple:
        """The Variables a train step reads and writes, structured as the step's `state`."""
        return (
            self.trainable_weights,
            self.non_trainable_variables,
            self.optimizer.variables,
            [m.variables for m in self.metrics],
        )

    def capture_next_step(self, probe, receive, only_if_diverged=False) -> None:
        """Run the next training step with `probe` (engine.inspection) and pass what it captured
        to `receive(captured, backend)` when its loss is read: at once on synchronous backends,
        some steps later on the others. With `only_if_diverged` the step runs as usual and,
        only if its loss is not finite, runs again from the same state with the probe, to show
        where it broke."""
        self._capture_request = _CaptureRequest(probe, receive, only_if_diverged)

    def _capture_divergence(self, diverged) -> None:
        """Hand over what the probe of a diverged step's capture request (if any) saw: what
        the step captured, if it ran with the probe, or else what the step captures when it
        runs again, from the state it started from (put back already), with the probe.
        Nothing is written back. It runs where the model is now, which a backend switch since
        the step may have changed."""
        request = diverged.request
        if request is None:
            return
        if diverged.captured is not None:
            request.receive(diverged.captured, diverged.backend)
            return
        backend = self.backend
        state_variables = diverged.state_variables
        state = tree.unflatten_as(state_variables, read_values(tree.flatten(state_variables)))
        with backends.using(backend):
            batch = _to_backend(backend, diverged.batch)
            _, _, captured = self._steps_for(backend).train_probed(request.probe)(state, *batch)
        request.receive(captured, backend)

    def _steps_for(self, backend) -> Steps:
        if backend.name not in self._steps:
            self._steps[backend.name] = Steps(self, backend)
        return self._steps[backend.name]

    # ------------------------------------------------------------------------ evaluate
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
    ):
        """The loss and metrics over the data (a list like Keras's, or a dict)."""
        self._require_compiled("evaluate")
        data = adapt(
            x,
            y,
            sample_weight,
            batch_size=32 if batch_size is None else batch_size,
            shuffle=False,
            steps_per_epoch=steps,
        )
        self._check_class_labels(data)
        callback_list = callbacks_module.CallbackList(
            callbacks,
            model=self,
            verbose=_verbosity(verbose),
            epochs=1,
            steps=data.steps_per_epoch,
            mode="evaluate",
        )
        self._build_from(data)
        logs = self._evaluate_data(data, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_data(self, data, callback_list):
        self.reset_metrics()
        if callback_list is not None:
            callback_list.on_test_begin()
        backend = self.backend
        steps = self._steps_for(backend)
        metric_variables = [m.variables for m in self.metrics]
        weights = (self.trainable_weights, self.non_trainable_variables)
        for step, batch in enumerate(data.batches(0)):
            if callback_list is not None:
                callback_list.on_test_batch_begin(step)
            state = tree.map_structure(lambda v: v.value, (*weights, metric_variables))
            with backends.using(backend):
                x, y, sample_weight = _to_backend(backend, batch)
                new_metric_states, _ = steps.evaluate(state, x, y, sample_weight)
            write_values(tree.flatten(metric_variables), tree.flatten(new_metric_states))
            if callback_list is not None:
                callback_list.on_test_batch_end(step, callbacks_module.LazyLogs(self._logs))
        logs = self._logs()
        if callback_list is not None:
            callback_list.on_test_end(logs)
        return logs

    # ---------------------------------------------------------------------------- helpers
    def reset_metrics(self) -> None:
        with backends.using(self.backend):
            for metric in self.metrics:
                metric.reset_state()

    def _logs(self) -> dict:
        backend = self.backend
        with backends.using(backend):
            return {m.name: float(backend.to_numpy(m.result())) for m in self.metrics}

    def _build_from(self, data) -> None:
        """Build a subclassed model not built yet on the data's first rows, as Keras does."""
        if self.built:
            return
        x = getattr(data, "x", None)
        if x is None:
            raise ValueError(
                f"Model {self.name!r} is not built yet and its data comes from an iterable: "
                "call it on a batch, or model.build(input_shape), before fit or evaluate."
            )
        self.build_on_batch(x)

    def _require_compiled(self, what):
        if self.optimizer is None:
            raise NotCompiledError(
                f"Model {self.name!r} must be compiled before {what}(): call "
                "model.compile(optimizer=..., loss=..., metrics=[...]) first."
            )


def _config_of(item):
    """compile's argument as JSON: names stay names, objects become {"class_name", "config"};
    plain functions cannot be saved (a loaded model is then compiled again by hand)."""
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, (list, tuple)):
        return [_config_of(i) for i in item]
    if type(item).__name__ in ("LossFunction", "MeanMetricWrapper") or not hasattr(
        item, "get_config"
    ):
        return None
    return {"class_name": type(item).__name__, "config": item.get_config()}


class _CaptureRequest(NamedTuple):
    """What capture_next_step asked for the next step."""

    probe: object
    receive: Callable
    only_if_diverged: bool


class _UncheckedStep(NamedTuple):
    """A step whose loss is not read back yet: the batch (NumPy) it ran on and, if it is the
    oldest such step, the state its Variables had before it, to undo it and the steps after
    it, or run it again with the probe of its capture request; what that probe captured, if
    the step ran with it."""

    backend: object
    loss: object
    epoch: int
    step: int
    state_variables: tuple
    before: list | None
    batch: tuple
    request: _CaptureRequest | None
    captured: object = None


def _probed_step(steps, request, state_variables):
    """`steps`' train step with the probe of `request`, on the state as flat leaves:
    (new leaves, loss, captured). Synchronous backends update in place (the step keeps the
    state when its loss is not finite); elsewhere the caller keeps the state from before."""
    step = steps.train_probed(request.probe, in_place=steps.backend.synchronous)

    def flat_step(leaves, *batch):
        new_state, loss, captured = step(tree.unflatten_as(state_variables, leaves), *batch)
        return tree.flatten(new_state), loss, captured

    return flat_step


def _steps_ahead(variables, batch) -> int:
    """How many steps' losses may wait unread: the state before the oldest of them and all
    their batches (each about as big as `batch`) within UNREAD_BYTES."""
    state_bytes = sum(math.prod(v.shape) * _itemsize(v.dtype) for v in variables)
    batch_bytes = sum(np.asarray(a).nbytes for a in tree.flatten(batch) if a is not None)
    room = (UNREAD_BYTES - state_bytes) // max(batch_bytes, 1)
    return max(1, min(MOST_STEPS_AHEAD, room))


def _itemsize(dtype: str) -> int:
    """Bytes per value of a dtype named like "float32" or "bool"."""
    bits = "".join(c for c in dtype if c.isdigit())
    return int(bits) // 8 if bits else 1


def _unpack_validation(validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        return validation_data if len(validation_data) == 3 else (*validation_data, None)
    return validation_data, None, None


def _verbosity(verbose) -> int:
    return 1 if verbose == "auto" else int(verbose)


def _to_backend(backend, batch):
    """A batch (x, y, sample_weight) of NumPy data as float32, int32 or bool inputs of
    `backend`'s compiled steps."""
    x, y, sample_weight = batch
    return (
        _converted(backend, x),
        None if y is None else _converted(backend, y),
        None if sample_weight is None else _convert(backend, sample_weight),
    )


def _converted(backend, data):
    if isinstance(data, np.ndarray):
        return _convert(backend, data)
    return tree.map_structure(lambda array: _convert(backend, array), data)


def _convert(backend, array):
    array = np.asarray(array)
    kind = array.dtype.kind
    if kind == "f":
        return backend.step_input(array, "float32")
    if kind in "iub":
        return backend.step_input(array, "int32" if kind != "b" else "bool")
    raise TypeError(f"Training data must be numeric, got an array of dtype {array.dtype}.")
