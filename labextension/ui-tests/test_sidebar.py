"""The Model Workbench panel in JupyterLab's left sidebar, in a real browser: it shows the models
of the notebook in focus, switches their backend, opens views beside the notebook, takes a
palette layer into a graph editor, recovers from a kernel restart and follows the focus."""

import pytest
from helpers import NOTEBOOK, cell_output, open_notebook, run_all_cells, run_cell, screenshot
from playwright.sync_api import expect

from workbench.palette import palette

PANEL = "#model-workbench-sidebar"
PHASE = f"{PANEL} [data-testid=phase]"


def model_row(name: str) -> str:
    return f"{PANEL} .wb-model[data-model='{name}']"


def show_panel(page) -> None:
    tab = page.locator(".jp-SideBar.jp-mod-left [data-id='model-workbench-sidebar']")
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    page.wait_for_selector(PANEL, state="visible")


def restart_kernel(page) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Kernel')")
    page.click(".lm-Menu-itemLabel:text-is('Restart Kernel…')")
    page.click(".jp-Dialog-button:has-text('Restart')")


def no_console_errors(page) -> None:
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors


def test_models_backend_views_palette_and_restart(page, jupyter):
    open_notebook(page, jupyter, "sidebar_a.ipynb")
    show_panel(page)
    # The kernel has no workbench yet: the panel says so and offers the fix.
    page.wait_for_selector(f"{PHASE}[data-phase=not_imported]", timeout=120_000)
    expect(page.locator(f"{PHASE} [data-action=fix]")).to_have_text("Import workbench")
    expect(page.locator(f"{PANEL} [data-testid=notebook]")).to_have_text("sidebar_a.ipynb")
    screenshot(page, "sidebar-1-not-imported", page.locator(PANEL))

    # Import workbench, build and train a model in cells: the panel shows it, trained.
    run_all_cells(page)
    page.wait_for_selector(f"{model_row('model')}[data-training=finished]", timeout=120_000)
    expect(page.locator(PHASE)).to_be_hidden()
    row = page.locator(model_row("model"))
    expect(row.locator("[data-testid=model-backend]")).to_have_text("numpy")
    expect(row.locator("[data-testid=training]")).to_contain_text("trained · epoch 5/5 · loss")
    expect(row.locator(".wb-model-params")).to_have_text("33 params")
    assert row.locator(".wb-sparkline polyline").count() == 1
    expect(cell_output(page, 3)).to_have_text("backend: numpy")
    assert page.locator(f"{PANEL} .wb-sidebar-layer").count() == len(palette())
    screenshot(page, "sidebar-2-model", page.locator(PANEL))

    # Switch the backend from the panel: the notebook's model reports the new one.
    page.select_option(f"{PANEL} select[data-field=backend]", "jax")
    expect(row.locator("[data-testid=model-backend]")).to_have_text("jax", timeout=60_000)
    expect(page.locator(f"{PANEL} select[data-field=backend]")).to_have_value("jax")
    run_cell(page, 3)
    expect(cell_output(page, 3)).to_have_text("backend: jax", timeout=60_000)
    screenshot(page, "sidebar-3-switched-to-jax", page.locator(PANEL))

    # Open the graph editor beside the notebook, and drag a layer from the palette into it.
    row.locator("[data-action=open][data-view=editor]").click()
    view = page.locator(".jp-MainAreaWidget:has(.wb-graph-editor)")
    expect(view).to_be_visible(timeout=60_000)
    expect(page.locator(".lm-TabBar-tab:has-text('model · Graph editor')")).to_be_visible()
    canvas = view.locator("[data-testid=canvas]")
    expect(view.locator("[data-testid=node-hidden]")).to_be_visible()
    box = canvas.bounding_box()
    page.locator(f"{PANEL} .wb-sidebar-layer[data-class=Dropout]").drag_to(
        canvas, target_position={"x": box["width"] * 0.8, "y": box["height"] * 0.2}
    )
    expect(view.locator("[data-testid=node-dropout]")).to_be_visible(timeout=30_000)
    screenshot(page, "sidebar-4-editor-with-dropped-layer")

    # The dashboard trains on the notebook's x_train, y_train; the inspector opens too.
    row.locator("[data-action=open][data-view=dashboard]").click()
    expect(page.locator(".jp-MainAreaWidget .wb-dashboard")).to_be_visible(timeout=60_000)
    row.locator("[data-action=open][data-view=inspector]").click()
    expect(page.locator(".jp-MainAreaWidget .wb-inspector")).to_be_visible(timeout=60_000)

    # While a cell runs, the panel says so and holds the backend switch.
    page.click(".lm-TabBar-tab:has-text('sidebar_a.ipynb')")
    page.click(f"{NOTEBOOK} .jp-Cell >> nth=3")
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new cell below, in command mode
    page.keyboard.press("Enter")
    page.keyboard.type("import time; time.sleep(4)")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"{PANEL} [data-testid=backend-note]")).to_have_text("running a cell…")
    expect(page.locator(f"{PANEL} select[data-field=backend]")).to_be_disabled()
    screenshot(page, "sidebar-5-running-a-cell", page.locator(PANEL))
    expect(page.locator(f"{PANEL} select[data-field=backend]")).to_be_enabled(timeout=60_000)

    # Restart the kernel: the panel says what happened and recovers.
    restart_kernel(page)
    page.wait_for_selector(f"{PHASE}[data-phase=not_imported]", timeout=120_000)
    expect(page.locator(".jp-MainAreaWidget .wb-graph-editor")).to_have_count(0)  # views closed
    screenshot(page, "sidebar-6-after-restart", page.locator(PANEL))
    page.click(f"{PHASE} [data-action=fix]")
    page.wait_for_selector(f"{PANEL}[data-phase=connected]", timeout=120_000)
    expect(page.locator(f"{PANEL} [data-testid=models]")).to_contain_text("No models")
    run_all_cells(page)
    page.wait_for_selector(f"{model_row('model')}[data-training=finished]", timeout=120_000)
    expect(page.locator(f"{model_row('model')} [data-testid=model-backend]")).to_have_text("numpy")
    no_console_errors(page)


