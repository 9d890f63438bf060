"""plot_model (drawn with matplotlib) and model_to_dot (pydot): the graph Keras draws, boxes
that do not overlap, text inside its box, edges that cross no box, every rankdir and file
type."""

from __future__ import annotations

import sys

import keras
import numpy as np
import pytest

import engine
from engine import utils
from engine.utils import plotting
from engine.utils.model_graph import model_graph

pytest.importorskip("matplotlib")

EVERYTHING = {"show_shapes": True, "show_dtype": True, "show_layer_names": True,
              "show_layer_activations": True, "show_trainable": True}


def _branchy(library):
    """Two inputs, two outputs, a skip connection, a frozen layer (and an op node in the
    engine's)."""
    layers = library.layers
    a, b = layers.Input((8,), name="a"), layers.Input((3,), name="b")
    x = layers.Dense(4, activation="relu", name="d1")(a)
    y = layers.Dense(4, name="d2", trainable=False)(b)
    added = layers.Add(name="add")([x, y])
    joined = layers.Concatenate(name="cat")([added, a])
    out = layers.Dense(2, name="out")(joined)
    return library.Model([a, b], [out, added], name="branchy")


def _sequential(library):
    layers = library.layers
    return library.Sequential([layers.Input((5,), name="x"), layers.Dense(3, name="h"),
                               layers.Dropout(0.5, name="dr"), layers.Dense(1, name="o")])


def _nested():
    layers = engine.layers
    block = engine.Sequential([layers.Input((4,)), layers.Dense(4, name="inner_1"),
                               layers.Dense(4, name="inner_2")], name="block")
    x = layers.Input((4,), name="x")
    y = layers.Dense(4, name="before")(x)
    z = layers.Add(name="join")([block(y), y[:, ::-1]])
    return engine.Model(x, layers.Dense(1, name="after")(z))


def test_model_graph_has_a_box_per_call_and_the_connections():
    boxes, edges = model_graph(_branchy(engine), **{**EVERYTHING, "show_dtype": False})
    assert list(boxes) == ["a", "b", "d1", "d2", "add", "cat", "out"]
    assert set(edges) == {("a", "d1"), ("b", "d2"), ("d1", "add"), ("d2", "add"),
                          ("add", "cat"), ("a", "cat"), ("cat", "out")}
    assert boxes["d1"].header == "d1 (Dense)"
    assert boxes["d1"].lines == [("Activation", "relu")]
    assert boxes["add"].cells == [("Input shape", "[(None, 4), (None, 4)]", None),
                                  ("Output shape", "(None, 4)", None)]
    assert boxes["d2"].cells[-1] == ("Non-trainable", None, "firebrick")
    assert boxes["a"].cells == [("Output shape", "(None, 8)", None)]


def test_expand_nested_draws_the_inner_layers():
    boxes, edges = model_graph(_nested(), expand_nested=True, show_layer_names=True)
    assert "block/inner_1" in boxes and "block" not in boxes
    assert {("before", "block/inner_1"), ("block/inner_1", "block/inner_2"),
            ("block/inner_2", "join"), ("before", "get_item"), ("get_item", "join")} <= set(edges)
    assert boxes["get_item"].kind == "GetItem"
    boxes, edges = model_graph(_nested())
    assert ("before", "block") in edges and boxes["block"].header == "Sequential"


def test_a_subclassed_model_is_one_box():
    class Custom(engine.Model):
        def __init__(self):
            super().__init__()
            self.dense = engine.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Custom()
    model(np.zeros((1, 3), "float32"))
    boxes, edges = model_graph(model, show_layer_names=True)
    assert [box.header for box in boxes.values()] == [f"{model.name} (Custom)"] and not edges


def _geometry(figure):
    """(rectangles, (text, its rectangle) pairs, edge paths) in display coordinates."""
    from matplotlib.patches import PathPatch, Rectangle

    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    axes = figure.axes[0]
    rectangles = [patch.get_window_extent(renderer) for patch in axes.patches
                  if isinstance(patch, Rectangle)]
    texts = [text.get_window_extent(renderer) for text in axes.texts]
    paths = [patch.get_path().transformed(patch.get_transform())
             for patch in axes.patches if isinstance(patch, PathPatch)]
    return rectangles, list(zip(texts, rectangles)), paths


def _overlap(first, second) -> float:
    width = min(first.x1, second.x1) - max(first.x0, second.x0)
    height = min(first.y1, second.y1) - max(first.y0, second.y0)
    return max(width, 0) * max(height, 0)


