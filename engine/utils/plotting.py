"""keras.utils.plot_model: a model's graph drawn with matplotlib, no Graphviz needed.

Each call of a layer or op is a box showing what the arguments ask for (Keras's label: name
and class, activation, input and output shapes, dtype, trainable; engine/utils/model_graph.py),
placed in ranks by engine/utils/graph_layout.py, with arrows that never cross a box.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.utils import graph_layout
from engine.utils.model_graph import Box, cell_text, check_arguments, model_graph

HEADER_SIZE, CELL_SIZE = 11.0, 9.0  # points
PAD = 6.0  # points around text in a cell
HEADER_COLOURS = ("#202020", "#1f4e79", "#5b2c6f", "#7b3f00", "#0b5345")  # by nesting
EDGE_COLOUR, ARROW = "#404040", 8.0  # the arrowhead's length, in points


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho",
               **kwargs):
    """Draw the model's graph to `to_file` in any format matplotlib writes (png by default;
    also svg, pdf, jpg...); returns an IPython image of it (None for a pdf, or without
    IPython), which a notebook displays."""
    check_arguments("plot_model", model, rankdir, splines, kwargs)
    boxes, edges = model_graph(model, show_shapes, show_dtype, show_layer_names,
                               expand_nested, show_layer_activations, show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    figure = _draw(boxes, edges, rankdir, splines, dpi)
    figure.savefig(to_file, format=extension, dpi=dpi)
    if extension == "pdf":
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=to_file)
    return display.Image(filename=to_file)


def _matplotlib():
    try:
        from matplotlib.backends import backend_agg
        from matplotlib.figure import Figure
        from matplotlib.font_manager import FontProperties
    except ImportError:
        raise ImportError("plot_model draws with matplotlib, which is not installed: "
                          "pip install matplotlib.") from None
    return Figure, backend_agg, FontProperties


@dataclass
class _Measured:
    """A box's rows in points: [(height, [(text, width, fill, bold)])], and its size."""

    rows: list
    width: float
    height: float


def _measure(box: Box, text_size) -> _Measured:
    """The box's rows: the header, each line, the cells side by side (a filled cell, such as
    "Trainable", in bold)."""
    cells = [[(box.header, "header", True)]]
    cells += [[(cell_text(*line), None, False)] for line in box.lines]
    if box.cells:
        cells.append([(cell_text(label, value), fill, fill is not None)
                      for label, value, fill in box.cells])
    rows = []
    for row in cells:
        size = HEADER_SIZE if row[0][1] == "header" else CELL_SIZE
        rows.append((size * 1.4 + 2 * PAD, [(text, text_size(text, size, bold), fill, bold)
                                            for text, fill, bold in row]))
    width = max(sum(cell[1] + 2 * PAD for cell in row) for _, row in rows)
    return _Measured(rows, width, sum(height for height, _ in rows))


def _draw(boxes, edges, rankdir, splines, dpi):
    """A matplotlib Figure of the graph, one point of layout per point of the figure."""
    figure_class, backend_agg, font = _matplotlib()
    renderer = backend_agg.RendererAgg(1, 1, 72)  # 72 dpi: one pixel per point

    def text_size(text, size, bold):
        properties = font(size=size, weight="bold" if bold else "normal")
        return renderer.get_text_width_height_descent(text, properties, ismath=False)[0]

    measured = {box_id: _measure(box, text_size) for box_id, box in boxes.items()}
    across_is_x = rankdir in ("TB", "BT")
    sizes = {box_id: (m.width, m.height) if across_is_x else (m.height, m.width)
             for box_id, m in measured.items()}
    placed = graph_layout.layout(list(boxes), edges, sizes, gap_across=24.0,
                                 gap_along=36.0, lane_gap=8.0,
                                 port_gap=0.0 if splines == "ortho" else 14.0)
    margin = 12.0
    width, height = placed.extent if across_is_x else placed.extent[::-1]
    width, height = width + 2 * margin, height + 2 * margin

    def point(across, along):
        """Layout coordinates to figure points (y up): the first rank at the top for TB, at
        the bottom for BT, at the left for LR, at the right for RL."""
        full_across, full_along = placed.extent
        x, y = {"TB": (across, full_along - along), "BT": (across, along),
                "LR": (along, full_across - across),
                "RL": (full_along - along, full_across - across)}[rankdir]
        return x + margin, y + margin

    figure = figure_class(figsize=(width / 72, height / 72), dpi=dpi)
    backend_agg.FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()
    for legs in placed.legs.values():
        _draw_route(axes, legs, point, splines)
    for box_id, box in boxes.items():
        centre = point(*placed.centres[box_id])
        _draw_box(axes, box, measured[box_id], centre)
    return figure


def _draw_route(axes, legs, point, splines):
    """An edge as one path through its legs, ending in an arrowhead: in each gap between
    ranks it crosses over at its own lane ("ortho"), straight ("polyline", "line") or in a
    curve ("spline", "curved"); it runs straight through its waypoints' ranks."""
    from matplotlib.patches import FancyArrowPatch, PathPatch
    from matplotlib.path import Path

    vertices, codes = [point(*legs[0].start)], [Path.MOVETO]
    for leg in legs:
        (leave, arrive), (gap_in, gap_out) = (leg.start[0], leg.end[0]), leg.gap
        if splines == "ortho":
            points = [(leave, leg.lane), (arrive, leg.lane)]
            kinds = [Path.LINETO] * 2
        elif splines in ("polyline", "line"):
            points = [(leave, gap_in), (arrive, gap_out)]
            kinds = [Path.LINETO] * 2
        else:
            middle = (gap_in + gap_out) / 2
            points = [(leave, gap_in), (leave, middle), (arrive, middle), (arrive, gap_out)]
            kinds = [Path.LINETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
        vertices += [point(*p) for p in [leg.start, *points, leg.end]]
        codes += [Path.LINETO, *kinds, Path.LINETO]
    axes.add_patch(PathPatch(Path(vertices, codes), fill=False, linewidth=1.2,
                             edgecolor=EDGE_COLOUR, zorder=1))
    across, along = legs[-1].end  # the head points in the rank direction, whatever the curve
    axes.add_patch(FancyArrowPatch(point(across, along - ARROW), point(across, along),
                                   arrowstyle="-|>", mutation_scale=10, linewidth=1.2,
                                   color=EDGE_COLOUR, shrinkA=0, shrinkB=0, zorder=1))


def _draw_box(axes, box, measured, centre):
    """The box's rows from the top: the header on a dark fill, then its lines and cells."""
    from matplotlib.patches import Rectangle

    left = centre[0] - measured.width / 2
    top = centre[1] + measured.height / 2
    for height, cells in measured.rows:
        bottom = top - height
        total = sum(cell[1] + 2 * PAD for cell in cells)
        stretch = measured.width / total
        x = left
        for text, text_width, fill, bold in cells:
            cell_width = (text_width + 2 * PAD) * stretch
            depth = box.group.count("/")
            colour = HEADER_COLOURS[depth % len(HEADER_COLOURS)] if fill == "header" else fill
            axes.add_patch(Rectangle((x, bottom), cell_width, height, zorder=2,
                                     facecolor=colour or "white", edgecolor="#202020",
                                     linewidth=0.8))
            axes.text(x + cell_width / 2, bottom + height / 2, text, zorder=3,
                      ha="center", va="center_baseline",
                      fontsize=HEADER_SIZE if fill == "header" else CELL_SIZE,
                      fontweight="bold" if bold else "normal",
                      color="white" if fill is not None else "black")
            x += cell_width
        top = bottom
