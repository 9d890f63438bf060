"""A student's subclassed model (`class Residual(engine.Model)` with a list of layers, a layer
of their own, `h + y`, BatchNorm and Dropout) in JupyterLab: the dashboard trains it and the
inspector follows, showing every layer its call runs."""

from helpers import open_notebook, run_all_cells, screenshot
from playwright.sync_api import expect
from test_views import no_console_errors

DASHBOARD = ".wb-dashboard"
INSPECTOR = ".wb-inspector"
NODES = ["input_layer", "dense", "dense_1", "dense_2", "scale", "add", "batch_normalization",
         "dropout", "dense_3"]


def test_a_subclassed_model_trains_in_the_dashboard_and_the_inspector_follows(page, jupyter):
    page.set_viewport_size({"width": 1280, "height": 1600})  # both widgets on screen
    open_notebook(page, jupyter, "subclassed.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    page.wait_for_selector(f"{DASHBOARD} [data-action=start]:not([disabled])")
    rows = page.locator(f"{INSPECTOR} tr.wb-inspector-node")
    expect(rows).to_have_count(len(NODES), timeout=60_000)
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.node)") == NODES
    status = page.locator(f"{INSPECTOR} [data-testid=capture-status]")
    expect(status).to_contain_text("a batch")

    page.fill(f"{DASHBOARD} input[data-field=epochs]", "3")
    page.click(f"{DASHBOARD} [data-action=start]")
    page.wait_for_selector(
        f"{DASHBOARD} .wb-training-controls[data-state=finished]", timeout=120_000
    )
    expect(status).to_contain_text("training step", timeout=60_000)

    # The student's own layer: its activation and its weight, captured while training.
    page.click(f"{INSPECTOR} tr.wb-inspector-node[data-node=scale]")
    page.wait_for_selector(f"{INSPECTOR} [data-testid=stats]")
    page.wait_for_selector(f"{INSPECTOR} [data-figure=activation] [data-testid=histogram] rect")
    page.wait_for_selector(f"{INSPECTOR} [data-figure='scale/scale'] [data-testid=histogram]")
    screenshot(page, "subclassed-1-dashboard", page.locator(DASHBOARD))
    screenshot(page, "subclassed-2-inspector", page.locator(INSPECTOR))
    no_console_errors(page)
