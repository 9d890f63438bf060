"""Training from wb.TrainingDashboard in JupyterLab: live curves, pause, backend switch."""

import re

from helpers import open_notebook, run_all_cells, screenshot
from playwright.sync_api import expect

DASHBOARD = ".wb-dashboard"
# The step of the loss curve's last point (not the number of points: the kernel thins them).
LAST_STEP = (
    "() => { const plot = document.querySelector('[data-testid=loss-plot]');"
    " const x = plot && plot.data && plot.data.length ? plot.data[0].x : [];"
    " return x.length ? x[x.length - 1] : 0; }"
)


def last_step(page) -> int:
    return page.evaluate(LAST_STEP)


def wait_for_more_steps(page, than: int) -> None:
    page.wait_for_function(f"() => ({LAST_STEP})() > {than}", timeout=120_000)


def status_text(page) -> str:
    return page.locator(f"{DASHBOARD} [data-testid=training-status]").inner_text()


def test_train_pause_switch_backend(page, jupyter):
    open_notebook(page, jupyter, "dashboard.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    page.wait_for_selector(f"{DASHBOARD} [data-action=start]:not([disabled])")
    backends = page.locator(f"{DASHBOARD} select[data-field=backend] option").all_inner_texts()
    assert "numpy" in backends, backends
    assert "samples" in page.locator(f"{DASHBOARD} .wb-data-line").inner_text()

    page.fill(f"{DASHBOARD} input[data-field=epochs]", "200")
    page.click(f"{DASHBOARD} [data-action=start]")
    page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=running]")
    wait_for_more_steps(page, 20)
    screenshot(page, "dashboard-1-training", page.locator(DASHBOARD))

    # The curve moves: more steps a moment later, and the loss went down from its start.
    seen = last_step(page)
    wait_for_more_steps(page, seen + 10)
    first, last = page.evaluate(
        "() => { const y = document.querySelector('[data-testid=loss-plot]').data[0].y;"
        " return [y[0], y[y.length - 1]]; }"
    )
    assert last < first, (first, last)
    assert (
        page.locator(f"{DASHBOARD} [data-testid=progress] > div").evaluate("d => d.style.width")
        != "0%"
    )

    # Pause holds the curve; resume continues it.
    page.click(f"{DASHBOARD} [data-action=pause]")
    page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=paused]")
    page.wait_for_timeout(500)  # the plot redraws a few times a second: the last may be on its way
    held = last_step(page)
    page.wait_for_timeout(1000)
    assert last_step(page) == held
    page.click(f"{DASHBOARD} [data-action=resume]")
    wait_for_more_steps(page, held + 5)

    # Switching the backend while training: the next steps run there and the curve goes on.
    other = next((name for name in ("jax", "torch", "tensorflow") if name in backends), None)
    assert other is not None, f"the kernel has only {backends}: install a second backend"
    page.select_option(f"{DASHBOARD} select[data-field=backend]", other)
    expect(page.locator(f"{DASHBOARD} [data-testid=training-status]")).to_have_text(
        re.compile(f"on {other}$"), timeout=120_000
    )
    switched = last_step(page)
    wait_for_more_steps(page, switched + 10)
    marker_steps = page.evaluate(
        "() => (document.querySelector('[data-testid=loss-plot]').layout.shapes || []).length"
    )
    assert marker_steps >= 1
    screenshot(page, "dashboard-2-backend-switched", page.locator(DASHBOARD))

    page.click(f"{DASHBOARD} [data-action=stop]")
    page.wait_for_selector(
        f"{DASHBOARD} .wb-training-controls[data-state=stopped]", timeout=120_000
    )
    assert page.locator(f"{DASHBOARD} [data-action=start]").is_enabled()
    screenshot(page, "dashboard-3-stopped", page.locator(DASHBOARD))
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors
