"""What a user does with wb.GraphEditor() in JupyterLab, in a real browser."""

import json
import zipfile

from helpers import centre, open_notebook, run_all_cells, screenshot
from playwright.sync_api import expect

import engine
from engine.naming import snake_case
from workbench.palette import palette

PALETTE = palette()  # what the kernel's palette trait holds

EDITOR = ".wb-graph-editor"
CANVAS = f"{EDITOR} [data-testid=canvas]"


def node(name: str) -> str:
    return f"{EDITOR} [data-testid=node-{name}]"


def drop_layer(page, class_name: str, x_fraction: float, y_fraction: float) -> None:
    """Drags a palette item onto the canvas at a fraction of its size."""
    box = page.locator(CANVAS).bounding_box()
    page.locator(f"{EDITOR} .wb-palette-item[data-class={class_name}]").drag_to(
        page.locator(CANVAS),
        target_position={"x": box["width"] * x_fraction, "y": box["height"] * y_fraction},
    )


def connect(page, source: str, target: str, arg: int = 0) -> None:
    """Drags from `source`'s output port to `target`'s input port `arg` (a circle, or a list
    argument's pill)."""
    x, y = centre(page, f"{node(source)} circle[data-port=out]")
    tx, ty = centre(page, f"{node(target)} [data-port=in][data-index='{arg}']")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + tx) / 2, (y + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=5)
    page.mouse.up()


def run_editor_notebook(page, jupyter, name: str, ready: str) -> None:
    """Open the notebook, hide the file browser (more room for the canvas), run it, and wait
    for the `ready` selector in the editor it shows."""
    open_notebook(page, jupyter, name)
    page.keyboard.press("Control+b")
    run_all_cells(page)
    page.wait_for_selector(ready)


def shape_of(page, name: str) -> str:
    return page.locator(f"{node(name)} .wb-node-shape").inner_text()