def _crosses(start, end, box, inset=1.0) -> bool:
    """Whether the segment passes through the box's interior (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box.x0 + inset, box.y0 + inset, box.x1 - inset, box.y1 - inset
    low, high = 0.0, 1.0
    delta = (end[0] - start[0], end[1] - start[1])
    for p, q in ((-delta[0], start[0] - x0), (delta[0], x1 - start[0]),
                 (-delta[1], start[1] - y0), (delta[1], y1 - start[1])):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
    return low < high


@pytest.mark.parametrize("rankdir, splines", [("TB", "ortho"), ("LR", "polyline"),
                                              ("BT", "ortho"), ("RL", "line")])
@pytest.mark.parametrize("build", [lambda: _branchy(engine), _nested])
def test_boxes_apart_text_inside_edges_around(build, rankdir, splines):
    boxes, edges = model_graph(build(), expand_nested=True, **EVERYTHING)
    figure = plotting._draw(boxes, edges, rankdir, splines, dpi=72)
    rectangles, texts, paths = _geometry(figure)
    for i, first in enumerate(rectangles):
        for second in rectangles[i + 1:]:
            assert _overlap(first, second) < 1.0  # cells of a box share their borders only
    for text, rectangle in texts:
        assert (rectangle.x0 <= text.x0 and text.x1 <= rectangle.x1
                and rectangle.y0 <= text.y0 and text.y1 <= rectangle.y1)
    assert len(paths) == len(edges)
    for path in paths:
        for start, end in zip(path.vertices, path.vertices[1:]):
            assert not any(_crosses(start, end, rectangle) for rectangle in rectangles)


def test_plot_model_writes_a_png_and_returns_an_image(tmp_path):
    from IPython import display

    image = utils.plot_model(_branchy(engine), to_file=tmp_path / "model.png", dpi=50)
    assert isinstance(image, display.Image)
    assert (tmp_path / "model.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("name, magic", [("m.svg", b"<?xml"), ("m.pdf", b"%PDF"),
                                         ("m.jpg", b"\xff\xd8")])
def test_plot_model_writes_what_the_extension_says(tmp_path, name, magic):
    result = utils.plot_model(_sequential(engine), to_file=str(tmp_path / name),
                              splines="spline", dpi=50)
    assert (tmp_path / name).read_bytes().startswith(magic)
    assert (result is None) == name.endswith(".pdf")


@pytest.mark.parametrize(
    "arguments, message",
    [({"rankdir": "TD"}, "rankdir"), ({"splines": "wavy"}, "splines"),
     ({"layer_range": ["a", "b"]}, "layer_range"), ({"colour": "red"}, "colour")],
)
def test_bad_arguments_are_refused(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        utils.plot_model(_sequential(engine), to_file=tmp_path / "m.png", **arguments)
    assert not (tmp_path / "m.png").exists()


def test_an_unbuilt_model_is_refused(tmp_path):
    model = engine.Sequential([engine.layers.Dense(2)])
    with pytest.raises(ValueError, match="not been built"):
        utils.plot_model(model, to_file=tmp_path / "m.png")


def test_missing_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    for name in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        utils.plot_model(_sequential(engine), to_file=tmp_path / "m.png")


def _dot_graph(dot):
    """(node labels, (source label, target label) edges), sorted, of a pydot graph."""
    labels = {node.get_name(): node.get("label") for node in dot.get_nodes()
              if node.get("label")}
    edges = sorted((labels[edge.get_source()], labels[edge.get_destination()])
                   for edge in dot.get_edges())
    return sorted(labels.values()), edges


@pytest.mark.parametrize("build", [_branchy, _sequential])
@pytest.mark.parametrize("options", [{}, EVERYTHING, {"show_layer_names": False,
                                                      "show_shapes": True, "rankdir": "LR"}])
def test_model_to_dot_matches_keras(build, options):
    pytest.importorskip("pydot")
    ours = utils.model_to_dot(build(engine), **options)
    theirs = keras.utils.model_to_dot(build(keras), **options)
    assert _dot_graph(ours) == _dot_graph(theirs)
    assert ours.get_attributes() == theirs.get_attributes()


def test_model_to_dot_puts_an_expanded_model_in_a_cluster():
    pytest.importorskip("pydot")
    dot = utils.model_to_dot(_nested(), expand_nested=True)
    (cluster,) = dot.get_subgraphs()
    assert cluster.get_name() == "cluster_block"
    assert len(cluster.get_nodes()) == 2


def test_model_to_dot_without_pydot_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        utils.model_to_dot(_sequential(engine))
