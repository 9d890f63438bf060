"""The callback protocol: Keras 3's hooks, the Callback base, History and LambdaCallback."""

from __future__ import annotations

import collections.abc

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


class LambdaCallback(Callback):
    """A callback from functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...)."""

    def __init__(self, **hooks):
        known = (*HOOKS, "on_batch_begin", "on_batch_end")
        unknown = set(hooks) - set(known)
        if unknown:
            raise TypeError(
                f"LambdaCallback got unknown hooks {sorted(unknown)}; "
                f"choose from {', '.join(known)}."
            )
        for name, fn in hooks.items():
            setattr(self, name, fn)
