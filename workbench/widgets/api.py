"""What users write in a notebook: `wb.GraphEditor(model)`, `wb.TrainingDashboard(model, data)`…

Each object owns a session (the state, in the kernel) and one widget showing it. Displaying
the object again shows the same widget model, so a re-run cell or a second view picks up
exactly where the first one is.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from workbench.editor_session import EditorSession
from workbench.graph_draft import GraphDraft
from workbench.inspector_session import InspectorSession
from workbench.playground_session import PlaygroundSession
from workbench.protocol import Ref
from workbench.training_session import TrainingSession
from workbench.widgets import views
from workbench.workbench_session import WorkbenchSession, open_data


class _Displayed:
    widget = None

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class GraphEditor(_Displayed):
    """Edit a model's graph visually or from code; `.model` builds it, `.to_code()` writes it.

        editor = wb.GraphEditor()
        editor.add("InputLayer", shape=[2], name="point")
        editor.add("Dense", units=8, activation="relu", inputs=["point"])
        editor.model                              # an engine.Model

    Every edit from code shows in the displayed editor and is one undo step there.
    """

    def __init__(self, model=None):
        draft = GraphDraft.from_model(model) if model is not None else GraphDraft()
        self.session = EditorSession(draft, model)
        self.widget = views.GraphEditorView(self.session)
        self._warned_for = None  # the model `model` last warned about (or was quiet about)

    @property
    def draft(self) -> GraphDraft:
        return self.session.draft

    @property
    def model(self):
        """The model of the graph: the model it was opened with until the graph changes, then
        a new one (fresh weights). A graph with several ends and no chosen outputs makes a
        model with an output per end: the editor shows a notice, and here a warning says so
        (once per graph)."""
        model = self.session.model()
        if self._warned_for is not model and self.draft.explicit_outputs is None:
            ends = [ref.node for ref in self.draft.analysis().outputs]
            if len(ends) > 1:
                warnings.warn(
                    f"The graph has {len(ends)} ends ({', '.join(ends)}), so the model has an "
                    f"output for each; editor.set_outputs({ends[0]!r}) keeps one.",
                    stacklevel=2,
                )
        self._warned_for = model
        return model

    @property
    def spec(self) -> dict:
        """The graph spec (docs/graph-spec.md) of the graph; it must be a valid model."""
        return self.session.draft.to_spec()

    def to_code(self, framework: str = "engine") -> str:
        """Python that rebuilds the graph: the engine's API, or `framework`'s (docs/export.md)."""
        if framework == "engine":
            return self.session.draft.to_code()
        return self.model.to_code(framework)

    def add(self, class_name: str, *, inputs=(), position=None, **config) -> str:
        """Add a layer (Keras arguments as keywords) fed by `inputs` (node ids, or (id,
        output) pairs, one per tensor argument); returns its id. All or nothing."""
        return self.session.add_layer(class_name, config, position, [_ref(s) for s in inputs])

    def connect(self, source, target: str, arg: int = 0) -> None:
        """Feed `source` (a node id or an (id, output) pair) into argument `arg` of `target`."""
        self.session.connect(_ref(source), target, arg)

    def disconnect(self, source, target: str, arg: int = 0) -> None:
        self.session.disconnect(_ref(source), target, arg)

    def configure(self, node: str, **changes) -> str:
        """Change a layer's arguments (`name=` renames it); returns the node's id."""
        return self.session.update_config(node, changes)

    def delete(self, *nodes: str) -> None:
        self.session.delete(list(nodes))

    def set_outputs(self, *outputs) -> None:
        """The model's outputs, in order (node ids or (id, output) pairs); none: automatic."""
        self.session.set_outputs([_ref(output) for output in outputs])

    def load(self, source) -> None:
        """Replace the graph by a model's or a graph spec's (one undo step)."""
        self.session.load_spec(source if isinstance(source, dict) else source.to_spec())

    def undo(self) -> None:
        self.session.undo()

    def redo(self) -> None:
        self.session.redo()

    def auto_layout(self, direction: str = "down") -> None:
        self.session.auto_layout(direction)

    def show_diagnostics(self, diagnostics) -> None:
        """Badges on the nodes engine.inspection's diagnostics point at, until the graph
        changes: `editor.show_diagnostics(inspect(editor.model, x, y)["diagnostics"])`."""
        self.session.show_diagnostics(list(diagnostics))

    def export(self, path, kind: str | None = None, framework: str | None = None) -> str:
        """Write the model to `path`: the kind follows the suffix (.json graph, .wbm model
        file, .keras, .onnx, .zip code and weights for `framework`) unless given."""
        path = Path(path)
        kind = kind or SUFFIX_KINDS.get(path.suffix)
        if kind is None:
            raise ValueError(
                f"Cannot tell what to export from {path.name!r}: use a suffix of "
                f"{', '.join(SUFFIX_KINDS)} or pass kind=."
            )
        path.write_bytes(self.session.export(kind, framework).data)
        return str(path)


SUFFIX_KINDS = {
    ".json": "spec",
    ".wbm": "model",
    ".keras": "keras",
    ".onnx": "onnx",
    ".zip": "code",
}


def _ref(source) -> Ref:
    """A node id or an (id, output) pair as a Ref."""
    if isinstance(source, Ref):
        return source
    if isinstance(source, str):
        return Ref(source, 0)
    node, output = source
    return Ref(node, output)


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
    """A small network learning a 2-D dataset, with its decision surface drawn live.

    `config` (a dict, or the string `playground.fragment`) restores a configuration exactly;
    `playground.config` is the current one. Without a model the network is built from it.
    """

    def __init__(self, model=None, data: str | None = None, config=None):
        self.session = PlaygroundSession(model, data, config=config)
        self.widget = views.PlaygroundView(self.session)

    @property
    def model(self):
        return self.session.model

    @property
    def config(self) -> dict:
        """Every setting, seed included, as one JSON value."""
        return self.session.config

    @property
    def fragment(self) -> str:
        """The configuration as a URL-fragment-like string."""
        return self.session.fragment


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
