"""What users write in a notebook: `wb.GraphEditor(model)`, `wb.TrainingDashboard(model, data)`…

Each object owns a session (the state, in the kernel) and one widget showing it. Displaying
the object again shows the same widget model, so a re-run cell or a second view picks up
exactly where the first one is.
"""

from __future__ import annotations

from workbench.editor_session import EditorSession
from workbench.graph_draft import GraphDraft
from workbench.inspector_session import InspectorSession
from workbench.playground_session import PlaygroundSession
from workbench.training_session import TrainingSession
from workbench.widgets import views
from workbench.workbench_session import WorkbenchSession, open_data


class _Displayed:
    widget = None

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class GraphEditor(_Displayed):
    """Edit a model's graph visually; `.model` builds it, `.to_code()` writes it as Python."""

    def __init__(self, model=None):
        draft = GraphDraft.from_model(model) if model is not None else GraphDraft()
        self.session = EditorSession(draft, model)
        self.widget = views.GraphEditorView(self.session)

    @property
    def draft(self) -> GraphDraft:
        return self.session.draft

    @property
    def model(self):
        """The model of the graph: the model it was opened with until the graph changes, then
        a new one (fresh weights)."""
        return self.session.model()

    def to_code(self) -> str:
        return self.session.draft.to_code()


class TrainingDashboard(_Displayed):
    """Train `model` on `data` in the background, with live curves and controls."""

    def __init__(self, model, data, validation_split: float = 0.2):
        self.session = TrainingSession(model, open_data(data), validation_split=validation_split)
        self.widget = views.DashboardView(self.session)

    @property
    def model(self):
        return self.session.model

    def start(self, epochs: int = 10, batch_size: int = 32) -> None:
        self.session.start(epochs, batch_size)

    def stop(self) -> None:
        self.session.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until training ends (True) or `timeout` seconds pass (False)."""
        return self.session.wait(timeout)


class Inspector(_Displayed):
    """Look inside `model`: every layer's activations, gradients and weights over time, the
    diagnostics of engine.inspection, and what each node outputs for a sample of `data`.

    It captures a batch of `data` when it opens (the model must be compiled) and follows
    training: a TrainingDashboard training the same model captures every `every` steps for
    it; for a fit in a cell pass `callbacks=[inspector.callback]`.
    """

    def __init__(self, model, data=None, every: int = 10):
        self.session = InspectorSession(model, None if data is None else open_data(data), every)
        self.widget = views.InspectorView(self.session)

    @property
    def callback(self):
        """The InspectionCallback feeding this inspector (for `model.fit(callbacks=[...])`)."""
        return self.session.callback

    @property
    def diagnostics(self) -> list:
        """What the latest capture found: dicts with id, node, step, message and value."""
        return self.session.diagnostics

    def capture(self) -> None:
        """Capture a batch with the current weights (as the Capture button does)."""
        self.session.capture()


class Playground(_Displayed):
    """A small network learning a 2-D dataset, with its decision surface drawn live."""

    def __init__(self, model=None, data: str = "spirals"):
        self.session = PlaygroundSession(model, data)
        self.widget = views.PlaygroundView(self.session)

    @property
    def model(self):
        return self.session.model


class Workbench(_Displayed):
    """Build | Train | Inspect tabs over one model."""

    def __init__(self, model=None, data="spirals"):
        self.session = WorkbenchSession(model, data)
        self._views = {"build": views.GraphEditorView(self.session.editor)}
        # subscribed before the widget, so new child views exist before the tab changes
        self.session.subscribe(lambda _update: self._sync_children())
        self.widget = views.WorkbenchView(self.session)
        self._sync_children()

    @property
    def model(self):
        """The model of the graph (built when the graph is a valid model)."""
        return self.session.sync_model()

    def _sync_children(self) -> None:
        for tab, session, view in (
            ("train", self.session.dashboard, views.DashboardView),
            ("inspect", self.session.inspector, views.InspectorView),
        ):
            if session is not None and tab not in self._views:
                self._views[tab] = view(session)
        self.widget.children = {tab: self._views.get(tab) for tab in ("build", "train", "inspect")}
