"""Callbacks: code that runs at the edges of training, with Keras 3's hooks and arguments.

A live dashboard is a callback too: `on_train_batch_end` gives the step's logs, setting
`model.stop_training = True` stops after the current step, and calling `engine.set_backend`
from any hook makes the next step run on the new backend.
"""

from __future__ import annotations

import collections.abc
import math

from engine.keras_namespaces import missing_attribute

HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


class LazyLogs(collections.abc.Mapping):
    """A batch's logs, read back from the device only if a callback looks at them."""

    def __init__(self, compute):
        self._compute = compute
        self._values = None

    def _logs(self) -> dict:
        if self._values is None:
            self._values = self._compute()
        return self._values

    def __getitem__(self, key):
        return self._logs()[key]

    def __iter__(self):
        return iter(self._logs())

    def __len__(self):
        return len(self._logs())


class Callback:
    """Override the hooks you need; `self.model` and `self.params` are set before training."""

    model = None
    params: dict = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params: dict):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    # Keras's older names for the training batch hooks: overriding either works
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


class CallbackList:
    """Calls every callback's hook in order; adds History and the progress bar."""

    def __init__(self, callbacks, model, verbose=1, epochs=1, steps=None, history=None, mode="fit"):
        self.callbacks = list(callbacks or [])
        if history is not None:
            self.callbacks.insert(0, history)
        if verbose:
            self.callbacks.append(ProgressBar(verbose=verbose, mode=mode))
        params = {"epochs": epochs, "steps": steps, "verbose": verbose}
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be Callback instances, got {type(callback).__name__}. "
                    "Wrap functions in LambdaCallback(on_epoch_end=...)."
                )
            callback.set_model(model)
            callback.set_params(params)

    def __getattr__(self, hook):
        if hook not in HOOKS:
            raise AttributeError(hook)

        # as Keras, every hook gets logs: a dict, empty where there is nothing to log
        positional = 1 if "batch" in hook or "epoch" in hook else 0

        def call(*args):
            *head, logs = args if len(args) > positional else (*args, None)
            for callback in self.callbacks:
                getattr(callback, hook)(*head, {} if logs is None else logs)

        return call


class History(Callback):
    """Every epoch's logs: `history.history["loss"]` is the loss of each epoch."""

    def __init__(self):
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    @property
    def first_step_seconds(self) -> dict:
        """Time of the first step on each backend used (mostly compilation on JAX and TF)."""
        return self.model.first_step_seconds if self.model is not None else {}


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
            disable=self.verbose != 1,
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
        if self.verbose == 2:
            print(" - ".join([title, *(f"{k}: {v}" for k, v in _format(logs).items())]))
        first = (self.model.first_step_seconds if self.mode == "fit" else {}) or {}
        for backend, seconds in first.items():
            if backend not in getattr(self, "_reported", set()):
                self._reported = {*getattr(self, "_reported", set()), backend}
                print(f"First step on {backend} (compilation included): {seconds:.2f} s")


def _format(logs) -> dict:
    return {key: f"{value:.4g}" for key, value in (logs or {}).items()}


class LambdaCallback(Callback):
    """A callback from functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...)."""

    def __init__(self, **hooks):
        unknown = set(hooks) - set(HOOKS)
        if unknown:
            raise TypeError(
                f"LambdaCallback got unknown hooks {sorted(unknown)}; "
                f"choose from {', '.join(HOOKS)}."
            )
        for name, fn in hooks.items():
            setattr(self, name, fn)


class _Monitor(Callback):
    """Shared by EarlyStopping and ModelCheckpoint: which value to watch and which way is better."""

    def __init__(self, monitor, mode, min_delta=0.0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}.")
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
    """Save the model (engine's model file) after every epoch, or only when it improves.

    `filepath` may hold `{epoch}` and any log name, e.g. "ckpt-{epoch:02d}-{val_loss:.3f}.wbm".
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode)
        if save_weights_only:
            raise NotImplementedError(
                "ModelCheckpoint(save_weights_only=True) needs model.save_weights, which the "
                "engine does not have yet: save the whole model (the default) instead."
            )
        if save_freq != "epoch":
            raise NotImplementedError(
                f"ModelCheckpoint saves once an epoch; save_freq={save_freq!r} is not supported "
                "yet: pass save_freq='epoch'."
            )
        self.filepath = str(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        if initial_value_threshold is not None:
            self.best = self.sign * float(initial_value_threshold)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        path = self.filepath.format(epoch=epoch + 1, **logs)
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
        self.model.save(path)

    def _say(self, message):
        if self.verbose:
            print(message)

__getattr__ = missing_attribute(__name__)