def test_the_panel_follows_the_notebook_in_focus(page, jupyter):
    open_notebook(page, jupyter, "sidebar_b.ipynb")
    run_all_cells(page)
    show_panel(page)
    page.wait_for_selector(model_row("other"), timeout=120_000)
    expect(page.locator(f"{model_row('other')} .wb-model-params")).to_have_text("15 params")

    # Open the other notebook from the file browser: the panel follows it.
    page.click(".jp-SideBar.jp-mod-left [data-id='filebrowser']")
    page.locator(".jp-DirListing-item", has_text="sidebar_a.ipynb").dblclick()
    page.wait_for_selector(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status=idle]",
        timeout=120_000,
    )
    show_panel(page)
    expect(page.locator(f"{PANEL} [data-testid=notebook]")).to_have_text("sidebar_a.ipynb")
    run_all_cells(page)
    page.wait_for_selector(model_row("model"), timeout=120_000)
    assert page.locator(model_row("other")).count() == 0
    screenshot(page, "sidebar-7-follows-a", page.locator(PANEL))

    # Back to the first notebook: its models again, at once.
    page.click(".lm-TabBar-tab:has-text('sidebar_b.ipynb')")
    expect(page.locator(f"{PANEL} [data-testid=notebook]")).to_have_text("sidebar_b.ipynb")
    expect(page.locator(model_row("other"))).to_be_visible()
    assert page.locator(model_row("model")).count() == 0
    screenshot(page, "sidebar-8-follows-b", page.locator(PANEL))
    no_console_errors(page)


