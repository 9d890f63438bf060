"""From a browser message to the session's handler and back: the same for every transport.

`handle(session, raw)` validates, routes and returns the replies (an `ack` or an `error`) as
protocol dicts; state changes and events reach the transport through the session's
listeners, before the reply. An error of any kind leaves the session as it was and becomes an
`error` reply: nothing is raised into the kernel.
"""

from __future__ import annotations

import logging

from engine.errors import EngineError
from workbench import protocol
from workbench.errors import WorkbenchError
from workbench.protocol import Intent, ProtocolError

log = logging.getLogger(__name__)


def handle(session, raw, buffers=()) -> list:
    """Replies to one raw message (a dict or JSON text) sent to `session`."""
    if buffers:
        return [protocol.error(ProtocolError("The browser sends no binary buffers; got some."))]
    try:
        message = protocol.validate(raw)
    except ProtocolError as exc:
        return [protocol.error(exc)]
    return route(session, message)


def route(session, message: Intent) -> list:
    """Replies to one validated message."""
    handler = session.handler(message.type)
    try:
        if handler is None:
            raise ProtocolError(
                f"The {session.title} does not handle {message.type!r} messages; it handles "
                f"{', '.join(['ready', *session.handlers])}."
            )
        result = handler(message) or {}
    except ProtocolError as exc:
        return [protocol.error(_fill(exc, message))]
    except (WorkbenchError, EngineError) as exc:
        return [protocol.error(_fill(ProtocolError(str(exc), "rejected"), message))]
    except Exception as exc:  # a bug: report it in the widget, keep the kernel alive
        log.exception("Handling %r failed", message.type)
        text = f"Internal error while handling {message.type!r}: {type(exc).__name__}: {exc}"
        return [protocol.error(_fill(ProtocolError(text, "internal"), message))]
    return [protocol.ack(message.request_id, result)] if message.request_id else []


def _fill(exc: ProtocolError, message: Intent) -> ProtocolError:
    exc.intent, exc.request_id = message.type, message.request_id
    return exc
