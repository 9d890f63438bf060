"""The comm the JupyterLab sidebar talks to: target COMM_TARGET, registered on `import workbench`
in an IPython kernel.

Each panel that opens a comm gets its own SidebarSession over the user namespace. Messages are
the widget protocol (docs/protocol.md): the panel sends intents, the kernel answers with `ack`
or `error` and sends `state` events with the traits that changed. The session is updated after
every cell and, while a cell runs or a dashboard trains, at most every POLL_INTERVAL seconds
from a background thread, so the panel follows training live without flooding the browser.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from workbench import codec, protocol, router
from workbench.session import StateUpdate
from workbench.sidebar_session import SidebarSession

COMM_TARGET = "model-workbench"
POLL_INTERVAL = 0.5  # seconds

log = logging.getLogger(__name__)


class SidebarComm:
    """One panel: its session, and the comm to it."""

    def __init__(self, comm, session: SidebarSession, on_close=None):
        self.comm = comm
        self.session = session
        self._on_closed = on_close
        self._unsubscribe = session.subscribe(self._send_update)
        comm.on_msg(self.receive)
        comm.on_close(self._closed)

    def receive(self, message: dict) -> None:
        """One comm message from the panel: route it, then send the replies."""
        content = message.get("content", {}).get("data")
        for reply in router.handle(self.session, content, message.get("buffers") or ()):
            self.comm.send(reply)

    def _send_update(self, update) -> None:
        if isinstance(update, StateUpdate):
            self.comm.send(protocol.state(update.values))
        else:
            content, buffers = codec.encode(update)
            self.comm.send(content, buffers=buffers)

    def _closed(self, _message=None) -> None:
        self._unsubscribe()
        self.session.close()
        if self._on_closed is not None:
            self._on_closed(self)


class SidebarTarget:
    """The comm target in one kernel: opens sessions, forwards cell events, polls while busy."""

    def __init__(self, shell, comm_manager):
        self.shell = shell
        self.executing = False  # a cell is running (a panel may connect meanwhile, via a subshell)
        self.panels: list[SidebarComm] = []
        self._lock = threading.Lock()
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()
        comm_manager.register_target(COMM_TARGET, self.open)
        shell.events.register("pre_run_cell", self._cell_started)
        shell.events.register("post_run_cell", self._cell_finished)

    def open(self, comm, _message) -> None:
        session = SidebarSession(self.shell.user_ns, executing=self.executing)
        panel = SidebarComm(comm, session, on_close=self._forget)
        with self._lock:
            self.panels.append(panel)
            if self._poller is None or not self._poller.is_alive():
                self._stop.clear()
                self._poller = threading.Thread(
                    target=self._poll, name="workbench-sidebar", daemon=True
                )
                self._poller.start()

    def _forget(self, panel: SidebarComm) -> None:
        with self._lock:
            if panel in self.panels:
                self.panels.remove(panel)
            if not self.panels:
                self._stop.set()

    def _each(self, action) -> None:
        for panel in list(self.panels):
            try:
                action(panel.session)
            except Exception:  # the panel shows stale data; the kernel must not see this
                log.exception("The workbench sidebar could not update")

    def _cell_started(self, *_info) -> None:
        self.executing = True
        self._each(SidebarSession.cell_started)

    def _cell_finished(self, *_result) -> None:
        self.executing = False
        self._each(SidebarSession.cell_finished)

    def _poll(self) -> None:
        while not self._stop.wait(POLL_INTERVAL):
            self._each(lambda session: session.update() if session.busy else None)

    def close(self) -> None:
        self._stop.set()
        self.shell.events.unregister("pre_run_cell", self._cell_started)
        self.shell.events.unregister("post_run_cell", self._cell_finished)


_target: SidebarTarget | None = None


def register(shell) -> SidebarTarget:
    """Register the sidebar's comm target in the IPython kernel running `shell`, once."""
    global _target
    if _target is None:
        import comm

        _import_widgets()
        _target = SidebarTarget(shell, comm.get_comm_manager())
    return _target


def _import_widgets() -> None:
    """Import the widgets before the panel can connect. Its messages and the poller run on other
    threads while cells run; left to a cell's first `wb.Inspector(...)`, the import could be
    half done when they scan the namespace for dashboards (namespace.py reads the widgets)."""
    with contextlib.suppress(ImportError):  # no anywidget: the panel says so on open_view
        import workbench.widgets  # noqa: F401