READABLE_TEXT_PX = 11  # the smallest node text a user should have to read, on screen
NODE_TEXT_SIZES = """() => {
    const layer = document.querySelector('.jp-MainAreaWidget:not(.lm-mod-hidden) .wb-layer');
    const scale = layer.transform.baseVal.consolidate().matrix.a;
    const texts = layer.querySelectorAll('.wb-node-body div, .wb-node-body span');
    return [...texts].map(text => parseFloat(getComputedStyle(text).fontSize) * scale);
}"""
VIEWS = {  # sidebar view: (its tab's title, the main-area widget showing it)
    "editor": ("model · Graph editor", ".jp-MainAreaWidget:has(.wb-graph-editor)"),
    "dashboard": ("model · Dashboard", ".jp-MainAreaWidget:has(.wb-dashboard)"),
    "inspector": ("model · Inspector", ".jp-MainAreaWidget:has(.wb-inspector)"),
}


def overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes share more than an edge."""
    return (
        a["x"] < b["x"] + b["width"] - 1
        and b["x"] < a["x"] + a["width"] - 1
        and a["y"] < b["y"] + b["height"] - 1
        and b["y"] < a["y"] + a["height"] - 1
    )


@pytest.mark.parametrize("width,height", [(1280, 800), (1920, 1080)])
def test_views_opened_from_the_panel_share_one_place_beside_the_notebook(
    page, jupyter, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    open_notebook(page, jupyter, "sidebar_views.ipynb")
    show_panel(page)
    run_all_cells(page)
    row = page.locator(model_row("model"))
    expect(row).to_be_visible(timeout=120_000)
    for view, (_, widget) in VIEWS.items():
        row.locator(f"[data-action=open][data-view={view}]").click()
        expect(page.locator(widget)).to_be_visible(timeout=60_000)

    # The first view split the main area; the others are tabs of that same area.
    tabs = page.locator("#jp-main-dock-panel .lm-TabBar-tab:has-text('model ·')")
    expect(tabs).to_have_count(3)
    areas = tabs.evaluate_all("tabs => new Set(tabs.map(tab => tab.closest('.lm-TabBar'))).size")
    assert areas == 1, f"the views are in {areas} tab areas"
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    for view, (title, widget) in VIEWS.items():
        page.click(f"#jp-main-dock-panel .lm-TabBar-tab:has-text('{title}')")
        expect(page.locator(widget)).to_be_visible()
        for other, (_, hidden) in VIEWS.items():
            if other != view:
                expect(page.locator(hidden)).to_be_hidden()  # a tab behind it, not beside it
        beside, shown = notebook.bounding_box(), page.locator(widget).bounding_box()
        assert beside["width"] >= 400, f"the notebook is {beside['width']} px wide"
        assert shown["width"] >= 400, f"the {view} is {shown['width']} px wide"
        assert not overlap(beside, shown), (beside, shown)
        screenshot(page, f"sidebar-views-{width}x{height}-{view}")

    # The editor: room to work on the canvas, and node text that reads, as opened and after Fit.
    title, widget = VIEWS["editor"]
    page.click(f"#jp-main-dock-panel .lm-TabBar-tab:has-text('{title}')")
    editor = page.locator(widget)
    expect(editor.locator("[data-testid=node-conv]")).to_be_visible()
    canvas = editor.locator("[data-testid=canvas]").bounding_box()
    assert canvas["width"] >= 400, f"the canvas is {canvas['width']} px wide"
    assert min(page.evaluate(NODE_TEXT_SIZES)) >= READABLE_TEXT_PX, page.evaluate(NODE_TEXT_SIZES)
    editor.locator("[data-action=fit]").click()
    assert min(page.evaluate(NODE_TEXT_SIZES)) >= READABLE_TEXT_PX, page.evaluate(NODE_TEXT_SIZES)
    screenshot(page, f"sidebar-views-{width}x{height}-editor-fit")
    no_console_errors(page)
