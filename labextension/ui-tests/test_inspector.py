"""The inspector in a real browser: a layer's statistics, histograms and heat maps, a conv
layer captured before and after training, and a planted fault diagnosed while the Workbench
trains, as text and as badges."""

import re

from helpers import cell_output, open_notebook, run_all_cells, run_cell, screenshot
from playwright.sync_api import expect
from test_views import no_console_errors

INSPECTOR = ".wb-inspector"


def test_inspector_shows_a_layer(page, jupyter):
    open_notebook(page, jupyter, "inspector.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    row = f"{INSPECTOR} tr.wb-inspector-node[data-node=dense]"
    page.wait_for_selector(f"{row} .wb-cell")  # the capture made when it opened (no line yet)
    expect(page.locator(f"{INSPECTOR} [data-testid=capture-status]")).to_contain_text("a batch")
    page.click(row)
    page.wait_for_selector(f"{INSPECTOR} [data-testid=stats]")
    assert "mean" in page.locator(f"{INSPECTOR} [data-testid=stats]").inner_text()
    page.wait_for_selector(f"{INSPECTOR} [data-figure=activation] [data-testid=histogram] rect")
    page.wait_for_selector(f"{INSPECTOR} [data-figure='dense/kernel'] [data-testid=histogram]")
    page.wait_for_selector(f"{INSPECTOR} [data-testid=heatmap] canvas")
    page.wait_for_selector(f"{INSPECTOR} [data-testid=sample-heatmap] canvas")
    page.click(f"{INSPECTOR} [data-action=next]")
    expect(page.locator(f"{INSPECTOR} [data-field=sample]")).to_have_value("1")
    expect(page.locator(f"{INSPECTOR} [data-testid=sample-heatmap] + figcaption")).to_contain_text(
        "sample 1"
    )
    screenshot(page, "inspector-1-dense", page.locator(INSPECTOR))
    no_console_errors(page)


def test_a_planted_fault_is_diagnosed_while_the_workbench_trains(page, jupyter):
    open_notebook(page, jupyter, "inspector_fault.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    bench = ".wb-workbench"
    page.wait_for_selector(f"{bench} [data-testid=pane-build] .wb-graph-editor")
    page.click(f"{bench} .wb-tab[data-tab=train]")
    dashboard = f"{bench} [data-testid=pane-train] .wb-dashboard"
    page.wait_for_selector(f"{dashboard} [data-action=start]:not([disabled])")
    page.fill(f"{dashboard} input[data-field=epochs]", "3")
    page.click(f"{dashboard} [data-action=start]")
    page.wait_for_selector(
        f"{dashboard} .wb-training-controls[data-state=finished]", timeout=120_000
    )

    page.click(f"{bench} .wb-tab[data-tab=inspect]")
    inspector = f"{bench} [data-testid=pane-inspect] {INSPECTOR}"
    status = page.locator(f"{inspector} [data-testid=capture-status]")
    expect(status).to_contain_text("training step", timeout=60_000)
    finding = page.locator(
        f"{inspector} [data-testid=inspector-diagnostics] [data-diagnostic=vanishing_gradients]"
    )
    expect(finding).to_contain_text("vanishing gradients")
    expect(finding).to_contain_text("from the last layer (out) to the first (dense)")
    expect(finding).to_contain_text("slope")  # the plain explanation under the message
    badge = f"{inspector} tr[data-node=dense] [data-badge=vanishing_gradients]"
    page.wait_for_selector(badge)
    finding.locator(".wb-node-link").click()  # a diagnostic selects its layer
    page.wait_for_selector(f"{inspector} tr.wb-selected[data-node=dense]")
    page.wait_for_selector(f"{inspector} [data-figure='gradient into it'] [data-testid=histogram]")
    screenshot(page, "inspector-2-vanishing-gradients", page.locator(inspector))

    # The same diagnostic is on the Build tab's graph.
    page.click(f"{bench} .wb-tab[data-tab=build]")
    page.wait_for_selector(f"{bench} [data-testid=pane-build] .wb-graph-editor", state="visible")
    badge = page.locator(f"{bench} [data-testid=pane-build] [data-testid=badge-dense] title")
    expect(badge).to_contain_text("vanishing gradients")
    screenshot(page, "inspector-3-build-badges", page.locator(bench))
    no_console_errors(page)


# Pixels of a canvas that are not (nearly) the page's white: a heat map that shows something.
PAINTED_PIXELS = """canvas => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
        painted += Math.min(data[i], data[i + 1], data[i + 2]) < 235 ? 1 : 0;
    }
    return painted / (canvas.width * canvas.height);
}"""
SPARKLINE_POINTS = "line => line.getAttribute('points').trim().split(/\\s+/).length"


def test_a_conv_layer_captured_before_and_after_training(page, jupyter):
    page.set_viewport_size({"width": 1280, "height": 1400})  # the whole inspector on screen
    open_notebook(page, jupyter, "inspector_conv.ipynb")
    page.keyboard.press("Control+b")
    run_cell(page, 0)
    status = page.locator(f"{INSPECTOR} [data-testid=capture-status]")
    conv = f"{INSPECTOR} tr.wb-inspector-node[data-node=conv]"

    # Before any training, Capture shows a capture of one batch; each one adds a point.
    expect(status).to_contain_text("a batch before any training", timeout=120_000)
    expect(status).to_contain_text("1 record")
    assert page.locator(f"{conv} .wb-sparkline polyline").count() == 0  # no line of one point
    page.click(f"{INSPECTOR} [data-action=capture]")
    expect(status).to_contain_text("2 records")
    expect(page.locator(f"{conv} .wb-sparkline polyline").first).to_be_attached()
    zeros = page.locator(f"{conv} td[data-column='activation.zero_fraction'] .wb-num")
    expect(zeros).to_have_text(re.compile(r"^\d+(\.\d)?%$"))  # a share, as a percentage

    # Train (3 steps the inspector does not see, then 6 it follows, every step).
    run_cell(page, 1)
    expect(cell_output(page, 1)).to_contain_text("iterations:", timeout=120_000)
    iterations = int(cell_output(page, 1).inner_text().split("iterations:")[1])
    expect(status).to_contain_text(f"latest: training step {iterations} ")
    lines = page.locator(f"{conv} .wb-sparkline polyline")
    assert min(lines.evaluate_all(f"lines => lines.map({SPARKLINE_POINTS})")) > 2
    page.click(f"{INSPECTOR} [data-action=capture]")
    expect(status).to_contain_text(f"latest: a batch after {iterations} training steps")

    # The conv layer: histograms with a value and a count axis, and heat maps that show something.
    page.click(conv)
    gradient = page.locator(
        f"{INSPECTOR} figure:has(figcaption:text-is('gradients, captured batch'))"
    )
    expect(gradient.locator("canvas")).to_be_visible()
    painted = gradient.locator("canvas").evaluate(PAINTED_PIXELS)
    assert painted > 0.25, painted  # the rest: exact zeros (ReLU units off, pooling)
    kernel = page.locator(f"{INSPECTOR} figure:has(figcaption:text-is('conv/kernel')) canvas")
    assert kernel.evaluate(PAINTED_PIXELS) > 0.5
    histogram = page.locator(
        f"{INSPECTOR} [data-figure='gradient into it'] [data-testid=histogram]"
    )
    for axis in ("value", "count"):
        assert histogram.locator(f"[data-axis={axis}] .wb-tick").count() >= 2, axis
    header = page.locator(f"{INSPECTOR} .wb-report-header")
    expect(header).to_contain_text(f"a batch after {iterations} training steps")
    screenshot(page, "inspector-4-conv-after-training", page.locator(INSPECTOR))
    no_console_errors(page)
