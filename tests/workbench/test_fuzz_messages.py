"""Every view's messages, valid and mutated, through the router: each gets its reply, none is
an `internal` error, a refused one changes nothing, and the view still answers afterwards.

A seeded generator makes each view's messages: valid intents with plausible fields (ids the
view knows), and mutations of them (wrong types, missing and extra fields, huge, negative and
non-finite numbers, deep nesting, long strings, lone surrogates, unknown types and ids, broken
envelopes and JSON text). Nothing trains: `start` is never sent to a view that handles it.
CI runs MESSAGES per view on NumPy; `--slow` runs SLOW_MESSAGES, every export and every
installed backend.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

import engine
from engine import layers
from engine.layers import LAYERS
from tests.conftest import INSTALLED
from workbench import datasets, palette, protocol, router
from workbench.editor_session import EditorSession
from workbench.graph_draft import GraphDraft
from workbench.inspector_session import InspectorSession
from workbench.playground_session import PlaygroundSession
from workbench.session import StateUpdate
from workbench.sidebar_session import SidebarSession
from workbench.training_session import ACTIVE, TrainingSession
from workbench.workbench_session import WorkbenchSession

MESSAGES = 5_000
SLOW_MESSAGES = 20_000
# Integers inside layer configs and specs stay at most this. The draft's shapes allocate no
# weights, but an export builds the model, weights included, so big layers would make the CI
# sample slow; huge configs are test_editor_api's (answered without allocating, refused for
# export when their weights would not fit). Integers everywhere else go up to 10**30.
CONFIG_INT_CAP = 32
GRAPH_NODES = 24  # past this many nodes, the editor's fuzz deletes more than it adds
HUGE_INTS = (2**31, 2**53 + 1, 10**30, -(10**6))
DEPTHS = (33, 200, 970, 5_000)  # levels added to a field: always past MAX_DEPTH
STRING_LENGTHS = (1_000, 1_001, 300_000)
TEXTS = ("", "a", "dense", "in\ud800", "\udfff", "😀 ünïcode", "a/b#c", "x" * 200, "'\"\\")


# ------------------------------------------------------------------------------ values
def small_int(rng) -> int:
    return rng.choice((-1, 0, 1, 2, 3, rng.randint(0, CONFIG_INT_CAP)))


def junk(rng, config: bool, depth: int = 0):
    """Any JSON value (and some that are not quite): the stuff of mutations. In a `config`,
    integers stay small (CONFIG_INT_CAP)."""
    kinds = ["none", "bool", "int", "float", "text"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return small_int(rng) if config else rng.choice((*HUGE_INTS, small_int(rng)))
    if kind == "float":
        return rng.choice((math.nan, math.inf, -math.inf, -0.0, 0.5, 1e308, -1e-320, 3.0))
    if kind == "text":
        return rng.choice(TEXTS)
    if kind == "list":
        return [junk(rng, config, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(TEXTS): junk(rng, config, depth + 1) for _ in range(rng.randint(0, 3))}


def nested(value, depth: int, rng):
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


def argument_value(rng, argument: dict):
    """A plausible value for a palette argument (palette.arguments)."""
    kind = argument["type"]
    if argument.get("nullable") and rng.random() < 0.1:
        return None
    if kind == "int":
        return rng.randint(1, CONFIG_INT_CAP)
    if kind == "float":
        return round(rng.random(), 3)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "choice":
        return rng.choice(argument["choices"])
    if kind in ("shape", "int_list"):
        return [rng.randint(1, 8) for _ in range(argument.get("length") or rng.randint(1, 3))]
    if kind == "int_or_int_list":
        return rng.randint(1, 4)
    return rng.choice(TEXTS[:3])


def layer_config(rng, class_name: str, count: int) -> dict:
    arguments = palette.arguments(class_name)
    chosen = rng.sample(arguments, min(count, len(arguments)))
    return {a["name"]: argument_value(rng, a) for a in chosen}


# ------------------------------------------------------------------------------- views
def small_model(name="mlp"):
    i = layers.Input((2,), name="x")
    h = layers.Dense(4, activation="relu", name="hidden")(i)
    return engine.Model(i, layers.Dense(1, activation="sigmoid", name="out")(h), name=name)


def small_data():
    return datasets.load("moons", samples=64)


def compiled(model):
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


class Fuzzer:
    """What one view is sent: valid intents (`valid`), made from what the view shows now."""

    def __init__(self, session, rng, slow: bool):
        self.session, self.rng, self.slow = session, rng, slow

    def valid(self) -> dict:
        kind = self.rng.choice(self.intents())
        return {"type": kind, **getattr(self, f"make_{kind}", lambda: {})()}

    def intents(self) -> list:
        return ["ready", *self.session.handlers]

    def backend(self) -> str:
        return self.rng.choice(INSTALLED if self.slow else ["numpy"])

    def models(self) -> list:
        return [self.session.model]

    def fingerprint(self) -> dict:
        """What a refused message must leave as it was."""
        return {"backend": engine.backend_name(), **models_state(self.models())}


def models_state(models) -> dict:
    """Digests of each model's weights and optimizer state, and its backend."""
    state = {}
    for index, model in enumerate(models):
        arrays = [np.asarray(w) for w in model.get_weights()]
        optimizer = model.optimizer
        if optimizer is not None:
            arrays += [np.asarray(v.numpy()) for v in optimizer.variables]
        digest = hashlib.sha256()
        for array in arrays:
            digest.update(repr((array.shape, array.dtype.str)).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        state[f"model {index}"] = (digest.hexdigest(), model.backend.name, learning_rate(model))
    return state


def learning_rate(model):
    try:
        return float(model.optimizer.learning_rate)
    except (AttributeError, TypeError, ValueError):
        return None


class EditorFuzzer(Fuzzer):
    def __init__(self, session, rng, slow):
        super().__init__(session, rng, slow)
        self.base_spec = session.draft.to_spec()

    def intents(self) -> list:
        if len(self.session.draft.nodes) > GRAPH_NODES:
            return [*super().intents(), *["delete", "load_spec"] * 4]
        return [*super().intents(), *["add_layer", "connect", "update_config"] * 2]

    def models(self) -> list:
        return []

    def fingerprint(self) -> dict:
        draft = self.session.draft
        graph = json.dumps(draft.state(), sort_keys=True)
        return {"graph": graph, "history": draft.history(), "selection": self.session.selection}

    def node(self) -> str:
        ids = list(self.session.draft.nodes)
        return self.rng.choice(ids) if ids and self.rng.random() < 0.9 else "no_such_node"

    def ref(self) -> dict:
        return {"node": self.node(), "output": self.rng.choice((0, 0, 0, 1))}

    def make_add_layer(self) -> dict:
        class_name = self.rng.choice(sorted(LAYERS))
        message = {"class_name": class_name}
        if self.rng.random() < 0.7:
            message["config"] = layer_config(self.rng, class_name, self.rng.randint(0, 3))
        if self.rng.random() < 0.5:
            message["position"] = {"x": self.rng.uniform(-500, 500), "y": self.rng.uniform(0, 900)}
        return message

    def make_connect(self) -> dict:
        return {
            "source": self.ref(),
            "target": {"node": self.node(), "arg": self.rng.randint(0, 2)},
        }

    def make_disconnect(self) -> dict:
        edges = self.session.draft.state()["edges"]
        return self.rng.choice(edges) if edges else self.make_connect()

    def make_update_config(self) -> dict:
        node = self.node()
        class_name = getattr(self.session.draft.nodes.get(node), "class_name", "Dense")
        config = layer_config(self.rng, class_name, self.rng.randint(1, 2))
        if self.rng.random() < 0.1:
            config["name"] = f"renamed_{self.rng.randint(0, 99)}"
        return {"node": node, "config": config}

    def make_delete(self) -> dict:
        return {"nodes": [self.node() for _ in range(self.rng.randint(1, 2))]}

    def make_move(self) -> dict:
        return {"positions": {self.node(): {"x": self.rng.uniform(-1e3, 1e3), "y": 0}}}

    def make_auto_layout(self) -> dict:
        return {"direction": self.rng.choice(("down", "right"))}

    def make_set_outputs(self) -> dict:
        return {"outputs": [self.ref() for _ in range(self.rng.randint(0, 2))]}

    def make_load_spec(self) -> dict:
        return {"spec": self.base_spec}

    def make_select(self) -> dict:
        return {"node": self.node() if self.rng.random() < 0.8 else None}

    def make_export(self) -> dict:
        if self.slow:
            message = {"kind": self.rng.choice(("spec", "code", "model", "keras", "onnx"))}
            frameworks = ("engine", "keras", "torch", "jax", "tensorflow")
        else:
            message = {"kind": self.rng.choice(("spec", "code", "model"))}
            frameworks = ("engine", "keras")
        if message["kind"] == "code" and self.rng.random() < 0.7:
            message["framework"] = self.rng.choice(frameworks)
        return message


class DashboardFuzzer(Fuzzer):
    def intents(self) -> list:
        return [kind for kind in super().intents() if kind != "start"]

    def make_set_learning_rate(self) -> dict:
        return {"value": self.rng.choice((1e-12, 1e-3, 0.01, 0.5, 1e3))}

    def make_set_backend(self) -> dict:
        return {"backend": self.backend()}


class InspectorFuzzer(Fuzzer):
    def make_select_node(self) -> dict:
        ids = [node["id"] for node in self.session.state()["nodes"]]
        return {"node": self.rng.choice([*ids, None, "no_such_node"])}

    def make_select_sample(self) -> dict:
        return {"index": self.rng.choice((0, 1, 63, 64, 10**9))}

    def make_set_every(self) -> dict:
        return {"every": self.rng.choice((1, 5, 100_000))}


class PlaygroundFuzzer(DashboardFuzzer):
    def fingerprint(self) -> dict:
        view = {"settings": self.session.config, "resolution": self.session.resolution}
        return {**super().fingerprint(), **view}

    def make_set_dataset(self) -> dict:
        message = {"name": self.rng.choice([*datasets.PLANE, "digits", "nope"])}
        if self.rng.random() < 0.5:
            message["noise"] = round(self.rng.random(), 2)
        if self.rng.random() < 0.5:
            message["samples"] = self.rng.choice((10, 64, 300))
        if self.rng.random() < 0.5:
            message["seed"] = self.rng.randint(0, 2**31 - 1)
        return message

    def make_configure(self) -> dict:
        options = {
            "hidden": ([3], [8, 8], [0], [1] * 7),
            "features": (["x1"], ["x1^2", "sin(x2)"], [], ["x3"]),
            "learning_rate": (0.1, -1, 0),
            "ratio": (20, 0),
            "problem": ("regression", "classification", "clustering"),
            "activation": ("relu", "swish"),
        }
        key = self.rng.choice(sorted(options))
        return {"changes": {key: self.rng.choice(options[key])}}

    def make_set_resolution(self) -> dict:
        return {"resolution": self.rng.choice((8, 17, 48, 256 if self.slow else 64))}


class WorkbenchFuzzer(Fuzzer):
    def models(self) -> list:
        return [self.session.dashboard.model]

    def fingerprint(self) -> dict:
        draft = self.session.editor.draft
        view = {"tab": self.session.tab, "graph": json.dumps(draft.state(), sort_keys=True)}
        return {**super().fingerprint(), **view}

    def make_select_tab(self) -> dict:
        return {"tab": self.rng.choice(("build", "train", "inspect"))}


class SidebarFuzzer(Fuzzer):
    def models(self) -> list:
        return [self.session.namespace["model"]]

    def make_set_backend(self) -> dict:
        return {"backend": self.backend()}

    def make_open_view(self) -> dict:
        model = self.rng.choice(("model", "model", "nothing_here"))
        return {"model": model, "view": self.rng.choice(("editor", "dashboard", "inspector"))}


def fake_view(view, model, data):
    """Stands in for a widget: the sidebar only reads `.widget.model_id`."""
    return SimpleNamespace(widget=SimpleNamespace(model_id=f"{view}-{model.name}"))


@dataclass(frozen=True)
class View:
    make: Callable  # () -> a new session
    fuzzer: type


VIEWS = {
    "editor": View(lambda: EditorSession(GraphDraft.from_model(small_model())), EditorFuzzer),
    "dashboard": View(lambda: TrainingSession(small_model(), small_data()), DashboardFuzzer),
    "inspector": View(
        lambda: InspectorSession(compiled(small_model()), small_data()), InspectorFuzzer
    ),
    "playground": View(lambda: PlaygroundSession(data="moons"), PlaygroundFuzzer),
    "workbench": View(lambda: WorkbenchSession(small_model(), small_data()), WorkbenchFuzzer),
    "sidebar": View(
        lambda: SidebarSession(
            {"model": compiled(small_model()), "pair": (np.zeros((8, 2)), np.zeros((8, 1)))},
            view_factory=fake_view,
        ),
        SidebarFuzzer,
    ),
}


# --------------------------------------------------------------------------- mutations
@dataclass
class Sent:
    raw: object
    buffers: tuple = ()
    refused: bool = False  # True: a reply must be an error, whatever the view's state
    request_id: str | None = None  # the id a reply must carry


def envelope(message: dict, rng) -> dict:
    return {
        "version": protocol.PROTOCOL_VERSION,
        "request_id": f"r{rng.randint(0, 999)}",
        **message,
    }


def paths(value, prefix=()):
    """Every (path, value) inside a message, the message itself excluded."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        yield (*prefix, key), item
        if isinstance(item, (dict, list)) and item:
            yield from paths(item, (*prefix, key))


DROP = object()  # replaced(): take the field out


def replaced(message, path, value):
    copy = json.loads(json.dumps(message))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


def in_config(path) -> bool:
    return "config" in path or "spec" in path


def mutate(message: dict, rng, other_intents: list) -> Sent:
    """`message` (valid, in its envelope) changed in one way a browser or a bug might."""
    where = rng.choice(list(paths(message)))
    path, value = where
    strategy = rng.randrange(14)
    if strategy == 0:  # a field missing
        return Sent(replaced(message, path, DROP))
    if strategy == 1:  # an extra field, at the top or inside an object (a config may take it)
        target = (*path, "surprise") if isinstance(value, dict) else ("surprise",)
        extra = replaced(message, target, junk(rng, in_config(target)))
        return Sent(extra, refused=not in_config(target))
    if strategy == 2:  # another value, of any type
        return Sent(replaced(message, path, junk(rng, in_config(path))))
    if strategy == 3:  # an extreme number
        numbers = (small_int(rng), -1) if in_config(path) else (*HUGE_INTS, -1, 0)
        extreme = rng.choice((*numbers, math.nan, math.inf, 1e308, 2.5))
        return Sent(replaced(message, path, extreme))
    if strategy == 4:  # nested deeper than allowed
        depth = rng.choice(DEPTHS)
        return Sent(replaced(message, path, nested(value, depth, rng)), refused=True)
    if strategy == 5:  # a long string
        text = "x" * rng.choice(STRING_LENGTHS)
        return Sent(replaced(message, path, text), refused=len(text) > protocol.MAX_STRING)
    if strategy == 6:  # a lone surrogate in a value or a key
        if isinstance(value, dict) and rng.random() < 0.5:
            return Sent(replaced(message, path, {**value, "bad\ud800key": 1}), refused=True)
        text = value + "\udc00" if isinstance(value, str) else "\ud800"
        return Sent(replaced(message, path, text), refused=True)
    if strategy == 7:  # an unknown type, or another view's
        kind = rng.choice((*other_intents, "explode", "", "ready ", "READY"))
        return Sent({**message, "type": kind}, refused=kind not in protocol.INTENTS)
    if strategy == 8:  # a broken version
        version = rng.choice((0, 2, "1", True, None, 1.5))
        return Sent({**message, "version": version}, refused=True)
    if strategy == 9:  # a broken request id
        request_id = rng.choice(("", "r" * 65, 7, None, "r\ud800"))
        return Sent({**message, "request_id": request_id}, refused=request_id is not None)
    if strategy == 10:  # not a JSON object at all
        raw = rng.choice(([message], "null", 3, None, "{nope", b"\xff\xfe", "[" * 100_000))
        return Sent(raw, refused=True)
    if strategy == 11:  # JSON text of the message
        return Sent(json.dumps(message), request_id=message.get("request_id"))
    if strategy == 12:  # buffers, which the browser never sends
        return Sent(message, buffers=(b"\x00",), refused=True)
    return Sent({k: v for k, v in message.items() if k != "type"}, refused=True)


def generate(fuzzer: Fuzzer, rng) -> Sent:
    message = envelope(fuzzer.valid(), rng)
    if rng.random() < 0.4:
        return Sent(message, request_id=message["request_id"])
    others = [
        kind
        for kind in protocol.INTENTS
        if not (kind == "start" and kind in fuzzer.session.handlers)
    ]
    return mutate(message, rng, others)


# ------------------------------------------------------------------------------ checks
def encodable(value) -> bool:
    """Whether a transport can send `value`: JSON, valid UTF-8 (no lone surrogates)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):
        return False
    return True


