"""Callbacks that set the optimizer's learning rate between epochs."""

from __future__ import annotations

import math
import warnings

import numpy as np

from engine.training.callbacks.base import Callback
from engine.training.callbacks.monitors import _Monitor


def _learning_rate(model) -> float:
    return float(np.asarray(model.optimizer.learning_rate))


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start to `schedule(epoch, learning_rate)` (or
    `schedule(epoch)`), and log it as "learning_rate" at its end."""

    def __init__(self, schedule, verbose=0):
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: `schedule` must be a function of (epoch, "
                f"learning_rate) or of (epoch). Received: schedule={schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        current = _learning_rate(self.model)
        try:
            learning_rate = self.schedule(epoch, current)
        except TypeError:  # Keras's older form: schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.floating)):
            raise ValueError(
                f"LearningRateScheduler: `schedule` must return a float. It returned "
                f"{learning_rate!r} for epoch {epoch}."
            )
        self.model.optimizer.learning_rate = float(learning_rate)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _learning_rate(self.model)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by `factor` when the monitored value has not improved by
    `min_delta` for `patience` epochs, no lower than `min_lr`; then wait `cooldown` epochs
    before counting again. Logs the learning rate as "learning_rate"."""

    def __init__(
        self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
        min_delta=1e-4, cooldown=0, min_lr=0.0, **unknown,
    ):
        if unknown:
            raise TypeError(
                f"ReduceLROnPlateau got unknown argument(s) {sorted(unknown)}. Its arguments: "
                "monitor, factor, patience, verbose, mode, min_delta, cooldown, min_lr."
            )
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau: `factor` must be below 1 (it multiplies the learning "
                f"rate). Received: factor={factor}."
            )
        super().__init__(monitor, mode, min_delta)
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = math.inf, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        logs["learning_rate"] = _learning_rate(self.model)
        if logs.get(self.monitor) is None:
            warnings.warn(
                f"ReduceLROnPlateau monitors {self.monitor!r}, which is not in the logs "
                f"(available: {', '.join(logs)}): the learning rate stays as it is.",
                stacklevel=2,
            )
            return
        value = self.current(logs)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improved(value):
            self.best, self.wait = value, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(epoch)

    def _reduce(self, epoch):
        old = _learning_rate(self.model)
        if old > np.float32(self.min_lr):
            new = max(old * self.factor, self.min_lr)
            self.model.optimizer.learning_rate = new
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
            self.cooldown_counter, self.wait = self.cooldown, 0
