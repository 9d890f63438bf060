"""The live workbench holds together (issue #25): an inspector and a dashboard on one model,
training on every backend with a switch mid-run."""

import re

import pytest
from helpers import assert_no_error_outputs, open_notebook, run_all_cells, screenshot
from kernels import shut_down_kernels
from playwright.sync_api import expect

DASHBOARD = ".wb-dashboard"
INSPECTOR = ".wb-inspector"
BACKENDS = ["numpy", "jax", "torch", "tensorflow"]
LOSS = "() => document.querySelector('[data-testid=loss-plot]')?.data?.[0]"
LAST_STEP = f"() => {{ const x = ({LOSS})()?.x ?? []; return x.length ? x[x.length - 1] : 0; }}"


def wait_for_more_steps(page, than: int) -> int:
    page.wait_for_function(f"() => ({LAST_STEP})() > {than}", timeout=120_000)
    return page.evaluate(LAST_STEP)


def dashboard_step(page) -> int:
    status = page.locator(f"{DASHBOARD} [data-testid=training-status]").inner_text()
    return int(re.search(r"step (\d+)", status).group(1))


def inspector_step(page) -> int:
    status = page.locator(f"{INSPECTOR} [data-testid=capture-status]").inner_text()
    match = re.search(r"latest: training step (\d+)", status)
    assert match, f"the inspector shows no training capture: {status!r}"
    return int(match.group(1))


def assert_no_errors_shown(page) -> None:
    for widget in (DASHBOARD, INSPECTOR):
        expect(page.locator(f"{widget} [data-testid=banner]")).to_be_hidden()
    expect(page.locator(f"{DASHBOARD} .wb-status-message")).to_be_hidden()
    assert_no_error_outputs(page)


@pytest.mark.parametrize("backend", BACKENDS)
def test_inspector_and_dashboard_train_and_switch_backend(page, jupyter, backend):
    after = BACKENDS[(BACKENDS.index(backend) + 1) % len(BACKENDS)]
    shut_down_kernels(jupyter)  # a fresh kernel for each backend, not the last test's
    open_notebook(page, jupyter, "cross_widgets.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    page.wait_for_selector(f"{DASHBOARD} [data-action=start]:not([disabled])", timeout=120_000)
    expect(page.locator(f"{INSPECTOR} [data-testid=capture-status]")).to_contain_text(
        "a batch before any training", timeout=120_000
    )

    # Train on `backend`, chosen in the dashboard before starting.
    select = page.locator(f"{DASHBOARD} select[data-field=backend]")
    select.select_option(backend)
    status = page.locator(f"{DASHBOARD} [data-testid=training-status]")
    expect(status).to_have_text(re.compile(f"on {backend}$"), timeout=120_000)
    page.fill(f"{DASHBOARD} input[data-field=epochs]", "50")
    page.fill(f"{DASHBOARD} input[data-field=batch_size]", "64")
    page.click(f"{DASHBOARD} [data-action=start]")
    page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=running]")
    before = wait_for_more_steps(page, 15)
    expect(page.locator(f"{INSPECTOR} [data-testid=capture-status]")).to_contain_text(
        "latest: training step", timeout=60_000
    )
    screenshot(page, f"live-{backend}-1-training")

    # Switch mid-run from the dashboard's select: training goes on there.
    select.select_option(after)
    expect(status).to_have_text(re.compile(f"on {after}$"), timeout=120_000)
    switched = page.evaluate(LAST_STEP)
    wait_for_more_steps(page, max(before, switched) + 15)

    page.click(f"{DASHBOARD} [data-action=stop]")
    page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=stopped]", timeout=90_000)
    page.wait_for_timeout(1000)  # the last updates of both widgets
    screenshot(page, f"live-{backend}-2-stopped")
    screenshot(page, f"live-{backend}-3-dashboard", page.locator(DASHBOARD))

    assert_no_errors_shown(page)
    # The inspector followed the dashboard's training: its captures are the dashboard's steps,
    # one every 5, the latest within the last 5 steps trained.
    stopped_at, captured_at = dashboard_step(page), inspector_step(page)
    assert stopped_at - 5 <= captured_at <= stopped_at, (captured_at, stopped_at)
    assert captured_at > switched, (captured_at, switched)  # it went on after the switch
    # Both backends' markers are on the loss plot, and the loss went down.
    labels = page.evaluate(
        "() => (document.querySelector('[data-testid=loss-plot]').layout.annotations || [])"
        ".map(a => a.text)"
    )
    assert backend in labels and after in labels, labels
    losses = page.evaluate(f"() => ({LOSS})().y")
    assert losses[-1] < losses[0] * 0.7, (losses[0], losses[-1])
