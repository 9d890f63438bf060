"""The anywidget classes: synced traits (docs/protocol.md) and the ES module of each view.

Nothing else lives here: state and behaviour are the sessions', the wire is SessionWidget's.
"""

from __future__ import annotations

import traitlets
from ipywidgets import widget_serialization

from workbench.widgets.base import SessionWidget, esm


def _json(kind=traitlets.Dict, **kwargs):
    return kind(allow_none=True, **kwargs).tag(sync=True)


class GraphEditorView(SessionWidget):
    _esm = esm("graph_editor")
    graph = _json()
    palette = _json(traitlets.List)
    history = _json()
    selection = _json(traitlets.Unicode)
    code = _json(traitlets.Unicode)
    diagnostics = _json(traitlets.List)


class TrainingTraits(SessionWidget):
    status = _json()
    backends = _json(traitlets.List)
    series = _json(traitlets.List)
    data = _json()
    config = _json()


class DashboardView(TrainingTraits):
    _esm = esm("dashboard")


class InspectorView(SessionWidget):
    _esm = esm("inspector")
    nodes = _json(traitlets.List)
    selected_node = _json(traitlets.Unicode)
    selected_sample = _json(traitlets.Int)
    samples = _json(traitlets.Int)
    report = _json()
    capture = _json()
    diagnostics = _json(traitlets.List)
    findings = _json(traitlets.List)


class PlaygroundView(TrainingTraits):
    _esm = esm("playground")
    dataset = _json()
    settings = _json()
    epoch = _json(traitlets.Int)
    resolution = _json(traitlets.Int)
    extent = _json(traitlets.List)


class WorkbenchView(SessionWidget):
    _esm = esm("workbench")
    tab = _json(traitlets.Unicode)
    children = traitlets.Dict().tag(sync=True, **widget_serialization)
