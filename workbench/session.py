"""The kernel-side state behind one view, with no Jupyter in it.

A Session holds what a view renders (`state()`: the synced traits, by name), handles intents
(methods named in `handlers`), and tells its listeners when state changed or an event (curves,
grids) is ready. Widgets and the sidebar comm are listeners; tests can be too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Event:
    """An outgoing event; `fields` may hold NumPy arrays, which workbench.codec turns into
    buffers."""

    type: str
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StateUpdate:
    """New values of some traits."""

    values: dict


class Session:
    title: ClassVar[str] = "view"
    handlers: ClassVar[dict] = {}  # intent type -> method name

    def __init__(self):
        self._listeners: list = []
        self._publish_lock = threading.RLock()

    # ------------------------------------------------------------------ subclass interface
    def state(self) -> dict:
        """Every trait value, JSON-serialisable."""
        return {}

    def snapshot_events(self) -> list:
        """Events replaying what only events carry (full curves, grids), for a new view."""
        return []

    # ------------------------------------------------------------------------- plumbing
    def handler(self, intent_type: str):
        name = self.handlers.get(intent_type)
        if name is None and intent_type != "ready":
            return None
        return getattr(self, name) if name else self.ready

    def ready(self, _message) -> dict:
        for item in self.snapshot_events():
            self.emit(item)
        return {}

    def subscribe(self, listener):
        """Call `listener(update)` with each StateUpdate and Event; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish_state(self, *names) -> None:
        """Tell listeners the new values of `names` (every trait when none are named).

        The values are read under the publishing lock: when the training thread and the kernel
        publish at once, the last values sent are the latest (a fast fit's "finished" is not
        overtaken by the "running" read before it)."""
        with self._publish_lock:
            values = self.state()
            if names:
                values = {name: values[name] for name in names}
            self._notify(StateUpdate(values))

    def emit(self, item: Event) -> None:
        self._notify(item)

    def _notify(self, update) -> None:
        with self._publish_lock:  # the training thread and the kernel may both publish
            for listener in list(self._listeners):
                listener(update)
