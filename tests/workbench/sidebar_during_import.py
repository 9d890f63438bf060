"""A fresh kernel whose sidebar panel talks to it while a cell imports workbench's widgets.

Run as a script by test_sidebar_import_race.py (it needs an interpreter where nothing of
workbench is imported yet). A stand-in IPython kernel runs two cells, `import workbench as wb`
and `wb.TrainingDashboard`. After each cell, and whenever a module of the widgets is about to
be imported, the panel acts on another thread (as a kernel subshell answers it): it connects
if the comm target is there and asks for the state, or asks for a refresh. Prints, as JSON,
how many requests it sent, the type of every reply, every error the sidebar logged and how
often the panel acted during an import of the widgets.
"""

import importlib.abc
import json
import logging
import sys
import threading

import comm
import IPython
from kernel_stand_in import CommManager, Shell  # beside this script

WIDGET_MODULES = ("workbench.widgets.views", "anywidget")


class Comm:
    """The kernel's end of the panel's comm: what it was sent, and the handler to send to."""

    def __init__(self):
        self.sent, self.receive = [], None

    def on_msg(self, handler):
        self.receive = handler

    def on_close(self, _handler):
        pass

    def send(self, data, buffers=None):
        self.sent.append(data)


class Panel:
    """The sidebar in the browser: connects once the target exists and asks for the state,
    then asks for a refresh (what the sidebar's poller does while a cell runs)."""

    def __init__(self, manager):
        self.manager, self.comm, self.requests = manager, None, 0

    def act(self):
        from_subshell = threading.Thread(target=self._act)
        from_subshell.start()
        from_subshell.join()

    def _act(self):
        target = self.manager.targets.get("model-workbench")
        if target is None:
            return  # "not imported": the panel tries again later
        if self.comm is None:
            self.comm = Comm()
            target(self.comm, {"content": {"data": {}}})
        kind = "refresh" if self.requests else "ready"
        self.requests += 1
        request = {"type": kind, "version": 1, "request_id": str(self.requests)}
        self.comm.receive({"content": {"data": request}})


class WhileImporting(importlib.abc.MetaPathFinder):
    """Lets the panel act just before a widget module is imported; imports nothing itself."""

    def __init__(self, panel):
        self.panel, self.times = panel, 0

    def find_spec(self, name, path=None, target=None):
        if name in WIDGET_MODULES:
            self.times += 1
            self.panel.act()
        return None


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        error = record.exc_info[1] if record.exc_info else None
        self.messages.append(f"{record.getMessage()}: {error!r}")


def main():
    shell, manager = Shell(), CommManager()
    IPython.get_ipython = lambda: shell
    comm.get_comm_manager = lambda: manager
    panel = Panel(manager)
    importing = WhileImporting(panel)
    sys.meta_path.insert(0, importing)
    errors = Errors()
    logging.getLogger("workbench").addHandler(errors)
    for cell in ("import workbench as wb", "wb.TrainingDashboard"):
        shell.events.trigger("pre_run_cell", None)
        exec(cell, shell.user_ns)
        shell.events.trigger("post_run_cell", None)
        panel.act()
    replies = [] if panel.comm is None else [m["type"] for m in panel.comm.sent]
    result = {"requests": panel.requests, "replies": replies, "errors": errors.messages}
    print(json.dumps({**result, "during": importing.times}))


if __name__ == "__main__":
    main()
