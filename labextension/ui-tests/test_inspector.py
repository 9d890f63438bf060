"""The inspector in a real browser: a layer's statistics, histograms and heat maps, and a
planted fault diagnosed while the Workbench trains, as text and as badges."""

from helpers import open_notebook, run_all_cells, screenshot
from playwright.sync_api import expect
from test_views import no_console_errors

INSPECTOR = ".wb-inspector"


def test_inspector_shows_a_layer(page, jupyter):
    open_notebook(page, jupyter, "inspector.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    row = f"{INSPECTOR} tr.wb-inspector-node[data-node=dense]"
    page.wait_for_selector(f"{row} .wb-sparkline")  # the capture made when it opened
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
