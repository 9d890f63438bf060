"""The notebook widgets: user-facing classes (api.py) over anywidget views (views.py)."""

from workbench.widgets.api import GraphEditor, Inspector, Playground, TrainingDashboard, Workbench

__all__ = ["GraphEditor", "Inspector", "Playground", "TrainingDashboard", "Workbench"]
