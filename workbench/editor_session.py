"""The graph editor's session: the draft graph, the selection, and the intents that edit them."""

from __future__ import annotations

import re

import numpy as np

from engine import model_from_spec
from workbench import palette
from workbench.errors import DraftError
from workbench.exports import ExportFile, export_model
from workbench.graph_draft import NEW_NODE_GAP, GraphDraft
from workbench.memory import check_weights_fit
from workbench.protocol import Ref
from workbench.session import Event, Session, StateUpdate


class EditorSession(Session):
    """The draft graph and what the editor shows of it. The public methods are the editing
    API (`wb.GraphEditor` exposes them); each edit is one undo step and updates every view."""

    title = "graph editor"
    handlers = {
        name: f"on_{name}"
        for name in (
            "add_layer",
            "connect",
            "disconnect",
            "update_config",
            "delete",
            "move",
            "undo",
            "redo",
            "auto_layout",
            "set_outputs",
            "load_spec",
            "select",
            "export",
        )
    }

    def __init__(self, draft: GraphDraft | None = None, model=None):
        """`model`, when given, is the model `draft` was opened from: `model()` returns it
        (weights and all) until the graph changes."""
        super().__init__()
        self.draft = draft or GraphDraft()
        self.selection: str | None = None
        self._built = (self.draft.to_spec(), model) if model is not None else (None, None)
        self._diagnostics: tuple = (None, [])  # (the spec they were found on, diagnostics)

    def model_is_current(self) -> bool:
        """Whether `model()` would return the model it returned last (the graph is unchanged)."""
        return self.draft.valid and self.draft.to_spec() == self._built[0]

    def model(self):
        """The engine model of the draft: the same object while the graph is unchanged, a new
        one (fresh weights, the previous model's compile settings) once it changed."""
        spec = self.draft.to_spec()
        built_spec, built = self._built
        if spec != built_spec:
            check_weights_fit(self.draft.total_params or 0)
            fresh = model_from_spec(spec)
            _compile_like(fresh, built)
            self._built = (spec, fresh)
        return self._built[1]

    def state(self) -> dict:
        return {
            **self._draft_traits(),
            "palette": list(palette.palette()),
            "selection": self.selection,
            "diagnostics": self._diagnostics[1],
        }

    # ------------------------------------------------------------------- editing API
    def add_layer(
        self, class_name: str, config: dict | None = None, position=None, inputs=()
    ) -> str:
        """Add a layer node (below the selected node when no position is given), fed by
        `inputs` (a Ref per tensor argument); returns its id. One undo step."""
        if position is None and self.selection in self.draft.nodes:
            x, y = self.draft.nodes[self.selection].position
            position = (x, y + NEW_NODE_GAP)

        def add() -> str:
            with self.draft.one_step(f"add {class_name}"):
                node = self.draft.add_layer(class_name, config, position)
                for arg, source in enumerate(inputs):
                    self.draft.connect(source, node, arg)
            return node

        return self._apply(add, selected=lambda node: node)

    def connect(self, source: Ref, node: str, arg: int = 0) -> None:
        self._apply(lambda: self.draft.connect(source, node, arg))

    def disconnect(self, source: Ref, node: str, arg: int = 0) -> None:
        self._apply(lambda: self.draft.disconnect(source, node, arg))

    def update_config(self, node: str, changes: dict) -> str:
        """Change a node's arguments (`name` renames it); the node's id afterwards."""
        follow = self.selection == node
        return self._apply(
            lambda: self.draft.update_config(node, changes),
            selected=lambda new_id: new_id if follow else self.selection,
        )

    def delete(self, nodes: list) -> None:
        self._apply(lambda: self.draft.delete(list(nodes)))

    def move(self, positions: dict) -> None:
        self._apply(lambda: self.draft.move(positions))

    def undo(self) -> None:
        self._apply(self.draft.undo)

    def redo(self) -> None:
        self._apply(self.draft.redo)

    def auto_layout(self, direction: str = "down") -> None:
        self._apply(lambda: self.draft.auto_layout(direction))

    def set_outputs(self, outputs: list) -> None:
        """The model's outputs in order (Refs); an empty list: automatic ones (GraphDraft)."""
        self._apply(lambda: self.draft.set_outputs(list(outputs)))

    def load_spec(self, spec: dict) -> None:
        """Replace the graph by a graph spec (docs/graph-spec.md); one undo step."""
        self._apply(lambda: self.draft.load_spec(spec), selected=lambda _: None)

    def select(self, node: str | None) -> None:
        if node is not None and node not in self.draft.nodes:
            raise DraftError(f"There is no node {node!r} to select.")
        self.selection = node
        self.publish_state("selection")

    def export(self, kind: str, framework: str | None = None) -> ExportFile:
        """The model as a file (workbench/exports.py): "spec", "code", "model", "keras", "onnx"."""
        if not self.draft.valid:
            raise DraftError(
                f"Only a valid model can be exported; first fix: {self.draft.first_error()}"
            )
        return export_model(self.model(), kind, framework)

    def show_diagnostics(self, diagnostics: list) -> None:
        """Show inspection diagnostics (engine.inspection's Diagnostic, or its dict) as badges
        on their nodes until the graph changes. Nodes are named as engine.inspection names
        them (`dense_1`, `dense_1:0`, `concat[1]`); ones the graph lacks are left out."""
        shown = []
        for diagnostic in diagnostics:
            if hasattr(diagnostic, "to_dict"):
                diagnostic = diagnostic.to_dict()
            node, step = _draft_node(diagnostic.get("node")), diagnostic.get("step")
            if node in self.draft.nodes:
                shown.append(
                    {
                        "id": str(diagnostic["id"]),
                        "node": node,
                        "step": None if step is None else int(step),
                        "message": str(diagnostic["message"]),
                    }
                )
        self._diagnostics = (self._valid_spec(), shown)
        self.publish_state("diagnostics")

    def _apply(self, edit, selected=None):
        """`edit()` on the draft, then every view shown the result; returns what `edit`
        returned, and `selected(result)` (else the selection, while its node exists) is
        selected. The views' new state is made before the edit is kept: if the edit or
        showing it fails, the draft and its history are left exactly as they were."""
        with self._publish_lock:
            with self.draft.atomic():
                result = edit()
                selection = self.selection if selected is None else selected(result)
                values = {
                    **self._draft_traits(),
                    "selection": selection if selection in self.draft.nodes else None,
                }
                found_on, shown = self._diagnostics
                if shown and (found_on is None or found_on != self._valid_spec()):
                    values["diagnostics"] = []  # about a model the graph no longer is
            self.selection = values["selection"]
            if "diagnostics" in values:
                self._diagnostics = (None, [])
            self._notify(StateUpdate(values))
        return result

    def _draft_traits(self) -> dict:
        """The traits derived from the draft alone."""
        return {
            "graph": self.draft.state(),
            "history": self.draft.history(),
            "code": self.draft.to_code() if self.draft.valid else "",
        }

    def _valid_spec(self) -> dict | None:
        return self.draft.to_spec() if self.draft.valid else None

    # -------------------------------------------------------------------------- intents
    def on_add_layer(self, message) -> dict:
        position = None if message.position is None else (message.position.x, message.position.y)
        return {"node": self.add_layer(message.class_name, message.config, position)}

    def on_connect(self, message) -> None:
        self.connect(message.source, message.target.node, message.target.arg)

    def on_disconnect(self, message) -> None:
        self.disconnect(message.source, message.target.node, message.target.arg)

    def on_update_config(self, message) -> dict:
        return {"node": self.update_config(message.node, message.config)}

    def on_delete(self, message) -> None:
        self.delete(message.nodes)

    def on_move(self, message) -> None:
        self.move({k: (p.x, p.y) for k, p in message.positions.items()})

    def on_undo(self, _message) -> None:
        self.undo()

    def on_redo(self, _message) -> None:
        self.redo()

    def on_auto_layout(self, message) -> None:
        self.auto_layout(message.direction)

    def on_set_outputs(self, message) -> None:
        self.set_outputs(message.outputs)

    def on_load_spec(self, message) -> None:
        self.load_spec(message.spec)

    def on_select(self, message) -> None:
        self.select(message.node)

    def on_export(self, message) -> dict:
        """Sends the file as a `download` event; the reply names it."""
        file = self.export(message.kind, message.framework)
        data = np.frombuffer(file.data, dtype=np.uint8)
        self.emit(Event("download", {"filename": file.filename, "mime": file.mime, "data": data}))
        return {"filename": file.filename, "bytes": len(file.data)}


def _draft_node(name) -> str | None:
    """The draft node of an inspection node name: `dense_1:0` and `dense_1[1]` are dense_1."""
    if not isinstance(name, str):
        return None
    return re.sub(r"(:\d+)?(\[\d+\])?$", "", name)


def _compile_like(model, previous) -> None:
    """Compile `model` as `previous` was, when its settings can be read back."""
    config = previous.get_compile_config() if previous is not None else None
    if config and config.get("loss") is not None and None not in (config.get("metrics") or []):
        model.compile_from_config(config)
