"""Callbacks that watch a logged value: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau."""

from __future__ import annotations

import math

from engine.training.callbacks.base import Callback


class _Monitor(Callback):
    """Shared by EarlyStopping and ModelCheckpoint: which value to watch and which way is better."""

    def __init__(self, monitor, mode, min_delta=0.0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"{type(self).__name__}: `mode` must be 'auto', 'min' or 'max'. Received: "
                f"mode={mode!r}."
            )
        self.monitor = monitor
        if mode == "auto":
            mode = "max" if any(w in monitor for w in ("acc", "auc")) else "min"
        self.sign = 1.0 if mode == "min" else -1.0
        self.min_delta = abs(min_delta)
        self.best = math.inf

    def current(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            available = ", ".join(logs or {}) or "none"
            raise KeyError(
                f"{type(self).__name__} monitors {self.monitor!r}, which is not in the logs "
                f"(available: {available}). Pass validation data for 'val_' values."
            )
        return self.sign * float(value)

    def improved(self, value) -> bool:
        return value < self.best - self.min_delta


class EarlyStopping(_Monitor):
    """Stop when the monitored value has not improved for `patience` epochs."""

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0.0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta)
        self.verbose = verbose
        self.patience = patience
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.baseline is None else self.sign * self.baseline
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.start_from_epoch:
            return
        value = self.current(logs)
        if self.improved(value):
            self.best, self.wait, self.best_epoch = value, 0, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch:
            if self.verbose:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model (engine's model file), or its weights alone (Keras's .weights.h5),
    after every epoch or every `save_freq` batches, or only when it improves.

    `filepath` may hold `{epoch}`, `{batch}` and any log name, e.g.
    "ckpt-{epoch:02d}-{val_loss:.3f}.wbm".
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode)
        self.filepath = str(filepath)
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("ModelCheckpoint: with save_weights_only=True the filepath must "
                             f"end in `.weights.h5`. Received: filepath={self.filepath!r}.")
        if save_freq != "epoch" and not (
                isinstance(save_freq, int) and not isinstance(save_freq, bool) and save_freq > 0):
            raise ValueError("ModelCheckpoint: `save_freq` must be 'epoch' or a positive number "
                             f"of batches. Received: save_freq={save_freq!r}.")
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches = 0
        self._epoch = 0
        if initial_value_threshold is not None:
            self.best = self.sign * float(initial_value_threshold)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs):
        logs = dict(logs or {})
        fields = {"epoch": epoch + 1, **logs}
        if batch is not None:
            fields["batch"] = batch + 1
        path = self.filepath.format(**fields)
        if self.save_best_only:
            value = self.current(logs)
            if not self.improved(value):
                self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.sign * self.best:.5f}")
                return
            self._say(f"Epoch {epoch + 1}: {self.monitor} improved from "
                      f"{self.sign * self.best:.5f} to {self.sign * value:.5f}, saving model to "
                      f"{path}")
            self.best = value
        else:
            self._say(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

    def _say(self, message):
        if self.verbose:
            print(message)
