"""Training in a worker thread, steered from the kernel between steps.

`model.fit` runs in a daemon thread so the kernel stays free to handle intents. A callback at
the end of every step applies what the kernel asked for (a new learning rate, a move to another
backend), stops, or waits while paused — so every request takes effect within one step.
Curves and status reach the views at most 20 times a second. An exception in training becomes
the "error" state with its message; it is never raised into the kernel.

Other views follow a session's training through `TrainingSession.observers` (the inspector
and the sidebar do): each observer is asked for callbacks when training starts and told when
it ends. The status follows the model's backend also when it moves elsewhere (a cell's
`engine.set_backend`), through engine.switching's observers.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
import weakref

from engine import backend as backends
from engine import losses, switching
from engine.models.tracing import UntraceableCallError, functional_view
from engine.training.callbacks import Callback
from workbench.curves import CurveStore
from workbench.datasets import as_dataset
from workbench.errors import TrainingSessionError
from workbench.session import Session

log = logging.getLogger(__name__)

UPDATE_INTERVAL = 0.05  # seconds between view updates: at most 20 a second
ACTIVE = ("running", "paused", "stopping")


def installed_backends() -> list:
    """Backends whose framework is installed (found without importing it)."""
    return [
        name
        for name, (_, framework, _) in backends.BACKENDS.items()
        if importlib.util.find_spec(framework) is not None
    ]


def ensure_compiled(model, task: str) -> None:
    """Compile a model that is not compiled yet, with a loss that fits the task and the
    model's output (probabilities after sigmoid/softmax, else logits)."""
    if model.optimizer is not None:
        return
    try:  # a subclassed model's output layer is found in its call traced into a graph
        graph = functional_view(model)
    except UntraceableCallError as error:
        raise TrainingSessionError(
            f"Compile model {model.name!r} yourself first (model.compile(optimizer=..., "
            f"loss=...)): the dashboard picks a loss from the output layer, and {error}"
        ) from error
    activation = getattr(graph.outputs[0].node.layer, "activation", None)
    if task == "binary":
        loss = losses.BinaryCrossentropy(from_logits=activation != "sigmoid")
    elif task == "multiclass":
        loss = losses.SparseCategoricalCrossentropy(from_logits=activation != "softmax")
    else:
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])


class TrainingSession(Session):
    title = "training dashboard"
    handlers = {
        name: f"on_{name}"
        for name in ("start", "pause", "resume", "stop", "set_learning_rate", "set_backend")
    }
    # Objects following every session's training: `training_callbacks(session)` gives the
    # callbacks to add to a run as it starts, `training_ended(session)` is called in the
    # training thread once it ends (also after an error). Held weakly.
    observers: weakref.WeakSet = weakref.WeakSet()

    def __init__(self, model, data, validation=None, validation_split: float = 0.0, callbacks=()):
        super().__init__()
        self.data = as_dataset(data)
        self.validation = None if validation is None else as_dataset(validation)
        self.validation_split = validation_split
        self.extra_callbacks = list(callbacks)
        self.curves = CurveStore()
        self.config = {"epochs": 10, "batch_size": 32}
        self.step = 0
        self._state, self._message = "idle", None
        self._epoch, self._epochs, self._steps_per_epoch = 0, 0, None
        self._speed = None
        self._last_flush: tuple | None = None  # (time, step) of the last update sent
        self._thread: threading.Thread | None = None
        self._gate = threading.Event()  # set: may run; clear: paused
        self._gate.set()
        self._stop_requested = False
        self._pending: list = []  # actions to run in the worker before its next step
        self._lock = threading.Lock()
        self.set_model(model)
        switching.observers.add(self)

    # ---------------------------------------------------------------------------- state
    @property
    def state_name(self) -> str:
        return self._state

    def state(self) -> dict:
        return {
            "status": self.status(),
            "backends": installed_backends(),
            "series": self.curves.names,
            "data": self.data.info(),
            "config": dict(self.config),
        }

    def status(self) -> dict:
        return {
            "state": self._state,
            "epoch": self._epoch,
            "epochs": self._epochs,
            "step": self.step,
            "steps_per_epoch": self._steps_per_epoch,
            "backend": self.model.backend.name,
            "learning_rate": self._learning_rate(),
            "message": self._message,
            "steps_per_second": self._speed,
        }

    def snapshot_events(self) -> list:
        return [self.curves.snapshot()]

    def set_model(self, model, data=None, validation=None) -> None:
        """Train another model (or on other data) from now on; the curves start again."""
        if self._state in ACTIVE:
            raise TrainingSessionError("Stop training before changing the model or the data.")
        if data is not None:
            self.data = as_dataset(data)
            self.validation = None if validation is None else as_dataset(validation)
        model.build_on_batch(self.data.x)  # a subclassed model not built yet, as fit builds it
        ensure_compiled(model, self.data.task)
        self.model = model
        self.step = 0
        self.curves.clear()
        self._state, self._message = "idle", None
        self.publish_state()
        self.emit(self.curves.snapshot())

    def variables_moved(self, _variables, target) -> None:
        """engine.switching.observers: a move made elsewhere (`engine.set_backend` in a cell)
        shows in the status, so the view's backend select follows the model."""
        if self.model.backend is target:
            self.publish_state("status")

    def _learning_rate(self):
        optimizer = self.model.optimizer
        try:
            return float(optimizer.learning_rate)
        except (TypeError, ValueError, AttributeError):
            return None

    # -------------------------------------------------------------------------- intents
    def on_start(self, message) -> None:
        self.start(message.epochs, message.batch_size)

    def start(self, epochs: int, batch_size: int) -> None:
        if self._state in ACTIVE:
            raise TrainingSessionError(f"Training is {self._state}; stop it before starting again.")
        self.config = {"epochs": epochs, "batch_size": batch_size}
        self._stop_requested, self._pending, self._message = False, [], None
        self._gate.set()
        self._state, self._epoch, self._epochs = "running", 0, epochs
        self._last_flush, self._speed = None, None
        # Steps are the model's own (as the inspector's): a fit in a cell since the last run
        # moves them on. After a new compile reset them, the curves go on from where they were.
        self.step = max(self.step, int(self.model.optimizer.iterations.numpy()))
        self.curves.mark(self.step, "start", f"start on {self.model.backend.name}")
        observers = list(TrainingSession.observers)
        followers = [c for observer in observers for c in observer.training_callbacks(self)]
        self._thread = threading.Thread(
            target=self._train,
            args=(epochs, batch_size, followers, observers),
            name="workbench-training",
            daemon=True,
        )
        self._thread.start()
        self.publish_state("status", "config")

    def on_pause(self, _message) -> None:
        self._require_active("pause")
        self._gate.clear()

    def on_resume(self, _message) -> None:
        self._require_active("resume")
        self._gate.set()

    def on_stop(self, _message) -> None:
        self.stop()

    def stop(self) -> None:
        self._require_active("stop")
        self._stop_requested = True
        self._state = "stopping"
        self._gate.set()
        self.publish_state("status")

    def on_set_learning_rate(self, message) -> None:
        self.set_learning_rate(message.value)

    def set_learning_rate(self, value: float) -> None:
        if isinstance(self.model.optimizer.get_config().get("learning_rate"), dict):
            raise TrainingSessionError(
                "This optimizer takes its learning rate from a schedule, so it cannot be set."
            )

        def apply():
            self.model.optimizer.learning_rate = value
            self.curves.mark(self.step, "learning_rate", f"learning rate {value:g}")

        self._run_between_steps(apply)

    def on_set_backend(self, message) -> None:
        self.set_backend(message.backend)

    def set_backend(self, name: str) -> None:
        if name not in backends.BACKENDS:
            raise TrainingSessionError(
                f"Unknown backend {name!r}. Choose one of: {', '.join(backends.BACKENDS)}."
            )
        try:
            backends.get_backend(name)  # import the framework here, not between two steps
        except backends.MissingBackendError as error:
            raise TrainingSessionError(str(error)) from error

        def apply():
            self.model.to_backend(name)
            self.curves.mark(self.step, "backend", name)

        self._run_between_steps(apply)

    def _run_between_steps(self, action) -> None:
        with self._lock:
            if self._state in ACTIVE:
                self._pending.append(action)
                return
        action()
        self.publish_state("status")
        self._flush(force=True)

    def _require_active(self, what: str) -> None:
        if self._state not in ACTIVE:
            raise TrainingSessionError(f"There is no training to {what}: press start first.")

    # --------------------------------------------------------------------- the worker
    def wait(self, timeout: float | None = None) -> bool:
        """Block until the training thread ends; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _train(self, epochs, batch_size, followers, observers) -> None:
        control = _Control(self)
        try:
            self.model.fit(
                self.data.x,
                self.data.y,
                batch_size=batch_size,
                epochs=epochs,
                verbose=0,
                validation_split=0.0 if self.validation is not None else self.validation_split,
                validation_data=None if self.validation is None else tuple(self.validation),
                callbacks=[control, *self.extra_callbacks, *followers],
            )
            self._state = "stopped" if self._stop_requested else "finished"
        except Exception as error:  # shown in the widget; the kernel thread never sees it
            log.debug("Training failed", exc_info=True)
            self._state = "error"
            self._message = f"{type(error).__name__}: {error}"
        finally:
            self._run_pending()
            self.curves.mark(self.step, "stop", self._state)
            self._flush(force=True)
            self.publish_state()
            for observer in observers:
                observer.training_ended(self)

    def _run_pending(self) -> None:
        with self._lock:
            actions, self._pending = self._pending, []
        for action in actions:
            try:
                action()
            except Exception as error:
                self._message = f"{type(error).__name__}: {error}"

    def after_step(self, logs) -> None:
        self.step += 1
        for name, value in logs.items():
            self.curves.add(name, self.step, float(value))
        self._run_pending()
        if self._stop_requested:
            self.model.stop_training = True
            return
        if not self._gate.is_set():
            self._state = "paused"
            self._flush(force=True)
            self._gate.wait()
            self._state = "stopping" if self._stop_requested else "running"
            self.model.stop_training = self._stop_requested
            self._run_pending()
        self._flush()

    def after_epoch(self, logs) -> None:
        for name, value in (logs or {}).items():
            if name.startswith("val_"):
                self.curves.add(name, self.step, float(value))
        self._flush()

    def _flush(self, force: bool = False) -> None:
        now = time.perf_counter()
        last = self._last_flush
        if not force and last is not None and now - last[0] < UPDATE_INTERVAL:
            return
        if last is not None and now > last[0]:
            self._speed = (self.step - last[1]) / (now - last[0])
        self._last_flush = (now, self.step)
        delta = self.curves.delta()
        if delta is not None:
            self.emit(delta)
        self.publish_state("status", "series")


class _Control(Callback):
    """Hands every step's end to the session (the only hook the worker needs)."""

    def __init__(self, session: TrainingSession):
        self.session = session

    def on_epoch_begin(self, epoch, logs=None):
        self.session._epoch = epoch + 1
        self.session._steps_per_epoch = self.params.get("steps")

    def on_train_batch_end(self, batch, logs=None):
        self.session.after_step(logs or {})

    def on_epoch_end(self, epoch, logs=None):
        self.session.after_epoch(logs)
