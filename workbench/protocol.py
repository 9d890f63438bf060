"""The widget protocol in code: every message the browser sends, checked before anything runs.

docs/protocol.md is the human-readable form of this module. Each intent is a frozen dataclass
whose annotations are the schema: `validate(raw)` turns a JSON object into one of them or raises
ProtocolError saying exactly which field is wrong. Replies and events the kernel sends are built
by `ack`, `error` and `event` so their envelope is always right.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Union

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 256 * 1024
MAX_STRING = 1000
MAX_ITEMS = 10_000
MAX_DEPTH = 32
MAX_REQUEST_ID = 64

ERROR_CODES = ("invalid_message", "version_mismatch", "too_large", "rejected", "internal")
EVENTS = (
    "ack",
    "error",
    "state",
    "curve_delta",
    "grid",
    "points",
    "activation",
    "inspection_history",
    "inspection_detail",
    "download",
)


class ProtocolError(ValueError):
    """A message that cannot be accepted; `code` is one of ERROR_CODES."""

    def __init__(self, message: str, code: str = "invalid_message", intent=None, request_id=None):
        super().__init__(message)
        self.code = code
        self.intent = intent
        self.request_id = request_id


@dataclass(frozen=True)
class Range:
    """Inclusive bounds for a number (or a list's length, or a string's length)."""

    low: float | None = None
    high: float | None = None

    def check(self, value, size, where):
        if (self.low is not None and size < self.low) or (
            self.high is not None and size > self.high
        ):
            bounds = f"between {self.low} and {self.high}"
            if self.high is None:
                bounds = f"at least {self.low}"
            elif self.low is None:
                bounds = f"at most {self.high}"
            what = "length" if isinstance(value, (str, list, dict)) else "value"
            raise ProtocolError(f"{where} must have a {what} {bounds}, got {value!r}.")


JSONObject = dict[str, Any]  # any JSON object (checked for size and finiteness only)
NodeId = Annotated[str, Range(1, MAX_STRING)]
Index = Annotated[int, Range(0, MAX_ITEMS)]


@dataclass(frozen=True)
class Ref:
    """The k-th output of a node."""

    node: NodeId
    output: Index


@dataclass(frozen=True)
class Port:
    """A node's positional tensor argument."""

    node: NodeId
    arg: Annotated[int, Range(0, 16)]


@dataclass(frozen=True)
class Position:
    x: Annotated[float, Range(-1e6, 1e6)]
    y: Annotated[float, Range(-1e6, 1e6)]


@dataclass(frozen=True, kw_only=True)
class Intent:
    """Base of every browser -> kernel message; `type` is the wire name."""

    type: ClassVar[str] = ""
    request_id: Annotated[str, Range(1, MAX_REQUEST_ID)] | None = None


INTENTS: dict[str, type[Intent]] = {}


def intent(name: str):
    """Register a dataclass as the schema of intent `name`."""

    def register(cls):
        cls = dataclass(frozen=True, kw_only=True)(cls)
        cls.type = name
        INTENTS[name] = cls
        return cls

    return register


# ------------------------------------------------------------------------- every view
@intent("ready")
class Ready(Intent):
    pass


# ------------------------------------------------------------------------ graph editor
@intent("add_layer")
class AddLayer(Intent):
    class_name: Annotated[str, Range(1, 64)]
    config: JSONObject | None = None
    position: Position | None = None


@intent("connect")
class Connect(Intent):
    source: Ref
    target: Port


@intent("disconnect")
class Disconnect(Intent):
    source: Ref
    target: Port


@intent("update_config")
class UpdateConfig(Intent):
    node: NodeId
    config: JSONObject


@intent("delete")
class Delete(Intent):
    nodes: Annotated[list[NodeId], Range(1, MAX_ITEMS)]


@intent("move")
class Move(Intent):
    positions: Annotated[dict[str, Position], Range(1, MAX_ITEMS)]


@intent("undo")
class Undo(Intent):
    pass


@intent("redo")
class Redo(Intent):
    pass


@intent("auto_layout")
class AutoLayout(Intent):
    direction: Literal["down", "right"] = "down"


@intent("set_outputs")
class SetOutputs(Intent):
    outputs: list[Ref]


@intent("load_spec")
class LoadSpec(Intent):
    spec: JSONObject


@intent("select")
class Select(Intent):
    node: NodeId | None


@intent("export")
class Export(Intent):
    kind: Literal["spec", "code", "model", "keras", "onnx"]
    framework: Literal["engine", "keras", "torch", "jax", "tensorflow"] | None = None


# ---------------------------------------------------------------------------- training
@intent("start")
class Start(Intent):
    epochs: Annotated[int, Range(1, 100_000)]
    batch_size: Annotated[int, Range(1, 65_536)]


@intent("pause")
class Pause(Intent):
    pass


@intent("resume")
class Resume(Intent):
    pass


@intent("stop")
class Stop(Intent):
    pass


@intent("set_learning_rate")
class SetLearningRate(Intent):
    value: Annotated[float, Range(1e-12, 1e3)]


@intent("set_backend")
class SetBackend(Intent):
    backend: Annotated[str, Range(1, 32)]


# --------------------------------------------------------------------------- inspector
@intent("select_node")
class SelectNode(Intent):
    node: NodeId | None


@intent("select_sample")
class SelectSample(Intent):
    index: Annotated[int, Range(0, 10**9)]


@intent("refresh")
class Refresh(Intent):
    pass


@intent("set_every")
class SetEvery(Intent):
    every: Annotated[int, Range(1, 100_000)]


# -------------------------------------------------------------------------- playground
@intent("configure")
class Configure(Intent):
    changes: JSONObject  # some playground settings (checked by workbench.playground_config)


@intent("set_dataset")
class SetDataset(Intent):
    name: Annotated[str, Range(1, 64)]
    noise: Annotated[float, Range(0, 1)] | None = None
    samples: Annotated[int, Range(10, 5000)] | None = None
    seed: Annotated[int, Range(0, 2**31 - 1)] | None = None


@intent("set_resolution")
class SetResolution(Intent):
    resolution: Annotated[int, Range(8, 256)]


@intent("reset_weights")
class ResetWeights(Intent):
    pass


# --------------------------------------------------------------------------- workbench
@intent("select_tab")
class SelectTab(Intent):
    tab: Literal["build", "train", "inspect"]


# ----------------------------------------------------------------------------- sidebar
@intent("open_view")
class OpenView(Intent):
    model: Annotated[str, Range(1, 200)]
    view: Literal["editor", "dashboard", "inspector"]


# --------------------------------------------------------------------------- validating
def validate(raw) -> Intent:
    """The typed intent for a raw message (a dict, or its JSON text), or a ProtocolError."""
    if isinstance(raw, (str, bytes)):
        raw = _parse(raw)
    if not isinstance(raw, dict):
        raise ProtocolError(f"A message is a JSON object, got {type(raw).__name__}.")
    request_id = raw.get("request_id")
    name = raw.get("type") if isinstance(raw.get("type"), str) else None
    try:
        _check_shape(raw)
        _check_size(raw)
        _check_values(raw)
        _check_envelope(raw)
        cls = INTENTS.get(name)
        if cls is None:
            raise ProtocolError(
                f"Unknown message type {raw.get('type')!r}. Known types: {', '.join(INTENTS)}."
            )
        fields = {k: v for k, v in raw.items() if k not in ("type", "version")}
        return _build(cls, fields, name)
    except ProtocolError as exc:
        exc.intent = exc.intent or (name if name in INTENTS else None)
        exc.request_id = request_id if _echoable(request_id) else None
        raise


def json_values(value, where: str):
    """(item, where, depth) for `value` and everything in it, dict keys included (at their
    dict's depth), parents before children. An explicit stack, not recursion: any depth is safe."""
    stack = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        yield item, path, depth
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in reversed(item.items()))
            stack.extend((k, f"a key of {path}", depth) for k in reversed(item))
        elif isinstance(item, (list, tuple)):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in reversed(list(enumerate(item))))


def unencodable(text: str, where: str) -> str | None:
    """Why `text` cannot be sent, or None: a lone UTF-16 surrogate (U+D800 to U+DFFF) has no
    UTF-8 encoding, so state holding one could never reach the browser."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"{where} contains a lone surrogate (U+{ord(text[exc.start]):04X}); text must be "
            "valid Unicode."
        )
    return None


def _parse(text):
    if len(text) > MAX_MESSAGE_BYTES:
        raise ProtocolError(_too_large(len(text)), "too_large")
    try:
        return json.loads(text)
    except RecursionError as exc:  # the parser recurses: only far deeper than MAX_DEPTH
        raise ProtocolError(_too_deep("The message"), "too_large") from exc
    except ValueError as exc:
        raise ProtocolError(f"The message is not valid JSON: {exc}.") from exc


def _echoable(request_id) -> bool:
    """Whether an error reply may echo `request_id` (a string the reply can carry)."""
    return (
        isinstance(request_id, str)
        and 0 < len(request_id) <= MAX_REQUEST_ID
        and unencodable(request_id, "request_id") is None
    )


def _too_large(size):
    return f"The message is {size:,} bytes; messages are limited to {MAX_MESSAGE_BYTES:,} bytes."


def _too_deep(where):
    return f"{where} is nested more than {MAX_DEPTH} levels deep."


def _check_shape(raw):
    """Nesting and the length of lists and objects, checked first and without recursion (a
    container is checked before its items are): only then may json.dumps read the message."""
    for value, where, depth in json_values(raw, "message"):
        if depth > MAX_DEPTH:
            raise ProtocolError(_too_deep(where), "too_large")
        if isinstance(value, (list, dict)) and len(value) > MAX_ITEMS:
            raise ProtocolError(
                f"{where} has {len(value):,} items; the limit is {MAX_ITEMS:,}.", "too_large"
            )


def _check_values(raw):
    """Each string within its length and valid Unicode; each number finite."""
    for value, where, _ in json_values(raw, "message"):
        if isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ProtocolError("Numbers in a message must be finite (no NaN or Infinity).")


def _check_text(text, where):
    if len(text) > MAX_STRING:
        raise ProtocolError(
            f"{where} is a string of {len(text):,} characters; the limit is {MAX_STRING:,}.",
            "too_large",
        )
    problem = unencodable(text, where)
    if problem is not None:
        raise ProtocolError(problem)


def _check_size(raw):
    try:
        text = json.dumps(raw)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"A message must be plain JSON: {exc}.") from exc
    if len(text) > MAX_MESSAGE_BYTES:
        raise ProtocolError(_too_large(len(text)), "too_large")


def _check_envelope(raw):
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProtocolError(
            f"Every message needs 'version' (the integer {PROTOCOL_VERSION}), got {version!r}."
        )
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"The widget's front end speaks protocol version {version} and the kernel speaks "
            f"version {PROTOCOL_VERSION}. Upgrade model-workbench so both match, then restart "
            "the kernel and reload the page.",
            "version_mismatch",
        )
    if "type" not in raw or not isinstance(raw["type"], str):
        raise ProtocolError(f"Every message needs 'type' (a string), got {raw.get('type')!r}.")


def _build(cls, fields: dict, where: str):
    hints = typing.get_type_hints(cls, include_extras=True)
    known = {f.name: f for f in dataclasses.fields(cls)}
    extra = sorted(set(fields) - set(known))
    if extra:
        raise ProtocolError(
            f"{where} does not take {', '.join(map(repr, extra))}; "
            f"its fields are {', '.join(known) or 'none'}."
        )
    values = {}
    for name, spec in known.items():
        required = spec.default is dataclasses.MISSING
        if name not in fields:
            if required:
                raise ProtocolError(f"{where} needs {name!r}.")
            continue
        values[name] = _convert(hints[name], fields[name], f"{where}.{name}")
    return cls(**values)


def _convert(hint, value, where):
    """`value` checked against the annotation `hint` (and converted to dataclasses)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        converted = _convert(args[0], value, where)
        for bound in args[1:]:
            if isinstance(bound, Range):
                size = len(value) if isinstance(value, (str, list, dict)) else value
                bound.check(value, size, where)
        return converted
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        return _convert(options[0] if len(options) == 1 else Any, value, where)
    if origin is Literal:
        if value not in args:
            raise ProtocolError(
                f"{where} must be one of {', '.join(map(repr, args))}, got {value!r}."
            )
        return value
    if origin is list:
        _expect(isinstance(value, list), where, "a list", value)
        return [_convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        _expect(isinstance(value, dict), where, "an object", value)
        return {k: _convert(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        _expect(isinstance(value, dict), where, f"an object ({hint.__name__})", value)
        return _build(hint, value, where)
    return _scalar(hint, value, where)


def _scalar(hint, value, where):
    if hint is Any:
        return value
    if hint is bool:
        _expect(isinstance(value, bool), where, "true or false", value)
    elif hint is int:
        _expect(isinstance(value, int) and not isinstance(value, bool), where, "an integer", value)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        _expect(ok and _finite(value), where, "a finite number", value)
        return float(value)
    elif hint is str:
        _expect(isinstance(value, str), where, "a string", value)
    else:  # pragma: no cover - a schema bug, not a message bug
        raise TypeError(f"protocol.py cannot check annotation {hint!r} at {where}.")
    return value


def _finite(number) -> bool:
    """Whether a JSON number is a finite float (an integer too large for one is not)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _expect(ok, where, what, value):
    if not ok:
        shown = repr(value) if len(repr(value)) <= 80 else f"a {type(value).__name__}"
        raise ProtocolError(f"{where} must be {what}, got {shown}.")


# --------------------------------------------------------------- what the kernel sends
def event(type_: str, **fields) -> dict:
    """An outgoing message: the envelope plus `fields` (arrays are encoded by workbench.codec)."""
    if type_ not in EVENTS:
        raise ValueError(f"{type_!r} is not a protocol event; events are {', '.join(EVENTS)}.")
    return {"type": type_, "version": PROTOCOL_VERSION, **fields}


def ack(request_id: str | None, result: dict | None = None) -> dict:
    return event("ack", request_id=request_id, result=result or {})


def error(exc: ProtocolError) -> dict:
    return event(
        "error",
        request_id=exc.request_id,
        code=exc.code,
        message=str(exc),
        intent=exc.intent,
    )


def state(values: dict) -> dict:
    """Trait values for transports without synced traits (the sidebar comm)."""
    return event("state", state=values)
