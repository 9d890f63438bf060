"""The Workbench's session: Build | Train | Inspect over one model.

Build edits a draft; Train and Inspect work on the model built from it. Leaving Build with a
changed, valid draft builds a new model (fresh weights); an unchanged draft keeps the model,
and with it everything it has learned. The inspector follows the dashboard's training (it
observes every TrainingSession), and its diagnostics show as badges on Build's graph.
"""

from __future__ import annotations

from workbench import datasets
from workbench.editor_session import EditorSession
from workbench.errors import DraftError, TrainingSessionError
from workbench.graph_draft import GraphDraft
from workbench.inspector_session import InspectorSession
from workbench.session import Session, StateUpdate
from workbench.training_session import ACTIVE, TrainingSession

VALIDATION_SPLIT = 0.2


def open_data(data):
    """A Dataset from a Dataset, an (x, y) pair or a dataset name."""
    return datasets.load(data) if isinstance(data, str) else datasets.as_dataset(data)


class WorkbenchSession(Session):
    title = "workbench"
    handlers = {"select_tab": "on_select_tab"}

    def __init__(self, model=None, data="spirals"):
        super().__init__()
        self.data = open_data(data)
        if model is not None:
            draft = GraphDraft.from_model(model)
        else:
            draft = GraphDraft.from_spec(_input_only_spec(self.data))
        self.editor = EditorSession(draft, model)
        self.dashboard: TrainingSession | None = None
        self.inspector: InspectorSession | None = None
        self.tab = "build"
        if model is not None:
            self._attach(model)

    def state(self) -> dict:
        return {"tab": self.tab}

    def on_select_tab(self, message) -> None:
        if message.tab != "build":
            self.sync_model()
        self.tab = message.tab
        self.publish_state("tab")

    def sync_model(self):
        """The model of the current draft, handed to Train and Inspect if it is a new one."""
        draft = self.editor.draft
        if not draft.valid:
            raise DraftError(f"The graph is not a valid model yet: {draft.first_error()}")
        training = self.dashboard is not None and self.dashboard.state_name in ACTIVE
        if training and not self.editor.model_is_current():
            raise TrainingSessionError("Stop training before rebuilding the model from the graph.")
        model = self.editor.model()
        if self.dashboard is None or model is not self.dashboard.model:
            self._attach(model)
        return model

    def _attach(self, model) -> None:
        if self.dashboard is None:
            self.dashboard = TrainingSession(model, self.data, validation_split=VALIDATION_SPLIT)
            self.inspector = InspectorSession(model, self.data)
            self.inspector.subscribe(self._show_diagnostics)
            self.editor.show_diagnostics(self.inspector.diagnostics)
        else:
            self.dashboard.set_model(model)
            self.inspector.set_model(model)

    def _show_diagnostics(self, update) -> None:
        """The inspector's diagnostics, as badges on the graph's nodes (in any thread)."""
        if isinstance(update, StateUpdate) and "diagnostics" in update.values:
            self.editor.show_diagnostics(update.values["diagnostics"])


def _input_only_spec(data) -> dict:
    """A graph with just an InputLayer shaped like the data: where building starts."""
    shape = list(data.x.shape[1:])
    config = {"shape": shape, "batch_size": None, "dtype": "float32", "name": "inputs"}
    return {
        "format": "model-workbench.graph",
        "version": 1,
        "name": "model",
        "model_class": "Model",
        "layers": [{"class": "InputLayer", "name": "inputs", "config": config}],
        "nodes": [{"id": "inputs", "layer": "inputs", "args": []}],
        "inputs": [{"node": "inputs", "output": 0}],
        "outputs": [],
    }
