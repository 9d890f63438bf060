"""The JupyterLab sidebar's session: a kernel's backend, its models and the views that open
next to the notebook. No Jupyter here: workbench/sidebar.py is the comm that carries it.

Traits (docs/protocol.md, "Sidebar"): `backend`, `backends`, `models`, `palette`, `executing`.
`update()` publishes only the traits that changed, so it can be called as often as the
transport likes (after each cell, and a few times a second while something runs). A model's
card follows every dashboard training it (TrainingSession.observers), also one that no variable
holds: opened from this panel, or shown by a cell without a name.
"""

from __future__ import annotations

import threading
import weakref

import engine
from engine.backend import MissingBackendError
from workbench import namespace as scan
from workbench import palette
from workbench.datasets import as_dataset
from workbench.errors import SidebarError
from workbench.session import Session, StateUpdate
from workbench.training_session import ACTIVE, TrainingSession, installed_backends

VIEWS = ("editor", "dashboard", "inspector")


def make_view(view: str, model, data):
    """A notebook object showing `model` in `view` (its `.widget` is what the browser opens)."""
    try:
        from workbench.widgets import api
    except ImportError as error:
        raise SidebarError(
            f"The views need anywidget and ipywidgets ({error}). Install them with: pip install "
            '"model-workbench[workbench]", then restart the kernel.'
        ) from error
    if view == "editor":
        if data is not None:  # a subclassed model not built yet builds on it, as fit does
            model.build_on_batch(as_dataset(data).x)
        return api.GraphEditor(model)
    if view == "inspector":
        return api.Inspector(model, data)
    if data is None:
        raise SidebarError(
            "There is no training data for this model in the notebook. Put it in variables "
            "(x_train and y_train, an (x, y) tuple or a workbench Dataset) and try again."
        )
    return api.TrainingDashboard(model, data)


class SidebarSession(Session):
    title = "workbench sidebar"
    handlers = {
        "set_backend": "on_set_backend",
        "open_view": "on_open_view",
        "refresh": "on_refresh",
    }

    def __init__(self, user_namespace: dict, view_factory=make_view, executing: bool = False):
        super().__init__()
        self.namespace = user_namespace
        self.view_factory = view_factory
        self.executing = executing
        self._lock = threading.RLock()
        self._published: dict = {}
        self._histories: dict = {}  # id(model) -> its history when the running cell started
        self._views: dict = {}  # (id(model), view) -> (model, the object showing it)
        self._watched: dict = {}  # id(training session) -> unsubscribe
        self._runs = weakref.WeakValueDictionary()  # id(model) -> its latest TrainingSession
        self._training_changed = threading.Event()
        TrainingSession.observers.add(self)

    # ---------------------------------------------------------------------------- state
    def state(self) -> dict:
        with self._lock:
            found = self._models()
            self._watch(found)
            return {
                "backend": engine.backend_name(),
                "backends": installed_backends(),
                "models": [self._summary(item) for item in found],
                "palette": list(palette.palette()),
                "executing": self.executing,
            }

    def _summary(self, found) -> dict:
        start = self._histories.get(id(found.model))
        fitting = self.executing and scan.is_fitting(found.model, start)
        return scan.summary(found, self.namespace, fitting)

    def ready(self, _message) -> dict:
        with self._lock:
            values = self.state()
            self._published = values
            self._notify(StateUpdate(values))
        return {}

    def update(self) -> None:
        """Publish the traits that changed since the last publish; nothing when none did."""
        with self._lock:
            self._training_changed.clear()
            values = self.state()
            changed = {k: v for k, v in values.items() if self._published.get(k) != v}
            self._published.update(changed)
            if changed:
                self._notify(StateUpdate(changed))

    @property
    def busy(self) -> bool:
        """Whether something may be changing the models: a cell runs, or a dashboard trains
        (or told us its state changed since the last update)."""
        training = any(
            entry["training"]["state"] in ACTIVE for entry in self._published.get("models", ())
        )
        return self.executing or training or self._training_changed.is_set()

    def _models(self) -> list:
        """The notebook's models (namespace.find_models), each with the dashboard that trains
        it now, else the one found with it, else the one that trained it last."""
        found = scan.find_models(self.namespace)
        for item in found:
            run = self._runs.get(id(item.model))
            if run is None or run.model is not item.model:
                continue
            if item.session is None or run.state_name in ACTIVE:
                item.session = run
        return found

    def training_callbacks(self, session) -> list:
        """TrainingSession.observers: note the run (its model's card follows it from now on)."""
        with self._lock:
            self._runs[id(session.model)] = session
        self._training_changed.set()
        return []

    def training_ended(self, _session) -> None:
        self._training_changed.set()

    def _watch(self, found) -> None:
        """Hear about every dashboard's state changes, so training started from a widget (not
        from a cell) shows up without waiting for the next cell."""
        for item in found:
            session = item.session
            if session is not None and id(session) not in self._watched:
                self._watched[id(session)] = session.subscribe(
                    lambda _update: self._training_changed.set()
                )

    def close(self) -> None:
        """Stop listening to the dashboards (the browser's panel is gone)."""
        TrainingSession.observers.discard(self)
        with self._lock:
            for unsubscribe in self._watched.values():
                unsubscribe()
            self._watched.clear()
            self._views.clear()

    # ----------------------------------------------------------------------- cell hooks
    def cell_started(self) -> None:
        with self._lock:
            self.executing = True
            self._histories = {
                id(item.model): getattr(item.model, "history", None)
                for item in scan.find_models(self.namespace)
            }
        self.update()

    def cell_finished(self) -> None:
        with self._lock:
            self.executing = False
            self._histories = {}
        self.update()

    # -------------------------------------------------------------------------- intents
    def on_refresh(self, _message) -> None:
        self.update()

    def on_set_backend(self, message) -> dict:
        """Move every model to the backend, as `engine.set_backend` does."""
        with self._lock:
            if self.executing:
                raise SidebarError(
                    "A cell is running. Switch the backend when it has finished (or interrupt it)."
                )
            for item in self._models():
                if item.session is not None and item.session.state_name in ACTIVE:
                    raise SidebarError(
                        f"{item.name} is training in a dashboard. Stop it first, or switch the "
                        "backend in its dashboard (that moves only its model)."
                    )
            try:
                engine.set_backend(message.backend)
            except (MissingBackendError, ValueError) as error:
                raise SidebarError(str(error)) from error
        self.update()
        return {"backend": engine.backend_name()}

    def on_open_view(self, message) -> dict:
        """A widget showing the model in the view; the browser opens it next to the notebook."""
        with self._lock:
            found = {item.name: item for item in self._models()}
            item = found.get(message.model)
            if item is None:
                raise SidebarError(
                    f"There is no model called {message.model!r} in the notebook now. Run the "
                    "cell that makes it, then try again."
                )
            shown = self._view_of(item, message.view)
        return {"widget": f"IPY_MODEL_{shown.widget.model_id}"}

    def _view_of(self, item, view: str):
        if view == "dashboard" and item.shown is not None:
            return item.shown  # the dashboard the notebook already has for this model
        key = (id(item.model), view)
        model, shown = self._views.get(key, (None, None))
        if model is not item.model:
            data = scan.find_data(self.namespace, item.model)
            shown = self.view_factory(view, item.model, None if data is None else data[1])
            self._views[key] = (item.model, shown)
        return shown
