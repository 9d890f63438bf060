"""The protocol schema: every intent accepted in its documented form, malformed ones refused
with a message that names the problem."""

import json

import pytest

from workbench import protocol, router
from workbench.editor_session import EditorSession
from workbench.protocol import PROTOCOL_VERSION, ProtocolError

REF = {"node": "dense", "output": 0}
PORT = {"node": "dense_1", "arg": 0}

# One well-formed example of every intent (docs/protocol.md).
EXAMPLES = {
    "ready": {},
    "add_layer": {"class_name": "Dense", "config": {"units": 4}, "position": {"x": 1, "y": 2.5}},
    "connect": {"source": REF, "target": PORT},
    "disconnect": {"source": REF, "target": PORT},
    "update_config": {"node": "dense", "config": {"units": 8, "name": "hidden"}},
    "delete": {"nodes": ["dense"]},
    "move": {"positions": {"dense": {"x": 0, "y": 10}}},
    "undo": {},
    "redo": {},
    "auto_layout": {"direction": "right"},
    "set_outputs": {"outputs": [REF]},
    "load_spec": {"spec": {"format": "model-workbench.graph", "version": 1}},
    "select": {"node": None},
    "export": {"kind": "code", "framework": "torch"},
    "start": {"epochs": 3, "batch_size": 32},
    "pause": {},
    "resume": {},
    "stop": {},
    "set_learning_rate": {"value": 0.01},
    "set_backend": {"backend": "jax"},
    "select_node": {"node": "dense"},
    "select_sample": {"index": 3},
    "refresh": {},
    "set_every": {"every": 5},
    "configure": {"changes": {"hidden": [4, 4], "learning_rate": 0.1}},
    "set_dataset": {"name": "moons", "noise": 0.2, "samples": 300, "seed": 1},
    "set_resolution": {"resolution": 64},
    "reset_weights": {},
    "select_tab": {"tab": "train"},
    "open_view": {"model": "model", "view": "dashboard"},
}


def message(type_, **fields):
    return {"type": type_, "version": PROTOCOL_VERSION, **fields}


def test_every_intent_has_an_example():
    assert set(EXAMPLES) == set(protocol.INTENTS)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_intent_validates_to_its_typed_message(kind):
    typed = protocol.validate(message(kind, request_id="r1", **EXAMPLES[kind]))
    assert type(typed) is protocol.INTENTS[kind]
    assert typed.type == kind and typed.request_id == "r1"


def test_nested_fields_become_dataclasses_and_defaults_apply():
    typed = protocol.validate(message("connect", source=REF, target=PORT))
    assert typed.source == protocol.Ref("dense", 0) and typed.target.arg == 0
    assert typed.request_id is None
    assert protocol.validate(message("auto_layout")).direction == "down"
    assert protocol.validate(message("set_learning_rate", value=1)).value == 1.0


def test_json_text_is_accepted():
    assert protocol.validate(json.dumps(message("undo"))).type == "undo"


