"""compile / fit / evaluate: one training loop around a compiled step, on any backend.

Between steps every piece of state (weights, BatchNormalization statistics, random seeds,
optimizer slots, metric totals) lives in Variables. Each step reads them, runs the backend's
compiled step and writes the results back, so a callback may switch backend between any two
steps and the next step runs on the new one. A step whose loss is not finite is not written
back: training stops with the weights of the last good step.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import inspect
import math
import time
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from engine import backend as backends
from engine import config, losses, ops, optimizers, tree
from engine import metrics as metric_library
from engine.errors import EngineError
from engine.layers import call_context
from engine.training import callbacks as callbacks_module
from engine.training import custom_steps
from engine.training.commit import StepCommit
from engine.training.compiled_metrics import CompiledMetrics
from engine.training.data import DataError, Epochs, Names, adapt, split_for_validation
from engine.training.step import Steps, is_finite
from engine.variables import read_values, state_scope, write_values

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
    _loss_tracker = None
    _compile_metrics = None  # a CompiledMetrics, when compile was given metrics
    _output_loss_trackers = ()  # a Mean of each output's loss, where several outputs have one
    _output_losses = None  # where _compiled_loss records each output's loss, in a step
    _custom_logs = {}  # "train"/"test": what a model's own last step returned as its logs

    # ---------------------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, auto_scale_loss=True):
        """Choose the optimizer, the loss (one, or one per output, weighted by
        `loss_weights`) and the metrics to report, with Keras 3's signature: sample and class
        weights count in the loss and in `weighted_metrics`, not in `metrics`. A model made
        under "mixed_float16" wraps the optimizer in a LossScaleOptimizer, as Keras does,
        unless `auto_scale_loss` is False."""
        if not self.subclassed:  # a subclassed model may be compiled before it is built
            self.require_graph()
        with backends.using(self.backend):
            optimizer_ = optimizers.get(optimizer)
            config_ = optimizers.serialize(optimizer_)
            if auto_scale_loss and self.dtype_policy.name == "mixed_float16" and not isinstance(
                    optimizer_, optimizers.LossScaleOptimizer):
                optimizer_ = optimizers.LossScaleOptimizer(optimizer_,
                                                           name="loss_scale_optimizer")
            loss_ = self._resolve_loss(loss)
            metric_list, outputs = self._metrics_by_output(metrics, loss)
            weighted_list, weighted_outputs = self._metrics_by_output(weighted_metrics, loss)
            tracker = metric_library.Mean(name="loss")
        self.optimizer = optimizer_
        if loss is not None or getattr(self, "loss", None) is None:
            # as Keras, a compile without a loss keeps an earlier compile's loss and weights
            self.loss = loss_
            self.loss_weights = self._resolve_loss_weights(loss_weights)
        self._loss_tracker = tracker
        with backends.using(self.backend):
            self._output_loss_trackers = self._output_loss_means()
        self._compile_metrics = (
            CompiledMetrics(metric_list, weighted_list, outputs + weighted_outputs)
            if metric_list or weighted_list else None
        )
        self._compile_config = {
            "optimizer": config_,
            "loss": _config_of(loss),
            "loss_weights": loss_weights,
            "metrics": _config_of(metrics or []),
            "weighted_metrics": _config_of(weighted_metrics or []),
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
            weighted_metrics=config.get("weighted_metrics") or [],
        )

    def _output_loss_means(self) -> list:
        """A Mean named "<output>_loss" for each output with a loss, where several outputs
        have one: Keras 3 logs each output's loss (unweighted, counted once per sample)."""
        names = self._data_names().outputs or [
            f"output_{i + 1}" for i in range(len(self.loss_weights))]
        means = [metric_library.Mean(name=f"{name}_loss")
                 for name, loss in zip(names, self._per_output_losses()) if loss is not None]
        return means if len(means) > 1 else []

    def _metrics_by_output(self, metrics, loss) -> tuple[list, list]:
        """compile's `metrics` as (metrics, the output each reads: None for the first).
        A flat list reads the first output (the engine's rule); a dict by output name or a
        list of lists, one per output, gives each output its own, named "<output>_<metric>"
        where the model has several outputs, as Keras names them."""
        if metrics is None:
            return [], []
        per_output = isinstance(metrics, dict) and "class_name" not in metrics or (
            isinstance(metrics, (list, tuple)) and any(isinstance(m, (list, tuple))
                                                       for m in metrics))
        if not per_output:
            return [metric_library.get(m, loss=loss) for m in metrics], [None] * len(metrics)
        groups = self._by_output(metrics, "metrics")
        names = self._data_names().outputs or [f"output_{i + 1}" for i in range(len(groups))]
        if len(groups) != len(names):
            raise ValueError(f"metrics given per output has {len(groups)} entries, but model "
                             f"{self.name!r} has {len(names)} outputs.")
        found, outputs = [], []
        for index, group in enumerate(groups):
            group = [] if group is None else group if isinstance(group, (list, tuple)) else [group]
            for item in group:
                metric = metric_library.get(item, loss=loss)
                if len(names) > 1:
                    metric.name = f"{names[index]}_{metric.name}"
                found.append(metric)
                outputs.append(index)
        return found, outputs

    def _by_output(self, value, what):
        """A dict keyed by output names (Keras's: the output layers' names) as a list in the
        outputs' order, None for an output it leaves out; other values (a serialized loss,
        {"class_name", "config"}, too) as they are."""
        if not isinstance(value, dict) or "class_name" in value:
            return value
        names = self._data_names().outputs
        if names is None:
            raise ValueError(
                f"{what} given as a dict needs outputs with names; model {self.name!r} is "
                "subclassed or not built yet: give a list, one per output."
            )
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(
                f"{what} names {', '.join(map(repr, unknown))}, which model {self.name!r} "
                f"has no output of; its outputs are {', '.join(map(repr, names))}."
            )
        return [value.get(name) for name in names]

    def _resolve_loss(self, loss):
        if isinstance(loss, dict) and "class_name" not in loss:
            loss = self._by_output(loss, "loss")
            loss = loss[0] if len(loss) == 1 else loss
        if isinstance(loss, (list, tuple)):
            count = self.output_count
            if count is not None and len(loss) != count:
                raise ValueError(
                    f"Model {self.name!r} has {count} outputs but {len(loss)} losses "
                    "were given: give one loss per output, or a single loss for all of them."
                )
            return [None if item is None else losses.get(item) for item in loss]
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
        if isinstance(loss_weights, dict):
            loss_weights = [1.0 if w is None else w
                            for w in self._by_output(loss_weights, "loss_weights")]
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

    def save_weights(self, filepath, overwrite=True) -> None:
        """Write the weights alone as Keras 3's .weights.h5 file (Keras loads it too)."""
        from engine.saving.keras_weights import save_weights

        save_weights(self, filepath, overwrite)

    def load_weights(self, filepath, skip_mismatch=False) -> None:
        """Set the weights from a .weights.h5 file of this architecture (Keras's or ours)."""
        from engine.saving.keras_weights import load_weights

        load_weights(self, filepath, skip_mismatch)

    @property
    def metrics(self) -> list:
        """Keras 3's list: once compiled, the loss tracker, the compiled metrics (one
        container, `compile_metrics`, when compile was given metrics) and the loss tracker of
        each output (where several have a loss); then the metrics the model holds in its
        attributes. fit resets them every epoch."""
        own = self._compiled_trackers()
        return own + [m for m in _attribute_metrics(self) if m not in own]

    def _compiled_trackers(self) -> list:
        """The metrics compile made, in `metrics`' order (none before compile)."""
        if self.optimizer is None:
            return []
        compiled = [self._loss_tracker, self._compile_metrics, *self._output_loss_trackers]
        return [m for m in compiled if m is not None]

    @property
    def metrics_variables(self) -> list:
        """The Variables of every metric in `metrics`, in that order (a stateless step's
        `state[3]`)."""
        return [v for metric in self.metrics for v in metric.variables]

    @property
    def trainable_variables(self) -> list:
        """Keras's other name for `trainable_weights`."""
        return self.trainable_weights

    def zero_grad(self) -> None:
        """Fresh gradient leaves for the trainable weights (`backend.gradient_leaf`), as
        PyTorch's Module.zero_grad clears their gradients: a train_step written as the PyTorch
        guide writes it calls it, and fit before each such step. No value changes."""
        backend, weights = self.backend, self.trainable_weights
        write_values(weights, [backend.gradient_leaf(value) for value in read_values(weights)])

    def get_metrics_result(self) -> dict:
        """The result of every metric in `metrics` by name (a container's, each of its own)."""
        results = {}
        for metric in self.metrics:
            result = metric.result()
            results.update(result if isinstance(result, dict) else {metric.name: result})
        return results

    # ----------------------------------------------------------- pieces the steps call
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of a batch, as Keras 3 computes it: the compiled loss (if any) plus
        the sum of each loss layers added with `add_loss` in this forward pass. The engine's
        step calls it, so a subclass may override it (Keras's signature; `x` and `training`
        are unused here)."""
        terms = [] if self.loss is None else [self._compiled_loss(y, y_pred, sample_weight)]
        terms += [ops.sum(ops.cast(value, "float32")) for value in self.losses]
        if not terms:
            raise NotCompiledError(
                f"Model {self.name!r} has no loss to compute: pass loss= to compile(), or add "
                "losses with self.add_loss(...) in call()."
            )
        total = terms[0]
        for term in terms[1:]:
            total = ops.add(total, term)
        return total

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables,
                               metrics_variables, x=None, y=None, y_pred=None,
                               sample_weight=None, training=True):
        """compute_loss as a pure function of the state (Keras 3's signature), for stateless
        train steps: (loss, (trainable, non_trainable, metrics variables)), the latter as an
        override of compute_loss left them."""
        groups = (self.trainable_weights, self.non_trainable_variables, self.metrics_variables)
        values = (trainable_variables, non_trainable_variables, metrics_variables)
        mapping = {v: value for group, given in zip(groups, values)
                   for v, value in zip(group, given)}
        with state_scope(mapping) as scope:
            loss = self.call_compute_loss(x, y, y_pred, sample_weight, training)
        return loss, tuple([scope.values[v] for v in group] for group in groups)

    def call_compute_loss(self, x, y, y_pred, sample_weight, training):
        """compute_loss, also when an override does not take `training` (as Keras's own
        signature had no `training` before Keras 3.3)."""
        if _takes_training(type(self).compute_loss):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _compiled_loss(self, y, y_pred, sample_weight):
        """The loss given to compile (one per output, weighted), of a batch."""
        backend = backends.active()
        count = self.output_count
        if count == 1 or (count is None and not isinstance(y_pred, (list, tuple))):
            value = self.loss(y, y_pred, sample_weight)
            weight = self.loss_weights[0]
            return value if weight == 1.0 else backend.multiply(value, weight)
        total, unweighted = None, []
        per_output = self._per_output_losses()
        for loss, weight, target, prediction in zip(per_output, self.loss_weights, y, y_pred):
            if loss is None:  # an output a dict of losses left out: it is not trained on
                continue
            unweighted.append(loss(target, prediction, sample_weight))
            value = backend.multiply(unweighted[-1], weight)
            total = value if total is None else backend.add(total, value)
        if self._output_losses is not None:
            self._output_losses[:] = unweighted
        return total

    @contextlib.contextmanager
    def recording_output_losses(self):
        """Within it, the compiled loss records each output's unweighted loss in the list
        it yields (the per-output loss trackers' values: a step returns them beside its loss);
        nothing is recorded where no output has a tracker of its own."""
        recorded = []
        if not self._output_loss_trackers:
            yield recorded
            return
        self._output_losses = recorded
        try:
            yield recorded
        finally:
            self._output_losses = None

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch and return every metric's result, as
        Keras 3 does. The engine's step calls it; an override may update metrics of its own
        (held as attributes: `metrics` lists them) with `update_state`."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def update_metrics(self, states, loss, x, y, y_pred, sample_weight, output_losses=()):
        """The metric states (one list per metric in `metrics`) after a batch: the loss
        tracker counts the loss once per sample, each output's tracker its loss of
        `output_losses` (recording_output_losses), then `compute_metrics`. Without overrides
        this runs on the states directly; an overridden `compute_metrics` or `metrics` runs
        on the metrics' Variables, read from and assigned in a state scope."""
        batch_size = backends.active().shape(tree.flatten(y_pred)[0])[0]
        metrics = self.metrics
        tracker, compiled = self._loss_tracker, self._compile_metrics
        counted = list(zip([tracker, *self._output_loss_trackers], [loss, *output_losses]))
        own = self._compiled_trackers()
        if type(self).compute_metrics is Trainer.compute_metrics and metrics[:len(own)] == own:
            new_states = list(states)
            for metric, value in counted:
                index = own.index(metric)
                new_states[index] = metric.stateless_add(states[index], value, batch_size)
            if compiled is not None:
                new_states[1] = compiled.stateless_update(states[1], y, y_pred, sample_weight)
            return new_states
        variables = [metric.variables for metric in metrics]
        mapping = dict(zip(tree.flatten(variables), tree.flatten(states)))
        for metric, value in counted:
            if metric in metrics:  # else `metrics` is overridden without it: it is not counted
                now = [mapping[v] for v in metric.variables]
                mapping.update(zip(metric.variables, metric.stateless_add(now, value,
                                                                          batch_size)))
        with state_scope(mapping) as scope:
            self.compute_metrics(x, y, y_pred, sample_weight)
        return [[scope.values[v] for v in group] for group in variables]

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
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train from epoch `initial_epoch` up to `epochs` on data from any source data.py
        adapts, with Keras 3's arguments; returns a History of the epoch logs. Arguments
        are all checked before the first step: a refusal leaves the model as it was."""
        self._require_compiled("fit")
        verbose = _verbosity(verbose)
        epochs = config.capped_epochs(epochs)
        steps_per_epoch = config.capped_steps(steps_per_epoch)
        if validation_data is not None or validation_split:
            validation_steps = config.capped_steps(validation_steps)
        _check_validation_freq(validation_freq)
        names = self._data_names()
        data = adapt(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight,
                     names)
        self._check_class_labels(data)
        validation = None
        if validation_data is not None:
            validation = adapt(*_unpack_validation(validation_data),
                               batch_size=validation_batch_size or batch_size, shuffle=False,
                               steps=validation_steps, names=names)
            self._check_class_labels(validation)
        elif validation_split:
            data, validation = split_for_validation(data, validation_split)
        training = Epochs(data, steps_per_epoch)
        validating = (None if validation is None
                      else Epochs(validation, validation_steps, "validation_steps"))
        history = callbacks_module.History()
        callback_list = callbacks_module.CallbackList(
            callbacks,
            model=self,
            history=history,
            verbose=verbose,
            epochs=epochs,
            steps=training.steps_per_epoch,
        )
        self.history = history
        self._train_epochs(training, range(initial_epoch, epochs), callback_list, validating,
                           validation_freq, finalize=True)
        return history

    def _train_epochs(self, training, epochs, callback_list, validating=None,
                      validation_freq=1, finalize=False) -> dict:
        """Train on the batches of `training` (an Epochs) for each epoch in `epochs`,
        validating on `validating` every `validation_freq`; returns the last epoch's logs.
        With `finalize` (fit), an optimizer with use_ema then sets the weights to their
        moving averages, before on_train_end, as Keras's fit does."""
        self.stop_training = False
        self._unchecked_steps = collections.deque()
        self._steps_ahead = None
        self._build_from(training, training=True)
        self.optimizer.build(self.trainable_weights)
        self._train_style = custom_steps.step_style(self, "train_step")
        self._custom_logs = {}
        state_variables = self.train_state_variables(
            flat_metrics=self._train_style == custom_steps.STATELESS
        )
        self._commit = StepCommit()
        callback_list.on_train_begin()
        resume_at = self.__dict__.pop("_initial_epoch", None)  # set by BackupAndRestore
        if resume_at is not None:
            epochs = range(max(epochs.start, resume_at), epochs.stop)
        with self._commit.deferring_interrupts():
            try:
                epoch_logs = self._fit_epochs(
                    training, validating, validation_freq, callback_list, state_variables,
                    epochs,
                )
            except BaseException:
                self._check_unchecked_steps(raise_error=False)
                raise
        if finalize:
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callback_list.on_train_end(epoch_logs)
        return epoch_logs

    def _fit_epochs(self, training, validating, validation_freq, callback_list,
                    state_variables, epochs):
        """fit's epochs; returns the last epoch's logs. An epoch after the first that gets no
        batch at all (a generator used up) ends training, as Keras's does."""
        epoch_logs = {}
        variables = tree.flatten(state_variables)
        for epoch in epochs:
            with self._commit:
                self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            step = -1
            for step, batch in enumerate(training.epoch()):
                self._check_targets(batch, self._train_style)
                callback_list.on_train_batch_begin(step)
                self._train_on(batch, epoch, step, state_variables, variables)
                callback_list.on_train_batch_end(step, callbacks_module.LazyLogs(self._logs))
                if self.stop_training:
                    break
            if step < 0 and epoch == epochs[0]:
                raise DataError("The data gave no batches: it is empty, or a used-up generator.")
            if step < 0:
                warnings.warn(
                    f"The data gave no batches for epoch {epoch + 1}, so training stopped: a "
                    "generator is used up after one pass. Pass steps_per_epoch with a "
                    "generator that loops, or a PyDataset or tf.data.Dataset, which can be "
                    "read again.",
                    stacklevel=4,
                )
                break
            self._check_unchecked_steps()
            epoch_logs = self._logs()
            _check_metric_logs(epoch_logs, epoch)
            if validating is not None and _validates(epoch, validation_freq):
                # fit's callbacks see the validation's test hooks, as in Keras
                validation_logs = self._evaluate_data(validating, callback_list)
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
        if request is not None and self._train_style is not None:
            raise NotImplementedError(
                f"Model {self.name!r} has its own train_step: inspection captures the "
                "engine's step only. Inspect a model without train_step, or leave the "
                "inspection callback out of this fit."
            )
        unchecked = self._unchecked_steps
        if unchecked and unchecked[-1].backend is not backend:
            self._check_unchecked_steps()
        if self._train_style == custom_steps.STATEFUL:
            self._train_stateful(steps, batch, epoch, step, state_variables, variables)
            return
        before = read_values(variables)
        if backend.synchronous:
            # the step checks its loss, keeps its state if it is not finite and else may
            # update arrays in place: the whole step is part of the commit
            with self._commit:
                after, loss, captured = self._run_step(steps, request, state_variables,
                                                       before, batch)
                write_values(variables, after)
            self._custom_logs = {"train": steps.last_logs}
            self._check_steps([_UncheckedStep(backend, loss, epoch, step, state_variables,
                                              before, batch, request, captured)])
            return
        after, loss, captured = self._run_step(steps, request, state_variables, before, batch)
        self._custom_logs = {"train": steps.last_logs}
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

    def _train_stateful(self, steps, batch, epoch, step, state_variables, variables):
        """One step of the model's own stateful `train_step(data)`, run eagerly on the
        Variables themselves as one commit: if it fails, or its "loss" log is not finite,
        the Variables go back to what they were before it."""
        backend = steps.backend
        steps.check_custom("train_step")
        before = read_values(variables)
        with self._commit:
            try:
                with backends.using(backend), call_context.loss_collection():
                    self.zero_grad()
                    data = custom_steps.step_data(*_to_backend(backend, batch))
                    logs = custom_steps.checked_logs(self, "train_step", self.train_step(data))
                    loss = custom_steps.loss_to_check(logs)
                    # what the step wrote may carry its framework's gradient record: not kept
                    write_values(variables, [backend.stop_gradient(value)
                                             for value in read_values(variables)])
            except BaseException as error:
                write_values(variables, before)
                if isinstance(error, Exception) and not isinstance(error, EngineError):
                    custom_steps.explain_framework_failure(self, "train_step", error)
                raise
        self._custom_logs = {"train": logs}
        self._check_steps([_UncheckedStep(backend, loss, epoch, step, state_variables,
                                          before, batch, None)])

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

    def train_state_variables(self, flat_metrics=False) -> tuple:
        """The Variables a train step reads and writes, structured as the step's `state`:
        the metrics' as one list per metric for the engine's step, as one flat list
        (`metrics_variables`) with `flat_metrics`, as a model's own stateless step takes them."""
        return (
            self.trainable_weights,
            self.non_trainable_variables,
            self.optimizer.variables,
            self.metrics_variables if flat_metrics else [m.variables for m in self.metrics],
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
        steps = self.__dict__.setdefault("_steps", {})  # predict needs no compile
        if backend.name not in steps:
            steps[backend.name] = Steps(self, backend)
        return steps[backend.name]

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
        """The loss and metrics over the data (its first `steps` batches, if given): a list
        in `metrics_names`' order like Keras's, one number when there is only the loss, or a
        dict with `return_dict`."""
        self._require_compiled("evaluate")
        verbose = _verbosity(verbose)
        steps = config.capped_steps(steps)
        data = adapt(x, y, sample_weight, batch_size, shuffle=False, steps=steps,
                     names=self._data_names())
        self._check_class_labels(data)
        evaluating = Epochs(data, steps, "steps")
        callback_list = callbacks_module.CallbackList(
            callbacks,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=evaluating.steps_per_epoch,
            mode="evaluate",
        )
        self._build_from(evaluating)
        return self._returned(self._evaluate_data(evaluating, callback_list), return_dict)

    def _evaluate_data(self, evaluating, callback_list):
        """The logs of an evaluation over an epoch of `evaluating` (an Epochs), which is left
        to start from the beginning again for the next one."""
        self.reset_metrics()
        if callback_list is not None:
            callback_list.on_test_begin()
        steps = self._steps_for(self.backend)
        style = custom_steps.step_style(self, "test_step")
        if style is not None:
            steps.check_custom("test_step")
        self._custom_logs = {**self._custom_logs, "test": None}
        for step, batch in enumerate(evaluating.epoch()):
            self._check_targets(batch, style)
            if callback_list is not None:
                callback_list.on_test_batch_begin(step)
            self._test_on(steps, style, batch)
            if callback_list is not None:
                callback_list.on_test_batch_end(
                    step, callbacks_module.LazyLogs(lambda: self._logs("test"))
                )
        evaluating.restart()
        logs = self._logs("test")
        if callback_list is not None:
            callback_list.on_test_end(logs)
        return logs

    def _test_on(self, steps, style, batch) -> None:
        """One evaluation step: the engine's, or the model's own `test_step` (`style`, from
        custom_steps.step_style). What it changes (metric totals; what a stateless step
        returns as non-trainable values) is written only once it succeeded."""
        backend = steps.backend
        with backends.using(backend):
            x, y, sample_weight = _to_backend(backend, batch)
            if style == custom_steps.STATEFUL:
                variables = [*self.metrics_variables, *self.non_trainable_variables]
                before = read_values(variables)
                try:
                    with call_context.loss_collection():
                        logs = self.test_step(custom_steps.step_data(x, y, sample_weight))
                    logs = custom_steps.checked_logs(self, "test_step", logs)
                except BaseException:
                    write_values(variables, before)
                    raise
                self._custom_logs = {**self._custom_logs, "test": logs}
                return
            non_trainable = self.non_trainable_variables
            metric_variables = (self.metrics_variables if style is not None
                                else [m.variables for m in self.metrics])
            state = tree.map_structure(
                lambda v: v.value, (self.trainable_weights, non_trainable, metric_variables)
            )
            if style is None:
                new_state, _ = steps.evaluate(state, x, y, sample_weight)
                written, values = [non_trainable, metric_variables], new_state
            else:
                (_, new_non_trainable, new_metric_states), logs = steps.evaluate(
                    state, x, y, sample_weight
                )
                self._custom_logs = {**self._custom_logs, "test": logs}
                written = [non_trainable, metric_variables]
                values = [new_non_trainable, new_metric_states]
        write_values(tree.flatten(written), tree.flatten(values))

    # ------------------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The outputs for the inputs of `x` (any source fit takes; targets in its batches
        are ignored), batch by batch on the model's backend, as NumPy arrays."""
        steps = config.capped_steps(steps)
        evaluating = Epochs(
            adapt(x, batch_size=batch_size, shuffle=False, steps=steps,
                  names=self._data_names()),
            steps,
            "steps",
        )
        callback_list = callbacks_module.CallbackList(
            callbacks,
            model=self,
            verbose=_verbosity(verbose),
            epochs=1,
            steps=evaluating.steps_per_epoch,
            mode="predict",
        )
        self._build_from(evaluating)
        callback_list.on_predict_begin()
        outputs = []
        for step, (inputs, _, _) in enumerate(evaluating.epoch()):
            callback_list.on_predict_batch_begin(step)
            outputs.append(self._predict_arrays(inputs))
            callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        if not outputs:
            raise DataError("predict got no batches: the data is empty or a used-up generator.")
        return tree.map_structure(lambda *parts: np.concatenate(parts), *outputs)

    def predict_on_batch(self, x):
        """The outputs for one batch of inputs, as NumPy arrays."""
        inputs = self._data_names().batch(x)[0]
        self.build_on_batch(inputs)
        return self._predict_arrays(inputs)

    def _predict_arrays(self, inputs):
        """The model's outputs (inference mode) for a batch of NumPy inputs: its forward
        pass, or its own `predict_step` (custom_steps: stateless `predict_step(self, state,
        data)` -> (outputs, non-trainable values), compiled; stateful `predict_step(self,
        data)` -> outputs, run eagerly), given `data` as the batch's inputs."""
        backend = self.backend
        style = custom_steps.step_style(self, "predict_step")
        state = (
            [w.value for w in self.trainable_weights],
            [v.value for v in self.non_trainable_variables],
        )
        if style is not None:
            self._steps_for(backend).check_custom("predict_step")
        with backends.using(backend):
            data = _converted(backend, inputs)
            if style == custom_steps.STATEFUL:
                with call_context.loss_collection():
                    outputs = self.predict_step(data)
            elif style == custom_steps.STATELESS:
                outputs = self._steps_for(backend).predict(state, data)
            else:
                outputs = self._compiled_forward(backend)(*state, data)
        return tree.map_structure(backend.to_numpy, outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One training step on one batch; returns that batch's loss and metrics (the
        metrics start again from it, as in Keras), like evaluate's."""
        self._require_compiled("train_on_batch")
        data = adapt(x, y, sample_weight, shuffle=False, steps=1, class_weight=class_weight,
                     names=self._data_names())
        self._check_class_labels(data)
        callback_list = callbacks_module.CallbackList(None, model=self, verbose=0)
        return self._returned(self._train_epochs(Epochs(data, 1), range(1), callback_list),
                         return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics of one batch, like evaluate's."""
        self._require_compiled("test_on_batch")
        data = adapt(x, y, sample_weight, shuffle=False, steps=1, names=self._data_names())
        self._check_class_labels(data)
        evaluating = Epochs(data, 1)
        self._build_from(evaluating)
        return self._returned(self._evaluate_data(evaluating, callback_list=None), return_dict)

    @property
    def metrics_names(self) -> list:
        """The name of each metric in `metrics`, as Keras 3 lists them."""
        return [metric.name for metric in self.metrics]

    def _data_names(self) -> Names:
        """The names that order dicts of inputs and targets: a graph's input and output
        layers' (Keras's input and output names); none for a subclassed model, whose call
        takes the dict itself."""
        if self.subclassed or not self.built:
            return Names()
        return Names([t.node.layer.name for t in self.inputs],
                     [t.node.layer.name for t in self.outputs])

    # ---------------------------------------------------------------------------- helpers
    def reset_metrics(self) -> None:
        with backends.using(self.backend):
            for metric in self.metrics:
                metric.reset_state()

    def _logs(self, mode="train") -> dict:
        """What callbacks and History see: every metric's result, or, where the model's own
        last train or test step (`mode`) returned logs under other names, those (Keras's
        rule). Where each output's loss is logged, by name, as Keras 3 orders all its logs."""
        backend = self.backend
        with backends.using(backend):
            logs = self.get_metrics_result()
            if self._output_loss_trackers:
                logs = dict(sorted(logs.items()))
            custom = self._custom_logs.get(mode)
            if custom is not None and set(custom) != set(logs):
                logs = custom
            return {name: _as_float(value) for name, value in logs.items()}

    def _returned(self, logs, return_dict):
        """Logs as evaluate returns them: the dict, or its values (one alone as a number);
        as in Keras 3, the loss and each output's loss (where logged) come first."""
        if return_dict:
            return logs
        by_output = [metric.name for metric in self._output_loss_trackers]
        first = ["loss", *by_output] if by_output else []
        values = [logs[name] for name in first if name in logs]
        values += [value for name, value in logs.items() if name not in first]
        return values[0] if len(values) == 1 else values

    def _build_from(self, epochs, training=False) -> None:
        """Build a model not built yet (subclassed, or a Sequential without its input shape)
        on the inputs of the data's first batch, as Keras does, in training mode too for fit
        (build_on_batch); and the compiled metrics whose Variables follow the targets' shape
        (F1Score, R2Score, ...) on its targets."""
        if not self.built or training:
            self.build_on_batch(epochs.peek()[0], training=training)
        if self._compile_metrics is not None and self.optimizer is not None:
            targets = epochs.peek()[1]
            if targets is not None:
                self._compile_metrics.build_state(targets)

    def _check_targets(self, batch, style) -> None:
        """A clear error for a batch without targets where the compiled loss needs them (the
        engine's own step, `style` None, with a loss given to compile)."""
        if batch[1] is None and self.loss is not None and style is None:
            raise DataError(
                f"A batch for model {self.name!r} has no targets, but the loss given to "
                "compile needs them: pass y, or yield (x, y) or (x, y, sample_weight) batches."
            )

    def _require_compiled(self, what):
        if self.optimizer is None:
            raise NotCompiledError(
                f"Model {self.name!r} must be compiled before {what}(): call "
                "model.compile(optimizer=..., loss=..., metrics=[...]) first."
            )


def _attribute_metrics(model) -> list:
    """The Metrics a model holds in its attributes, also in lists (not the compiled ones)."""
    found = []
    for name, value in vars(model).items():
        if name in ("_loss_tracker", "_compile_metrics", "_output_loss_trackers"):
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, metric_library.Metric) and item not in found:
                found.append(item)
    return found


def _as_float(value) -> float:
    """A log value (a scalar array of any backend, or a number) as a Python float; a metric
    of several values (one per threshold) as a NumPy array, as Keras logs it."""
    if isinstance(value, (int, float)):
        return float(value)
    backend = getattr(value, "backend", None) or backends.active()  # a Variable has one
    array = np.asarray(backend.to_numpy(getattr(value, "value", value)))
    return float(array) if array.ndim == 0 else array


def _check_metric_logs(logs, epoch) -> None:
    """Raise TrainingDivergedError if a metric's value for the epoch is NaN, as for a loss
    that is not finite (the loss itself is checked every step)."""
    for name, value in logs.items():
        if name != "loss" and np.isnan(value).any():
            raise TrainingDivergedError(
                f"The metric {name!r} became nan at epoch {epoch + 1}, so training stopped. "
                "The loss stayed finite and the model keeps the weights of that epoch. A "
                "metric is NaN when y or the model's outputs hold NaN, or when it divides 0 "
                "by 0 (R2Score of constant targets): check the data and the metric's "
                "arguments."
            )


@functools.cache
def _takes_training(compute_loss) -> bool:
    return "training" in inspect.signature(compute_loss).parameters


def _config_of(item):
    """compile's argument as JSON: names stay names, objects become {"class_name", "config"};
    plain functions cannot be saved (a loaded model is then compiled again by hand)."""
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, (list, tuple)):
        return [_config_of(i) for i in item]
    if isinstance(item, dict):
        return {key: _config_of(value) for key, value in item.items()}
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
    """Keras's verbose: 0 silent, 1 a progress bar, 2 a line per epoch, "auto" 1."""
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}.")
    return int(verbose)


def _check_validation_freq(validation_freq) -> None:
    """Keras's validation_freq: validate every n epochs, or after the epochs listed (from 1)."""
    every = isinstance(validation_freq, int) and validation_freq >= 1
    listed = isinstance(validation_freq, (list, tuple)) and all(
        isinstance(epoch, int) for epoch in validation_freq)
    if not (every or listed):
        raise ValueError(
            "validation_freq must be a positive integer (validate every n epochs) or a list "
            f"of epochs counted from 1 (validate after those), got {validation_freq!r}."
        )


def _validates(epoch, validation_freq) -> bool:
    """Whether fit validates after `epoch` (counted from 0)."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


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
