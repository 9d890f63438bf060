"""The models in a notebook's namespace, and what the sidebar shows about each.

`find_models(namespace)` lists every engine model a notebook can reach by name: models bound to
a variable, and the model of each dashboard, playground or Workbench (named `dash.model` when
no variable holds it). `summary(found, ...)` is one entry of the sidebar's `models` trait.
Nothing here changes a model, and nothing reads an attribute of an object it does not know, so
scanning is safe from another thread while a cell runs.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass

import numpy as np

from engine import Model
from engine.errors import EngineError
from engine.models.tracing import functional_view
from workbench.datasets import Dataset
from workbench.playground_session import PlaygroundSession
from workbench.training_session import TrainingSession
from workbench.workbench_session import WorkbenchSession

CURVE_POINTS = 60  # a sparkline, not the curve: the dashboard has the curve
DASHBOARD_CLASSES = ("TrainingDashboard", "Workbench", "Playground")


@dataclass
class Found:
    """A model the notebook can reach as `name`, and the dashboard session training it, if any."""

    name: str
    model: Model
    session: TrainingSession | None = None
    shown: object | None = None  # the notebook object (a dashboard…) whose widget shows `session`


def find_models(namespace: dict) -> list[Found]:
    """Every model reachable from the namespace, in the order the variables were made."""
    models: dict[int, Found] = {}
    dashboards = []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        if isinstance(value, Model):
            models.setdefault(id(value), Found(name, value))
        elif (session := training_session_of(value)) is not None:
            dashboards.append((name, session, value))
    for name, session, value in dashboards:
        found = models.setdefault(id(session.model), Found(f"{name}.model", session.model))
        found.session, found.shown = session, value
    return list(models.values())


def training_session_of(value) -> TrainingSession | None:
    """The TrainingSession behind a TrainingDashboard, Playground or Workbench object."""
    api = sys.modules.get("workbench.widgets.api")  # not imported: no such object exists
    if api is None:
        return None
    if not isinstance(value, tuple(getattr(api, name) for name in DASHBOARD_CLASSES)):
        return None
    session = value.session
    if isinstance(session, WorkbenchSession):
        return session.dashboard  # None until the draft is a valid model
    if isinstance(session, PlaygroundSession):
        return session.training
    return session if isinstance(session, TrainingSession) else None


# --------------------------------------------------------------------------------- summary
def summary(found: Found, namespace: dict, fitting: bool) -> dict:
    """One entry of the `models` trait. `fitting`: `model.fit` is running in the current cell."""
    model = found.model
    built = getattr(model, "built", True)
    data = find_data(namespace, model)
    views = ["editor", "inspector"]
    if found.session is not None or data is not None:
        views.insert(1, "dashboard")
    return {
        "name": found.name,
        "class": type(model).__name__,
        "model_name": model.name,
        "params": model.count_params() if built else None,
        "backend": model.backend.name,
        "training": training(found, fitting),
        "data": None if data is None else data[0],
        "views": views,
    }


def training(found: Found, fitting: bool) -> dict:
    """Who trains the model, how far it got, and its loss curve (at most CURVE_POINTS points)."""
    session = found.session
    if session is not None and session.state_name != "idle":
        status = session.status()
        curve = session.curves.points("loss")[1]
        return _training(status["state"], "dashboard", status["epoch"], status["epochs"], curve)
    model = found.model
    history = getattr(model, "history", None)
    epochs_done = history.epoch[-1] + 1 if history is not None and history.epoch else 0
    curve = history.history.get("loss", []) if history is not None else []
    if fitting:
        return _training("running", "fit", epochs_done, history.params.get("epochs", 0), curve)
    if epochs_done:
        return _training("finished", "fit", epochs_done, epochs_done, curve)
    state = "compiled" if model.optimizer is not None else "not_compiled"
    return _training(state, None, 0, 0, [])


def _training(state, source, epoch, epochs, curve) -> dict:
    points = [float(v) for v in _thin(curve, CURVE_POINTS) if math.isfinite(v)]
    return {
        "state": state,
        "source": source,
        "epoch": int(epoch),
        "epochs": int(epochs),
        "loss": points[-1] if points else None,
        "curve": points,
    }


def _thin(values, count: int) -> list:
    """At most `count` of `values`, evenly spaced, always keeping the last (read without
    copying them all: a dashboard's curve may hold millions)."""
    if len(values) <= count:
        return list(values)
    picks = np.linspace(0, len(values) - 1, count).round().astype(int)
    return [values[i] for i in picks]


def is_fitting(model, history_at_cell_start) -> bool:
    """Whether `model.fit` started in the running cell and has not finished.

    `fit` replaces `model.history` when it starts; so a history other than the one the model
    had when the cell started, with epochs still to go, is a fit in progress."""
    history = getattr(model, "history", None)
    if history is None or history is history_at_cell_start or model.stop_training:
        return False
    done = history.epoch[-1] + 1 if history.epoch else 0
    return done < history.params.get("epochs", 0)


# ------------------------------------------------------------------------------------ data
def find_data(namespace: dict, model) -> tuple[str, object] | None:
    """(label, data) of the first training data in the namespace that fits the model's input:
    a workbench Dataset, an (x, y) tuple of arrays, or arrays named x… and y… (`x_train`,
    `y_train`). None when there is none."""
    shape = _input_shape(model)
    if shape is False:
        return None
    arrays = {}
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        if isinstance(value, Dataset) or (
            isinstance(value, tuple) and len(value) == 2 and all(map(_is_array, value))
        ):
            if _fits(value[0] if isinstance(value, tuple) else value.x, value, shape):
                return name, value
        elif _is_array(value):
            arrays[name] = value
    for name, x in arrays.items():
        match = re.fullmatch(r"[xX](_?\w*)", name)
        y = arrays.get(f"y{match.group(1)}") if match else None
        if y is not None and _fits(x, (x, y), shape):
            return f"{name}, y{match.group(1)}", (x, y)
    return None


def _input_shape(model):
    """The model's one input's shape without the batch; None where any fits (a subclassed
    model not built yet builds on its data); False where there is no one input."""
    if getattr(model, "subclassed", False):
        if not model.built:
            return None
        try:  # its call traced into a graph (engine/models/tracing.py)
            model = functional_view(model)
        except EngineError:
            return False
    inputs = getattr(model, "inputs", None) or ()
    return tuple(inputs[0].shape[1:]) if len(inputs) == 1 else False


def _is_array(value) -> bool:
    return isinstance(value, np.ndarray) and value.ndim >= 1


def _fits(x, data, shape) -> bool:
    """Whether x has the input's shape (None matches any size) and y as many samples."""
    y = data[1] if isinstance(data, tuple) else data.y
    sizes = x.shape[1:]
    same = shape is None or (
        len(sizes) == len(shape) and all(s in (None, n) for s, n in zip(shape, sizes)))
    return same and len(x) == len(y) and len(x) > 1
