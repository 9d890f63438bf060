"""The progress bar fit, evaluate and predict show (ProgressBar, and ProgbarLogger, Keras's
name for it)."""

from __future__ import annotations

import logging

import numpy as np

from engine import config
from engine.training.callbacks.base import Callback


class ProgressBar(Callback):
    """verbose=1: a tqdm bar (a widget in notebooks) per epoch, evaluation or prediction,
    counting steps (of no known total for a source without length, a generator); verbose=2:
    one line for each of them instead. `mode` is what runs: "fit", "evaluate" or "predict"
    (fit's validation shows nothing of its own, as in Keras)."""

    def __init__(self, verbose=1, mode="fit"):
        self.verbose = verbose
        self.mode = mode
        self.bar = None

    def _open(self, description):
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=self.params.get("steps"),
            desc=description,
            unit="step",
            leave=True,
            disable=self.verbose != 1 or not config.is_interactive_logging_enabled(),
            dynamic_ncols=True,
        )

    def on_epoch_begin(self, epoch, logs=None):
        self._open(f"Epoch {epoch + 1}/{self.params['epochs']}")

    def on_test_begin(self, logs=None):
        if self.mode == "evaluate":
            self._open("Evaluate")

    def on_predict_begin(self, logs=None):
        self._open("Predict")

    def on_train_batch_end(self, batch, logs=None):
        self._advance(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if self.mode == "evaluate":
            self._advance(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._advance(batch, None)  # its logs are the outputs

    def _advance(self, batch, logs):
        self.bar.update(1)
        # refresh the numbers at most ~10 times a second: reading them syncs the device
        if (
            self.verbose == 1
            and self.bar.format_dict["elapsed"] - getattr(self, "_shown", -1) > 0.1
        ):
            self._shown = self.bar.format_dict["elapsed"]
            self.bar.set_postfix(_format(logs), refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        self._close(logs, f"Epoch {epoch + 1}/{self.params['epochs']}")

    def on_test_end(self, logs=None):
        if self.mode == "evaluate":
            self._close(logs, "Evaluate")

    def on_predict_end(self, logs=None):
        self._close(None, "Predict")

    def _close(self, logs, title):
        self.bar.set_postfix(_format(logs), refresh=False)
        self.bar.close()
        if not self.verbose:
            return
        if self.verbose == 2 or not config.is_interactive_logging_enabled():
            _say(" - ".join([title, *(f"{k}: {v}" for k, v in _format(logs).items())]))
        first = (self.model.first_step_seconds if self.mode == "fit" else {}) or {}
        for backend, seconds in first.items():
            if backend not in getattr(self, "_reported", set()):
                self._reported = {*getattr(self, "_reported", set()), backend}
                _say(f"First step on {backend} (compilation included): {seconds:.2f} s")


def _say(line: str) -> None:
    """A line on the output, or, with interactive logging disabled (keras.config), to the
    "engine" logger."""
    if config.is_interactive_logging_enabled():
        print(line)
    else:
        logging.getLogger("engine").info(line)


def _format(logs) -> dict:
    """Each log value in 4 significant digits; an array (a metric with several thresholds)
    as its list of them."""
    return {key: _number(value) for key, value in (logs or {}).items()}


def _number(value) -> str:
    values = np.asarray(value)
    if values.ndim == 0:
        return f"{float(values):.4g}"
    return "[" + ", ".join(f"{v:.4g}" for v in values.ravel()) + "]"


class ProgbarLogger(ProgressBar):
    """Keras's name for the progress bar, to pass in `callbacks` yourself: it takes fit's
    (or evaluate's, predict's) `verbose`, and fit then adds no bar of its own."""

    def __init__(self):
        super().__init__(verbose=1, mode="evaluate")

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose

    def on_train_begin(self, logs=None):
        self.mode = "fit"  # fit's validation shows nothing of its own

    def on_train_end(self, logs=None):
        self.mode = "evaluate"
