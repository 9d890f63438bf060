"""Model Workbench's Jupyter side: widgets and the kernel comm the JupyterLab sidebar talks to.

    import workbench as wb
    wb.Workbench(data=wb.datasets.spirals())

The core (protocol, sessions, draft graph, training session, datasets) has no Jupyter import;
the widgets are imported on first use, so the core works where anywidget is not installed (in
a kernel, with workbench, before the sidebar can connect: see sidebar.register).
"""

import sys

from workbench import datasets

WIDGETS = ("GraphEditor", "Inspector", "Playground", "TrainingDashboard", "Workbench")


def __getattr__(name):
    if name in WIDGETS:
        from workbench import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def _register_sidebar() -> None:
    """In an IPython kernel, let the JupyterLab sidebar connect (workbench/sidebar.py)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if getattr(shell, "kernel", None) is not None:
        from workbench import sidebar

        sidebar.register(shell)


_register_sidebar()

__all__ = ["datasets", *WIDGETS]