def test_build_connect_error_undo(page, jupyter):
    run_editor_notebook(
        page, jupyter, "graph_editor.ipynb", f"{EDITOR} .wb-palette-item[data-class=Dense]"
    )
    counts = page.locator(f"{EDITOR} .wb-palette-count").all_inner_texts()
    categories = {entry["category"] for entry in PALETTE}
    assert len(counts) == len(categories) and sum(map(int, counts)) == len(PALETTE)
    page.click(f"{EDITOR} .wb-palette-heading[data-category=convolution]")

    # Two layers dragged from the palette, then connected.
    drop_layer(page, "InputLayer", 0.5, 0.15)
    page.wait_for_selector(node("input_layer"))
    drop_layer(page, "Dense", 0.5, 0.5)
    page.wait_for_selector(node("dense"))
    assert "wb-status-waiting" in page.get_attribute(node("dense"), "class")
    connect(page, "input_layer", "dense")
    page.wait_for_selector(
        f"{EDITOR} .wb-edge[data-edge='input_layer:0->dense:0']", state="attached"
    )
    expect(page.locator(f"{node('dense')} .wb-node-shape")).to_have_text("(None, 32)")
    assert shape_of(page, "input_layer") == "(None, 2)"
    assert page.locator(f"{node('dense')} .wb-node-params").inner_text() == "96 params"
    assert "valid model" in page.locator(f"{EDITOR} [data-testid=graph-status]").inner_text()
    screenshot(page, "editor-1-connected", page.locator(EDITOR))

    # Edit an argument in the form: the shape follows.
    page.locator(node("dense")).click()
    page.wait_for_selector(f"{EDITOR} [data-argument=units]")
    page.eval_on_selector(node("dense"), "element => { element.dataset.marked = 'yes'; }")
    page.fill(f"{EDITOR} [data-argument=units]", "8")
    page.press(f"{EDITOR} [data-argument=units]", "Enter")
    expect(page.locator(f"{node('dense')} .wb-node-shape")).to_have_text("(None, 8)")
    assert page.locator(f"{node('dense')} .wb-node-params").inner_text() == "24 params"
    # Only its texts changed: the node's element stays (200 rebuilt nodes cost a frame).
    assert page.get_attribute(node("dense"), "data-marked") == "yes"

    # A shape error: Conv2D wants (batch, height, width, channels), gets (None, 8).
    drop_layer(page, "Conv2D", 0.5, 0.85)
    page.wait_for_selector(node("conv2d"))
    connect(page, "dense", "conv2d")
    page.wait_for_selector(f"{node('conv2d')}.wb-status-error")
    error = page.locator(f"{node('conv2d')} .wb-node-error").inner_text()
    assert "conv2d" in error and "rank 4" in error, error
    assert page.locator(f"{EDITOR} .wb-node.wb-status-error").count() == 1  # on the right node only
    assert "wb-status-ok" in page.get_attribute(node("dense"), "class")
    screenshot(page, "editor-2-shape-error", page.locator(EDITOR))

    # Ctrl+Z undoes the connection (not a notebook cell operation); Ctrl+Shift+Z redoes it.
    page.locator(node("input_layer")).click()
    page.keyboard.press("Control+z")
    page.wait_for_selector(f"{EDITOR} .wb-node.wb-status-error", state="detached")
    assert page.locator(f"{EDITOR} .wb-edge[data-edge='dense:0->conv2d:0']").count() == 0
    assert page.locator(".jp-Notebook .jp-Cell").count() == 1
    page.keyboard.press("Control+Shift+z")
    page.wait_for_selector(f"{node('conv2d')}.wb-status-error")
    page.click(f"{EDITOR} [data-action=undo]")
    page.wait_for_selector(f"{EDITOR} .wb-node.wb-status-error", state="detached")
    screenshot(page, "editor-3-undone", page.locator(EDITOR))

    # Delete key removes the selected node; auto-layout and zoom work.
    page.locator(node("conv2d")).click()
    page.keyboard.press("Delete")
    page.wait_for_selector(node("conv2d"), state="detached")
    page.click(f"{EDITOR} [data-action=layout]")
    before = page.get_attribute(f"{CANVAS} .wb-layer", "transform")
    x, y = centre(page, CANVAS)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -300)
    expect(page.locator(f"{CANVAS} .wb-layer")).not_to_have_attribute("transform", before)
    screenshot(page, "editor-4-layout-zoom", page.locator(EDITOR))

    # Typing in the form is the form's: letters and Backspace are not notebook shortcuts
    # (no cell inserted) and not editor commands (no node deleted).
    page.locator(node("dense")).click()
    name = page.locator(f"{EDITOR} .wb-form-name")
    name.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("hiddenab")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    page.wait_for_selector(node("hidden"))
    assert page.locator(f"{EDITOR} .wb-node").count() == 2
    assert page.locator(".jp-Notebook .jp-Cell").count() == 1
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors


def test_extension_is_loaded(page, jupyter):
    """The prebuilt JupyterLab extension (workbench/labextension) is found and activated."""
    open_notebook(page, jupyter, "graph_editor.ipynb")
    config = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent)"
    )
    assert "model-workbench" in [ext["name"] for ext in config.get("federated_extensions", [])]
    assert any("Model Workbench extension is activated" in m for m in page.console_messages), (
        page.console_messages
    )


