"""The transport between a Session and an anywidget view: synced traits and custom messages.

A SessionWidget mirrors its session's state into synced traits, sends the session's events
(encoded by workbench.codec) as custom messages with buffers, and hands every message from
the browser to workbench.router. It holds no state of its own.
"""

from __future__ import annotations

import pathlib

import anywidget
import traitlets

from workbench import codec, router
from workbench.protocol import PROTOCOL_VERSION
from workbench.session import StateUpdate

STATIC = pathlib.Path(__file__).parent.parent / "static"

MISSING_FRONT_END = """
export default { render({ el }) {
  el.textContent = "The %s view is not built: run `jlpm build:widgets` in labextension/ "
    + "(released packages ship it).";
} };
"""


def esm(name: str):
    """The bundled ES module workbench/static/<name>.js, or a stand-in saying it is missing."""
    path = STATIC / f"{name}.js"
    return path if path.is_file() else MISSING_FRONT_END % name.replace("_", " ")


class SessionWidget(anywidget.AnyWidget):
    protocol_version = traitlets.Int(PROTOCOL_VERSION).tag(sync=True)

    def __init__(self, session, **kwargs):
        super().__init__(**kwargs)
        self.session = session
        self._apply(session.state())
        session.subscribe(self._on_update)
        self.on_msg(lambda _widget, content, buffers: self.receive(content, buffers))

    def receive(self, content, buffers=()) -> None:
        """One message from the browser: route it, then send the replies."""
        for reply in router.handle(self.session, content, buffers or ()):
            self.send(reply)

    def _on_update(self, update) -> None:
        if isinstance(update, StateUpdate):
            self._apply(update.values)
        else:
            content, buffers = codec.encode(update)
            self.send(content, buffers)

    def _apply(self, values: dict) -> None:
        with self.hold_sync():
            for name, value in values.items():
                setattr(self, name, value)