MALFORMED = {
    "not an object": ([1, 2], "invalid_message", "JSON object"),
    "not JSON": ("{nope", "invalid_message", "not valid JSON"),
    "no version": ({"type": "undo"}, "invalid_message", "'version'"),
    "old version": (message("undo", version=0), "version_mismatch", "version 0"),
    "newer version": (message("undo", version=2), "version_mismatch", "restart"),
    "no type": ({"version": 1}, "invalid_message", "'type'"),
    "unknown type": (message("explode"), "invalid_message", "Unknown message type 'explode'"),
    "missing field": (message("connect", source=REF), "invalid_message", "needs 'target'"),
    "extra field": (message("undo", force=True), "invalid_message", "does not take 'force'"),
    "wrong type": (
        message("start", epochs="3", batch_size=2),
        "invalid_message",
        "start.epochs must be an integer",
    ),
    "bool for int": (message("select_sample", index=True), "invalid_message", "an integer"),
    "float for int": (message("start", epochs=1.5, batch_size=2), "invalid_message", "integer"),
    "nested wrong type": (
        message("connect", source={"node": 3, "output": 0}, target=PORT),
        "invalid_message",
        "connect.source.node must be a string",
    ),
    "out of range": (
        message("start", epochs=0, batch_size=2),
        "invalid_message",
        "between 1 and 100000",
    ),
    "negative index": (message("select_sample", index=-1), "invalid_message", "select_sample"),
    "not a choice": (message("select_tab", tab="settings"), "invalid_message", "'build'"),
    "unknown export": (
        {"type": "export", "version": PROTOCOL_VERSION, "kind": "pickle"},
        "invalid_message",
        "'onnx'",
    ),
    "unknown framework": (
        {"type": "export", "version": PROTOCOL_VERSION, "kind": "code", "framework": "caffe"},
        "invalid_message",
        "'tensorflow'",
    ),
    "empty list": (message("delete", nodes=[]), "invalid_message", "length"),
    "null for required": (
        message("update_config", node=None, config={}),
        "invalid_message",
        "update_config.node",
    ),
    "NaN": (message("set_learning_rate", value=float("nan")), "invalid_message", "finite"),
    "infinity": (
        message("move", positions={"a": {"x": float("inf"), "y": 0}}),
        "invalid_message",
        "finite",
    ),
    "long string": (message("select", node="n" * 1001), "too_large", "1,001 characters"),
    "many items": (message("delete", nodes=["a"] * 10_001), "too_large", "10,001 items"),
    "deep nesting": (
        message("load_spec", spec=json.loads('{"a":' * 40 + "1" + "}" * 40)),
        "too_large",
        "nested",
    ),
    "huge message": (
        message("load_spec", spec={str(i): "x" * 900 for i in range(400)}),
        "too_large",
        "bytes",
    ),
    "long request id": (message("undo", request_id="r" * 65), "invalid_message", "request_id"),
    "not JSON values": (message("load_spec", spec={"a": {1, 2}}), "invalid_message", "plain JSON"),
    "lone surrogate": (message("select", node="in\ud800"), "invalid_message", "lone surrogate"),
    "lone surrogate in a key": (
        message("move", positions={"in\udfff": {"x": 0, "y": 0}}),
        "invalid_message",
        "a key of message.positions contains a lone surrogate (U+DFFF)",
    ),
    "lone surrogate in a config": (
        message("add_layer", class_name="Dense", config={"activation": ["relu\udc00"]}),
        "invalid_message",
        "message.config.activation[0] contains a lone surrogate",
    ),
    "integer too large for a float": (
        message("set_learning_rate", value=10**400),
        "invalid_message",
        "a finite number",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_messages_are_refused_clearly(case):
    raw, code, text = MALFORMED[case]
    with pytest.raises(ProtocolError) as info:
        protocol.validate(raw)
    assert info.value.code == code
    assert text in str(info.value)


def test_errors_carry_the_intent_and_request_id_when_readable():
    with pytest.raises(ProtocolError) as info:
        protocol.validate(message("start", request_id="r9", epochs=0, batch_size=1))
    reply = protocol.error(info.value)
    assert reply == {
        "type": "error",
        "version": PROTOCOL_VERSION,
        "request_id": "r9",
        "code": "invalid_message",
        "message": str(info.value),
        "intent": "start",
    }
    with pytest.raises(ProtocolError) as info:
        protocol.validate(message("nope", request_id="r10"))
    assert info.value.intent is None and info.value.request_id == "r10"


def test_replies_and_events_have_the_envelope():
    assert protocol.ack("r1", {"node": "dense"}) == {
        "type": "ack",
        "version": 1,
        "request_id": "r1",
        "result": {"node": "dense"},
    }
    assert protocol.state({"tab": "build"})["state"] == {"tab": "build"}
    with pytest.raises(ValueError, match="not a protocol event"):
        protocol.event("select")


def test_the_core_imports_nothing_from_jupyter():
    import subprocess
    import sys

    core = [
        "protocol",
        "router",
        "session",
        "graph_draft",
        "editor_session",
        "training_session",
        "inspector_session",
        "playground_session",
        "workbench_session",
        "datasets",
        "codec",
    ]
    code = (
        "import sys\n"
        + "".join(f"import workbench.{name}\n" for name in core)
        + "import workbench\n"
        + "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        + "('ipywidgets', 'anywidget', 'traitlets', 'ipykernel', 'IPython', 'comm')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def nested(depth: int):
    value = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [33, 970, 100_000])
def test_deep_nesting_is_refused_before_anything_recursive_reads_it(depth):
    session = EditorSession()
    raw = message("load_spec", request_id="deep", spec=nested(depth))
    text = json.dumps(message("load_spec", request_id="deep", spec=[]))
    text = text.replace("[]", "[" * depth + "]" * depth)
    [reply] = router.handle(session, raw)
    assert (reply["code"], reply["request_id"]) == ("too_large", "deep")
    [from_text] = router.handle(session, text)  # the id is lost when the text is too deep to read
    assert from_text["code"] == "too_large" and from_text["request_id"] in ("deep", None)
    for sent in (reply, from_text):
        assert "nested more than 32 levels deep" in sent["message"]


def test_a_request_id_that_cannot_be_sent_back_is_not_echoed():
    [reply] = router.handle(EditorSession(), message("undo", request_id="r\ud800"))
    assert (reply["code"], reply["request_id"]) == ("invalid_message", None)
    assert "request_id contains a lone surrogate" in reply["message"]


def test_a_lone_surrogate_is_refused_and_the_editor_keeps_answering():
    session = EditorSession()
    config = {"shape": [4], "name": "in\ud800"}
    [refused] = router.handle(
        session, message("add_layer", request_id="r1", class_name="InputLayer", config=config)
    )
    assert refused["code"] == "invalid_message" and not session.draft.nodes
    [added] = router.handle(
        session, message("add_layer", request_id="r2", class_name="InputLayer", config={})
    )
    assert added["type"] == "ack"
    json.dumps(session.state(), ensure_ascii=False).encode("utf-8")  # the state can be sent