def check_reply(sent: Sent, replies: list, before: dict, fuzzer: Fuzzer) -> None:
    assert isinstance(replies, list) and len(replies) <= 1, replies
    shown = reprlib.repr(sent.raw)  # bounded, however deep the message
    if sent.refused:
        assert replies and replies[0]["type"] == "error", shown
    if sent.request_id is not None:
        assert replies and replies[0]["request_id"] == sent.request_id, shown
    for reply in replies:
        assert reply["type"] in ("ack", "error"), reply
        assert reply.get("code") != "internal", (shown, reply["message"])
        assert encodable(reply), reply
        if reply["type"] == "error":
            assert fuzzer.fingerprint() == before, (shown, reply["message"])


def run_fuzz(view_name: str, count: int, seed: int, slow: bool) -> None:
    rng = random.Random(seed)
    view = VIEWS[view_name]
    session = view.make()
    fuzzer = view.fuzzer(session, rng, slow)
    unsendable = []
    session.subscribe(
        lambda item: (
            isinstance(item, StateUpdate)
            and not encodable(item.values)
            and unsendable.append(item.values)
        )
    )
    for _ in range(count):
        sent = generate(fuzzer, rng)
        before = fuzzer.fingerprint()
        replies = router.handle(session, sent.raw, sent.buffers)
        check_reply(sent, replies, before, fuzzer)
        assert not unsendable, unsendable[0]
        assert not any(t.state_name in ACTIVE for t in training_sessions(session))
    final = router.handle(session, envelope({"type": "ready"}, rng) | {"request_id": "last"})
    assert final == [protocol.ack("last")]
    assert encodable(session.state())


def training_sessions(session) -> list:
    found = [getattr(session, name, None) for name in ("training", "dashboard")]
    return [t for t in [*found, session] if isinstance(t, TrainingSession)]


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_every_message_gets_a_reply_and_a_refused_one_changes_nothing(view):
    run_fuzz(view, MESSAGES, seed=26, slow=False)


@pytest.mark.slow
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_many_more_messages_on_every_backend(view):
    run_fuzz(view, SLOW_MESSAGES, seed=2026, slow=True)
