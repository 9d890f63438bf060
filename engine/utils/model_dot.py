"""keras.utils.model_to_dot: a model's graph as a pydot graph, for Graphviz to lay out.

The boxes and edges are plot_model's (engine/utils/model_graph.py); labels are Keras's HTML
tables; layers of a nested model drawn expanded sit in a dashed cluster named after it.
"""

from __future__ import annotations

import html

from engine.utils.model_graph import check_arguments, model_graph


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(
            "model_to_dot builds a pydot graph, and pydot is not installed: pip install pydot "
            "(and Graphviz to render it). plot_model draws a model without either."
        ) from None
    return pydot


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """A pydot.Dot of the model (a pydot.Cluster with `subgraph`), with Keras's graph
    attributes: one node per call of a layer or op, an edge per connection."""
    check_arguments("model_to_dot", model, rankdir, splines, kwargs)
    pydot = _pydot()
    boxes, edges = model_graph(model, show_shapes, show_dtype, show_layer_names,
                               expand_nested, show_layer_activations, show_trainable)
    if subgraph:
        dot = _cluster(pydot, model.name)
    else:
        dot = pydot.Dot(rankdir=rankdir, concentrate=True, dpi=dpi, splines=splines)
        dot.set_node_defaults(shape="record")
    names = {box_id: f"node{i}" for i, box_id in enumerate(boxes)}
    colspan = max(1, int(show_dtype) + int(show_trainable) + 2 * int(show_shapes))
    clusters = {"": dot}
    for box_id, box in boxes.items():
        node = pydot.Node(names[box_id], label=_label(box, colspan), fontname="Helvetica",
                          border="0", margin="0")
        _cluster_of(pydot, clusters, box.group).add_node(node)
    for source, target in edges:
        dot.add_edge(pydot.Edge(names[source], names[target], penwidth="2"))
    return dot


def _cluster(pydot, name):
    return pydot.Cluster(graph_name=name, label=name, style="dashed", labeljust="l")


def _cluster_of(pydot, clusters, group):
    """The cluster for `group` ("outer/inner/"), made inside its parent's on first use."""
    if group not in clusters:
        parent = group[: group.rstrip("/").rfind("/") + 1]
        clusters[group] = _cluster(pydot, group.rstrip("/"))
        _cluster_of(pydot, clusters, parent).add_subgraph(clusters[group])
    return clusters[group]


def _label(box, colspan) -> str:
    """Keras's HTML-like table: the name in bold then the class, on black; the lines; the
    cells in a row, values in bold. `colspan` is Keras's count of the cells asked for."""
    name = html.escape(box.name or "")
    kind = html.escape(box.kind)
    header = f"<b>{kind}</b>" if box.name is None else f"<b>{name}</b> ({kind})"
    table = ['<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">',
             f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" '
             f'color="white">{header}</font></td></tr>']
    for label, value in box.lines:
        table.append(f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
                     f"{html.escape(label)}: <b>{html.escape(str(value))}</b></font></td></tr>")
    cells = []
    for label, value, fill in box.cells:
        if fill is None:
            cells.append(f'<td bgcolor="white"><font point-size="14">{html.escape(label)}: '
                         f"<b>{html.escape(value)}</b></font></td>")
        else:
            cells.append(f'<td bgcolor="{fill}"><font point-size="14" color="white">'
                         f"<b>{html.escape(label)}</b></font></td>")
    if cells:
        table.append(f"<tr>{''.join(cells)}</tr>")
    return "".join(table) + "</table>>"
