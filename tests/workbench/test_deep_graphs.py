"""Deep graphs in the editor: a chain of a thousand layers is built, edited, undone, redone,
laid out and exported through the editor's messages without reaching Python's recursion
limit, and an edit that fails for any reason leaves the draft exactly as it was."""

import pytest

import engine
from engine import layers
from workbench import layout, router
from workbench.editor_session import EditorSession
from workbench.graph_draft import GraphDraft

CHAIN = 1_000


def send(session, type_, **fields) -> dict:
    [reply] = router.handle(session, {"type": type_, "version": 1, "request_id": type_, **fields})
    return reply


def connect(session, source, target) -> dict:
    return send(
        session, "connect", source={"node": source, "output": 0}, target={"node": target, "arg": 0}
    )


def test_a_chain_of_a_thousand_nodes_answers_every_edit():
    """Each node is fed by the one made after it, so a walk in creation order (the draft's
    analysis, the layout's ranks) goes down the whole chain at once."""
    editor = EditorSession()
    for i in range(CHAIN):
        reply = send(editor, "add_layer", class_name="Dense", config={"units": 2, "name": f"d{i}"})
        assert reply["type"] == "ack", reply
        if i:
            assert connect(editor, f"d{i}", f"d{i - 1}")["type"] == "ack", i
    send(editor, "add_layer", class_name="InputLayer", config={"shape": [2], "name": "x"})
    assert connect(editor, "x", f"d{CHAIN - 1}")["type"] == "ack"
    assert editor.draft.valid

    for kind in ("undo", "redo", "auto_layout", "export"):
        extra = {"kind": "spec"} if kind == "export" else {}
        assert send(editor, kind, **extra)["type"] == "ack", kind
    heights = [editor.draft.nodes[f"d{i}"].position[1] for i in range(CHAIN)]
    assert heights == sorted(heights, reverse=True)  # laid out top-down: x, then d999 ... d0
    assert len(editor.model().layers) == CHAIN + 1
    assert send(editor, "export", kind="model")["type"] == "ack"
    keras = send(editor, "export", kind="keras")  # Keras's own graph walks recurse
    assert keras["type"] == "ack" or "export it as a .wbm model" in keras["message"], keras


def test_layout_ranks_a_chain_against_creation_order():
    nodes = [f"n{i}" for i in range(5 * CHAIN)]
    edges = [(nodes[i + 1], nodes[i]) for i in range(len(nodes) - 1)]
    assert layout.ranks(nodes, edges) == {node: len(nodes) - 1 - i for i, node in enumerate(nodes)}


def small_editor() -> EditorSession:
    i = layers.Input((2,), name="x")
    model = engine.Model(i, layers.Dense(1, name="out")(layers.Dense(4, name="hidden")(i)))
    return EditorSession(GraphDraft.from_model(model))


@pytest.mark.parametrize("kind", ["add_layer", "connect", "undo", "load_spec"])
def test_an_edit_whose_result_cannot_be_shown_leaves_the_draft_as_it_was(kind, monkeypatch):
    editor = small_editor()
    spec = editor.draft.to_spec()
    editor.update_config("hidden", {"units": 3})  # something to undo
    before = (editor.draft.state(), editor.draft.history(), editor.selection)
    fields = {
        "add_layer": {"class_name": "Dense", "config": {"units": 2}},
        "connect": {"source": {"node": "x", "output": 0}, "target": {"node": "out", "arg": 0}},
        "undo": {},
        "load_spec": {"spec": spec},
    }[kind]
    state = GraphDraft.state

    def broken(draft):
        raise RuntimeError("the graph cannot be shown")

    monkeypatch.setattr(GraphDraft, "state", broken)
    reply = send(editor, kind, **fields)
    monkeypatch.setattr(GraphDraft, "state", state)
    assert reply["type"] == "error" and "cannot be shown" in reply["message"]
    assert (editor.draft.state(), editor.draft.history(), editor.selection) == before