def test_export_buttons_outputs_and_diagnostic_badges(page, jupyter, tmp_path):
    run_editor_notebook(page, jupyter, "graph_editor_export.ipynb", node("score"))

    # The planted fault (every ReLU of `hidden` dead), found by engine.inspection, is a badge
    # on the right node; hovering it gives the diagnostic's message.
    badge = page.locator(f"{EDITOR} [data-testid=badge-hidden]")
    expect(badge).to_be_visible()
    assert page.locator(f"{EDITOR} .wb-badge").count() == 1
    assert "100% of ReLU units output 0" in badge.locator("title").text_content()
    assert "wb-diagnosed" in page.get_attribute(node("hidden"), "class")
    screenshot(page, "editor-5-diagnostic-badge", page.locator(EDITOR))

    # Export ▸ PyTorch code and weights: a zip with the module, the weights and how to load.
    page.click(f"{EDITOR} [data-action=export]")
    menu = page.locator(f"{EDITOR} [data-testid=export-menu]")
    expect(menu).to_be_visible()
    screenshot(page, "editor-6-export-menu", page.locator(EDITOR))
    menu.locator("select[data-role=framework]").select_option("torch")
    with page.expect_download() as download:
        menu.locator("[data-export=code]").click()
    assert download.value.suggested_filename == "model_torch.zip"
    path = tmp_path / "model_torch.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["README.md", "model.py", "weights.npz"]
        assert "(nn.Module):" in archive.read("model.py").decode()
    expect(menu).to_be_hidden()

    # Export ▸ Graph (.json), then Open… it back after deleting a node.
    page.click(f"{EDITOR} [data-action=export]")
    with page.expect_download() as download:
        menu.locator("[data-export=spec]").click()
    spec_path = tmp_path / "model.json"
    download.value.save_as(spec_path)
    assert json.loads(spec_path.read_text())["outputs"] == [{"node": "score", "output": 0}]

    # Export ▸ Keras 3 file: Keras's own .keras, written by the engine, that it loads back.
    page.click(f"{EDITOR} [data-action=export]")
    with page.expect_download() as download:
        menu.locator("[data-export=keras]").click()
    keras_path = tmp_path / download.value.suggested_filename
    download.value.save_as(keras_path)
    assert keras_path.suffix == ".keras"
    with zipfile.ZipFile(keras_path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        assert json.loads(archive.read("config.json"))["class_name"] == "Functional"
    assert engine.load_model(keras_path).get_layer("score").weights
    page.locator(node("score")).click()
    page.keyboard.press("Delete")
    page.wait_for_selector(node("score"), state="detached")
    page.wait_for_selector(f"{EDITOR} .wb-badge", state="detached")  # a different model now
    with page.expect_file_chooser() as chooser:
        page.click(f"{EDITOR} [data-action=open]")
    chooser.value.set_files(str(spec_path))
    page.wait_for_selector(node("score"))

    # The form's "Model output" box makes `hidden` a second output.
    page.locator(node("hidden")).click()
    page.check(f"{EDITOR} [data-role=output]")
    expect(page.locator(f"{EDITOR} .wb-output-field label")).to_have_text("Model output 2 of 2")
    assert "wb-output" in page.get_attribute(node("hidden"), "class")
    page.click(f"{EDITOR} [data-role=automatic-outputs]")
    expect(page.locator(f"{EDITOR} .wb-output-field label")).to_have_text("Model output")
    assert "wb-output" not in page.get_attribute(node("hidden"), "class")
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors


def banner(page):
    return page.locator(f"{EDITOR} [data-testid=banner]")


def test_outputs_list_ports_edges_banner_and_palette(page, jupyter, tmp_path):
    run_editor_notebook(page, jupyter, "graph_editor_outputs.ipynb", node("dense_3"))
    notice = page.locator(f"{EDITOR} [data-testid=outputs-notice]")

    # (d) Three layers end the graph: each shows an output tag, and the editor says so.
    expect(notice).to_contain_text(
        "3 outputs: b, out and dense_3. Connect b and dense_3 onward, delete them, or choose "
        "the outputs."
    )
    for name, label in [("b", "output 1"), ("out", "output 2"), ("dense_3", "output 3")]:
        expect(page.locator(f"{EDITOR} [data-testid=output-tag-{name}]")).to_have_text(label)
    assert "wb-extra" in page.get_attribute(f"{EDITOR} [data-testid=output-tag-b]", "class")
    assert "wb-extra" not in page.get_attribute(f"{EDITOR} [data-testid=output-tag-out]", "class")

    # (a) An export of a graph that is not a model yet is refused, in the banner.
    page.click(f"{EDITOR} [data-action=export]")
    page.locator(f"{EDITOR} [data-testid=export-menu] [data-export=spec]").click()
    expect(banner(page)).to_contain_text("Only a valid model can be exported")
    screenshot(page, "editor-7-three-outputs-export-refused", page.locator(EDITOR))

    # (b) The Add's list port says it takes two or more; a second edge dragged there joins.
    port = f"{node('add')} rect[data-port=in]"
    assert (
        "connect two or more tensors here (1 connected)"
        in page.locator(f"{port} title").text_content()
    )
    expect(page.locator(f"{node('add')} .wb-port-label")).to_have_text("2+")
    connect(page, "b", "add")
    page.wait_for_selector(f"{EDITOR} .wb-edge[data-edge='b:0->add:0']", state="attached")
    assert page.locator(f"{EDITOR} .wb-edge[data-edge='a:0->add:0']").count() == 1
    expect(page.locator(f"{node('add')} .wb-node-shape")).to_have_text("(None, 8)")
    assert (
        "connect two or more tensors here (2 connected)"
        in page.locator(f"{port} title").text_content()
    )
    # (a) The refusal was about a graph that is no more: the banner went with it.
    expect(banner(page)).to_be_hidden()
    expect(notice).to_contain_text(
        "2 outputs: out and dense_3. Connect dense_3 onward, delete it, or choose the outputs."
    )

    # (e) Edges are drawn again above the nodes, each with an arrowhead into its port: the skip
    # connection x -> out shows across the Add, and both arrows into the Add's pill show.
    order = page.eval_on_selector(
        f"{CANVAS} .wb-layer",
        """layer => [...layer.children].map(child =>
            child.getAttribute('data-testid') || child.getAttribute('data-edge') || '')""",
    )
    assert order.index("edge-over-x:0->out:0") > order.index("node-add"), order
    tips = [
        page.locator(
            f"{EDITOR} [data-testid='edge-over-{e}:0->add:0'] .wb-edge-arrow"
        ).bounding_box()
        for e in ("a", "b")
    ]
    assert all(tips) and tips[0]["x"] + tips[0]["width"] <= tips[1]["x"], tips
    screenshot(page, "editor-8-list-port-and-edges", page.locator(EDITOR))

    # (a) A refusal, then an export that works: the banner goes.
    bad = tmp_path / "notes.txt"
    bad.write_text("not a graph")
    with page.expect_file_chooser() as chooser:
        page.click(f"{EDITOR} [data-action=open]")
    chooser.value.set_files(str(bad))
    expect(banner(page)).to_contain_text("notes.txt is not a graph spec")
    page.click(f"{EDITOR} [data-action=export]")
    with page.expect_download():
        page.locator(f"{EDITOR} [data-testid=export-menu] [data-export=spec]").click()
    expect(banner(page)).to_be_hidden()

    # (d) "Keep only out" chooses the outputs: one tag, no notice.
    page.click(f"{EDITOR} [data-testid=outputs-notice] [data-role=keep-output]")
    expect(notice).to_be_hidden()
    expect(page.locator(f"{EDITOR} [data-testid=output-tag-out]")).to_have_text("output")
    assert page.locator(f"{EDITOR} .wb-output-tag").count() == 1

    # (c) Every category unfolded, the palette's list scrolls on its own: the editor stays
    # under a screen tall, the palette no taller than the canvas beside it, and the last layer
    # can be scrolled to (the search field staying above) and dragged onto the canvas.
    palette = page.locator(f"{EDITOR} [data-testid=palette]")
    groups = page.locator(f"{EDITOR} .wb-palette-groups")
    folded = page.locator(f"{EDITOR} .wb-palette-heading[aria-expanded=false]")
    while (remaining := folded.count()) > 0:
        folded.first.click()
        expect(folded).to_have_count(remaining - 1)  # each click re-renders the palette
    expect(page.locator(f"{EDITOR} .wb-palette-item")).to_have_count(len(PALETTE))
    overflow = groups.evaluate(
        "g => [getComputedStyle(g).overflowY, g.scrollHeight > g.clientHeight]"
    )
    assert overflow == ["auto", True], overflow
    groups.evaluate("g => { g.scrollTop = 0; }")  # the clicks scrolled it down
    assert page.locator(EDITOR).bounding_box()["height"] < page.viewport_size["height"]
    canvas_box, palette_box = page.locator(CANVAS).bounding_box(), palette.bounding_box()
    assert abs(palette_box["height"] - canvas_box["height"]) <= 2, (palette_box, canvas_box)
    screenshot(page, "editor-9-palette-unfolded", page.locator(EDITOR))
    last = page.locator(f"{EDITOR} .wb-palette-item").last
    list_box = groups.bounding_box()
    assert last.bounding_box()["y"] > list_box["y"] + list_box["height"]  # out of view
    nodes = page.locator(f"{EDITOR} .wb-node").count()
    drop_layer(page, last.get_attribute("data-class"), 0.12, 0.1)  # top left: free, and room below
    expect(page.locator(f"{EDITOR} .wb-node")).to_have_count(nodes + 1)
    assert groups.evaluate("g => g.scrollTop") > 0
    box = last.bounding_box()
    assert (
        list_box["y"] <= box["y"]
        and box["y"] + box["height"] <= list_box["y"] + list_box["height"] + 1
    ), (box, list_box)
    search_box = page.locator(f"{EDITOR} [data-testid=palette-search]").bounding_box()
    assert palette_box["y"] <= search_box["y"] < list_box["y"], (search_box, list_box)
    screenshot(page, "editor-9c-palette-scrolled-drop", page.locator(EDITOR))
    # Long names wrap between words instead of being cut, in the palette and the form; the
    # new node's name shows whole (its class gives way); the status says it is left out.
    cut = "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"
    assert page.locator(f"{EDITOR} .wb-palette-item").evaluate_all(cut) == []
    assert page.locator(f"{EDITOR} .wb-field label").evaluate_all(cut) == []
    assert page.locator(f"{EDITOR} .wb-node.wb-selected .wb-node-name").evaluate_all(cut) == []
    expect(page.locator(f"{EDITOR} [data-testid=graph-status]")).to_contain_text(
        "1 layer not connected, left out of the model")

    # The search keeps the layers that match; Enter adds the first; Escape shows all again.
    search = page.locator(f"{EDITOR} [data-testid=palette-search]")
    wanted = [e["class"] for e in PALETTE if "pooling2d" in (e["class"] + e["doc"]).lower()]
    search.fill("Pooling2D")
    expect(page.locator(f"{EDITOR} .wb-palette-item")).to_have_count(len(wanted))
    assert page.locator(f"{EDITOR} .wb-palette-item").all_inner_texts() == wanted
    assert page.locator(f"{EDITOR} .wb-palette-heading").all_inner_texts() == [
        f"▾ POOLING\n{len(wanted)}"
    ]
    nodes = page.locator(f"{EDITOR} .wb-node").count()
    search.press("Enter")
    expect(page.locator(f"{EDITOR} .wb-node")).to_have_count(nodes + 1)
    page.wait_for_selector(node(snake_case(wanted[0])))
    screenshot(page, "editor-9b-palette-search", page.locator(EDITOR))
    search.fill("no such layer")
    expect(page.locator(f"{EDITOR} .wb-palette-item")).to_have_count(0)
    search.press("Escape")
    expect(page.locator(f"{EDITOR} .wb-palette-item")).to_have_count(len(PALETTE))
    assert page.locator(f"{EDITOR} .wb-node").count() == nodes + 1  # Escape was the search's

    # Narrow (the palette goes under the canvas, so cannot hide it): no scroll box, the page
    # scrolls.
    page.set_viewport_size({"width": 900, "height": 1000})
    expect(page.locator(f"{EDITOR} .wb-canvas")).to_have_css("order", "-1")
    assert palette.evaluate("p => p.scrollHeight - p.clientHeight") == 0
    assert groups.evaluate("g => g.scrollHeight - g.clientHeight") == 0
    assert palette.bounding_box()["height"] > 600  # every category unfolded, whole
    palette.scroll_into_view_if_needed()
    screenshot(page, "editor-10-narrow-palette")
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors
