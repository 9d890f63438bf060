"""The dashboard in a narrow output: charts sized to their boxes from the first render and on
every resize, never over each other, marker labels apart; a long session stays responsive."""

import re
import time

import pytest
from helpers import open_notebook, run_all_cells, screenshot

from workbench.curves import MAX_POINTS

DASHBOARD = ".narrow-cell .wb-dashboard"
GEOMETRY = """() => {
  const rect = element => {
    const { left, top, right, bottom } = element.getBoundingClientRect();
    return { left, top, right, bottom };
  };
  const plots = [...document.querySelectorAll('.narrow-cell .wb-plot:not([hidden])')];
  return {
    cell: rect(document.querySelector('.narrow-cell')),
    plots: plots.map(plot => ({
      id: plot.dataset.testid,
      box: rect(plot),
      svgs: [...plot.querySelectorAll('svg.main-svg')].map(rect),
      labels: [...plot.querySelectorAll('.annotation')].map(rect)
    }))
  };
}"""
PLOTTED = """() => [...document.querySelectorAll('.narrow-cell .wb-plot')].flatMap(plot =>
  (plot.data || []).map(trace => ({ name: trace.name, points: trace.x.length,
                                     last: trace.x[trace.x.length - 1] })))"""
SLACK = 1  # pixels of rounding


def inside(inner, outer) -> bool:
    return (
        inner["left"] >= outer["left"] - SLACK
        and inner["top"] >= outer["top"] - SLACK
        and inner["right"] <= outer["right"] + SLACK
        and inner["bottom"] <= outer["bottom"] + SLACK
    )


def overlap(a, b) -> bool:
    return (
        a["left"] < b["right"] - SLACK
        and b["left"] < a["right"] - SLACK
        and a["top"] < b["bottom"] - SLACK
        and b["top"] < a["bottom"] - SLACK
    )


def pairs(items):
    return [(a, b) for i, a in enumerate(items) for b in items[i + 1 :]]


def fitted(page) -> dict:
    """The charts' geometry once every chart fills its box, failing after 10 s."""
    page.wait_for_function(
        """() => { const plots = [...document.querySelectorAll('.narrow-cell .wb-plot:not([hidden])')];
          return plots.length === 2 && plots.every(plot => { const svg = plot.querySelector('svg.main-svg');
            return svg && Math.abs(svg.getBoundingClientRect().width - plot.clientWidth) <= 1; }); }""",
        timeout=10_000,
    )
    return page.evaluate(GEOMETRY)


def assert_charts_fit(geometry) -> None:
    plots = geometry["plots"]
    assert {plot["id"] for plot in plots} == {"loss-plot", "metrics-plot"}, plots
    for plot in plots:
        assert inside(plot["box"], geometry["cell"]), (plot["id"], plot["box"], geometry["cell"])
        for svg in plot["svgs"]:
            assert inside(svg, plot["box"]), (plot["id"], svg, plot["box"])
        for a, b in pairs(plot["labels"]):
            assert not overlap(a, b), (plot["id"], "marker labels overlap", a, b)
    for a, b in pairs(plots):
        assert not overlap(a["box"], b["box"]), ("charts overlap", a, b)
        for svg_a in a["svgs"]:
            assert not any(overlap(svg_a, svg_b) for svg_b in b["svgs"]), ("charts overlap", a, b)


def state(page) -> str:
    return page.get_attribute(f"{DASHBOARD} .wb-training-controls", "data-state")


def status_step(page) -> int:
    text = page.locator(f"{DASHBOARD} [data-testid=training-status]").inner_text()
    return int(re.search(r"step (\d+)", text).group(1))


def open_dashboard(page, jupyter, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_notebook(page, jupyter, "dashboard_narrow.ipynb")
    run_all_cells(page)
    page.wait_for_selector(f"{DASHBOARD} [data-action=start]:not([disabled])")


def set_learning_rate(page, value: str) -> None:
    page.fill(f"{DASHBOARD} input[data-field=learning_rate]", value)
    page.press(f"{DASHBOARD} input[data-field=learning_rate]", "Enter")


@pytest.mark.parametrize("width, height", [(1280, 800), (1920, 1080)])
def test_charts_fit_their_boxes_and_never_overlap(page, jupyter, width, height):
    open_dashboard(page, jupyter, width, height)
    size = f"{width}x{height}"
    # Before any run the dashboard keeps no room for charts it has not got.
    plots = page.locator(f"{DASHBOARD} .wb-plots").bounding_box()
    assert plots["height"] < 40, plots
    screenshot(page, f"dashboard-narrow-{size}-1-idle", page.locator(".narrow-cell"))

    # Four markers at one step: two learning rates, a backend switch and back.
    backends = page.locator(f"{DASHBOARD} select[data-field=backend] option").all_inner_texts()
    other = next(name for name in ("jax", "torch", "tensorflow") if name in backends)
    set_learning_rate(page, "0.02")
    set_learning_rate(page, "0.01")
    page.select_option(f"{DASHBOARD} select[data-field=backend]", other)
    page.wait_for_selector(f"{DASHBOARD} [data-testid=training-status]:text-matches('on {other}$')")
    page.select_option(f"{DASHBOARD} select[data-field=backend]", "numpy")
    page.wait_for_selector(f"{DASHBOARD} [data-testid=training-status]:text-matches('on numpy$')")
    page.fill(f"{DASHBOARD} input[data-field=epochs]", "20")
    page.click(f"{DASHBOARD} [data-action=start]")
    page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=finished]")

    # Drawn into two 316 px columns from the first render (the loss chart, alone at first,
    # spans both until the metrics chart arrives), then the cell is resized.
    for cell_width, name in ((None, "2-trained"), (800, "3-wider"), (360, "4-narrower")):
        if cell_width is not None:
            page.evaluate(f"document.querySelector('.narrow-cell').style.width = '{cell_width}px'")
        geometry = fitted(page)
        assert_charts_fit(geometry)
        loss, metrics = sorted(geometry["plots"], key=lambda plot: plot["id"])
        assert len(loss["labels"]) >= 2, "the marker labels are not shown"
        side_by_side = loss["box"]["top"] == metrics["box"]["top"]
        assert side_by_side == (cell_width != 360), geometry
        screenshot(page, f"dashboard-narrow-{size}-{name}", page.locator(".narrow-cell"))


def test_a_long_session_stays_responsive_and_its_curves_bounded(page, jupyter):
    """30,000 steps: the view holds at most MAX_POINTS points of a series (the kernel thins
    them), Stop shows within two seconds, and the last point drawn is the last step."""
    open_dashboard(page, jupyter, 1280, 800)
    page.fill(f"{DASHBOARD} input[data-field=epochs]", "1000")  # 32 steps an epoch
    page.click(f"{DASHBOARD} [data-action=start]")
    page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=running]")
    most = 0
    deadline = time.monotonic() + 300
    while status_step(page) < 30_000:
        assert time.monotonic() < deadline, f"only {status_step(page)} steps in 300 s"
        most = max([most, *(trace["points"] for trace in page.evaluate(PLOTTED))])
        page.wait_for_timeout(500)
    screenshot(page, "dashboard-narrow-long-1-running", page.locator(".narrow-cell"))

    asked = time.monotonic()
    page.click(f"{DASHBOARD} [data-action=stop]")
    page.wait_for_selector(
        f"{DASHBOARD} .wb-training-controls[data-state=stopped]", timeout=10_000
    )
    stopped_after = time.monotonic() - asked
    assert stopped_after < 2, f"Stop took {stopped_after:.2f} s to show"

    step = status_step(page)
    page.wait_for_function(
        f"() => ({PLOTTED})().some(trace => trace.name === 'loss' && trace.last === {step})",
        timeout=5_000,
    )
    traces = page.evaluate(PLOTTED)
    most = max([most, *(trace["points"] for trace in traces)])
    assert step >= 30_000 and 0 < most <= MAX_POINTS, (step, most, traces)
    assert_charts_fit(fitted(page))
    screenshot(page, "dashboard-narrow-long-2-stopped", page.locator(".narrow-cell"))
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors
