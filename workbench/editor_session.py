"""The graph editor's session: the draft graph, the selection, and the intents that edit them."""

from __future__ import annotations

from engine import model_from_spec
from workbench import palette
from workbench.errors import DraftError
from workbench.graph_draft import NEW_NODE_GAP, GraphDraft
from workbench.session import Session

DRAFT_TRAITS = ("graph", "history", "code", "selection")


class EditorSession(Session):
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
        )
    }

    def __init__(self, draft: GraphDraft | None = None, model=None):
        """`model`, when given, is the model `draft` was opened from: `model()` returns it
        (weights and all) until the graph changes."""
        super().__init__()
        self.draft = draft or GraphDraft()
        self.selection: str | None = None
        self._built = (self.draft.to_spec(), model) if model is not None else (None, None)

    def model_is_current(self) -> bool:
        """Whether `model()` would return the model it returned last (the graph is unchanged)."""
        return self.draft.valid and self.draft.to_spec() == self._built[0]

    def model(self):
        """The engine model of the draft: the same object while the graph is unchanged, a new
        one (fresh weights, the previous model's compile settings) once it changed."""
        spec = self.draft.to_spec()
        built_spec, built = self._built
        if spec != built_spec:
            fresh = model_from_spec(spec)
            _compile_like(fresh, built)
            self._built = (spec, fresh)
        return self._built[1]

    def state(self) -> dict:
        return {
            "graph": self.draft.state(),
            "palette": list(palette.palette()),
            "history": self.draft.history(),
            "selection": self.selection,
            "code": self.draft.to_code() if self.draft.valid else "",
        }

    def replace_draft(self, draft: GraphDraft) -> None:
        self.draft, self.selection = draft, None
        self.publish_state(*DRAFT_TRAITS)

    def _changed(self, selection=None) -> None:
        self.selection = selection if selection in self.draft.nodes else None
        self.publish_state(*DRAFT_TRAITS)

    # -------------------------------------------------------------------------- intents
    def on_add_layer(self, message) -> dict:
        position = message.position
        if position is None and self.selection in self.draft.nodes:
            x, y = self.draft.nodes[self.selection].position
            position = (x, y + NEW_NODE_GAP)
        elif position is not None:
            position = (position.x, position.y)
        node = self.draft.add_layer(message.class_name, message.config, position)
        self._changed(node)
        return {"node": node}

    def on_connect(self, message) -> None:
        self.draft.connect(message.source, message.target.node, message.target.arg)
        self._changed(self.selection)

    def on_disconnect(self, message) -> None:
        self.draft.disconnect(message.source, message.target.node, message.target.arg)
        self._changed(self.selection)

    def on_update_config(self, message) -> dict:
        node = self.draft.update_config(message.node, message.config)
        self._changed(node if self.selection == message.node else self.selection)
        return {"node": node}

    def on_delete(self, message) -> None:
        self.draft.delete(message.nodes)
        self._changed(self.selection)

    def on_move(self, message) -> None:
        self.draft.move({k: (p.x, p.y) for k, p in message.positions.items()})
        self._changed(self.selection)

    def on_undo(self, _message) -> None:
        self.draft.undo()
        self._changed(self.selection)

    def on_redo(self, _message) -> None:
        self.draft.redo()
        self._changed(self.selection)

    def on_auto_layout(self, message) -> None:
        self.draft.auto_layout(message.direction)
        self._changed(self.selection)

    def on_set_outputs(self, message) -> None:
        self.draft.set_outputs(message.outputs)
        self._changed(self.selection)

    def on_load_spec(self, message) -> None:
        self.draft.load_spec(message.spec)
        self._changed(None)

    def on_select(self, message) -> None:
        if message.node is not None and message.node not in self.draft.nodes:
            raise DraftError(f"There is no node {message.node!r} to select.")
        self.selection = message.node
        self.publish_state("selection")


def _compile_like(model, previous) -> None:
    """Compile `model` as `previous` was, when its settings can be read back."""
    config = previous.get_compile_config() if previous is not None else None
    if config and config.get("loss") is not None and None not in (config.get("metrics") or []):
        model.compile_from_config(config)
