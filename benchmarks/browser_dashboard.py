"""The training dashboard in a real browser: frame times and Stop latency after long sessions.

    python -m benchmarks.browser_dashboard                       # 10k, 100k and 1M steps
    python -m benchmarks.browser_dashboard --steps 10000 --seconds 3 --json out.json

Not a test (CI does not run it). JupyterLab and Chromium start as for the browser tests
(labextension/ui-tests/lab.py; needs the widgets built and /usr/bin/chromium). For each step
count a notebook builds a dashboard whose session already holds that many steps of curves, as
a long session leaves them; the benchmark presses Start, records every animation frame for a
few seconds of training, presses Stop and times how long the view takes to show it (from the
click's own timestamp, so time the click waits for a busy page counts). Goals: frames under
16 ms, Stop shown within 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.browser_pages import markdown_table, notebook, percentile

# isort: split
from helpers import open_notebook, run_all_cells  # ui-tests/, on the path browser_pages sets
from lab import chromium, jupyter_lab

DASHBOARD = ".wb-dashboard"
CELL = """import numpy as np

import engine
import workbench as wb
from engine import layers

engine.set_random_seed(0)
data = wb.datasets.moons(samples=1280, noise=0.2)
i = layers.Input((2,))
x = layers.Dense(4, activation="tanh")(i)
model = engine.Model(i, layers.Dense(1, activation="sigmoid")(x))
dashboard = wb.TrainingDashboard(model, data)

# {steps} steps of history: a noisy falling loss, rising accuracy, validation every 32 steps.
session, steps = dashboard.session, np.arange(1, {steps} + 1)
noise = np.random.default_rng(0).normal(0, 0.05, len(steps))
loss = 0.25 + 0.5 * np.exp(-steps / 2000) + noise
accuracy = 0.9 - 0.4 * np.exp(-steps / 2000) + noise
session.curves.mark(0, "start", "start on numpy")
for step, l, a in zip(steps.tolist(), loss.tolist(), accuracy.tolist()):
    session.curves.add("loss", step, l)
    session.curves.add("accuracy", step, a)
    if step % 32 == 0:
        session.curves.add("val_loss", step, l)
        session.curves.add("val_accuracy", step, a)
session.curves.mark({steps}, "stop", "stopped")
session.step = {steps}
session.curves.delta()  # what that session's views were sent
dashboard"""

WATCH = """() => {
  const m = (window.benchmark = { frames: [], longTasks: [], stop: {}, done: false });
  let last = performance.now();
  const tick = now => {
    m.frames.push(now - last);
    last = now;
    if (!m.done) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  new PerformanceObserver(list => list.getEntries().forEach(t => m.longTasks.push(t.duration)))
    .observe({ type: 'longtask' });
  const controls = document.querySelector('.wb-training-controls');
  new MutationObserver(() => { m.stop[controls.dataset.state] ??= performance.now(); })
    .observe(controls, { attributes: true, attributeFilter: ['data-state'] });
  document.querySelector('[data-action=stop]')
    .addEventListener('click', event => { m.stop.clicked = event.timeStamp; }, { capture: true });
}"""
PLOTTED = """() => Math.max(0, ...[...document.querySelectorAll('.wb-plot')].flatMap(
  plot => (plot.data || []).map(trace => trace.x.length)))"""


def measure(browser, lab, steps: int, seconds: float) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(300_000)
    try:
        open_notebook(page, lab, f"dashboard_{steps}.ipynb")
        run_all_cells(page)
        page.wait_for_selector(f"{DASHBOARD} [data-action=start]:not([disabled])")
        page.wait_for_function(f"() => ({PLOTTED})() > 0")
        page.fill(f"{DASHBOARD} input[data-field=epochs]", "100000")
        page.evaluate(WATCH)
        page.click(f"{DASHBOARD} [data-action=start]")
        page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=running]")
        page.evaluate("() => { window.benchmark.frames = []; window.benchmark.longTasks = []; }")
        page.wait_for_timeout(seconds * 1000)
        frames = page.evaluate("() => window.benchmark.frames")
        long_tasks = page.evaluate("() => window.benchmark.longTasks")
        plotted = page.evaluate(PLOTTED)
        page.click(f"{DASHBOARD} [data-action=stop]")
        page.wait_for_selector(f"{DASHBOARD} .wb-training-controls[data-state=stopped]")
        stop = page.evaluate(
            "() => { window.benchmark.done = true; return window.benchmark.stop; }"
        )
    finally:
        context.close()
    return {
        "steps": steps,
        "frames": len(frames),
        "frame_ms": {
            "median": statistics.median(frames),
            "p95": percentile(frames, 0.95),
            "max": max(frames),
        },
        "long_tasks": len(long_tasks),
        "long_task_ms": sum(long_tasks),
        # "stopping" may never show: the view draws a state once a frame
        "stopping_s": (stop.get("stopping", stop["stopped"]) - stop["clicked"]) / 1000,
        "stopped_s": (stop["stopped"] - stop["clicked"]) / 1000,
        "plotted_points": plotted,
    }


def table(rows: list) -> str:
    header = ["steps", "frame ms: median / p95 / max", "long tasks (ms in all)",
              "Stop shown: stopping / stopped", "points a series"]
    cells = []
    for row in rows:
        f = row["frame_ms"]
        cells.append([
            f"{row['steps']:,}",
            f"{f['median']:.1f} / {f['p95']:.1f} / {f['max']:.1f}",
            f"{row['long_tasks']} ({row['long_task_ms']:.0f})",
            f"{row['stopping_s']:.2f} s / {row['stopped_s']:.2f} s",
            f"{row['plotted_points']:,}",
        ])
    return markdown_table(header, cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=5.0, help="of training per measurement")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args()
    os.environ.setdefault("KERNEL_PYTHON", sys.executable)
    rows = []
    with tempfile.TemporaryDirectory() as base:
        notebooks = Path(base) / "notebooks"
        notebooks.mkdir()
        for steps in args.steps:
            cell = CELL.replace("{steps}", str(steps))
            (notebooks / f"dashboard_{steps}.ipynb").write_text(json.dumps(notebook(cell)))
        with jupyter_lab(Path(base) / "lab", notebooks) as lab, chromium() as browser:
            for steps in args.steps:
                started = time.monotonic()
                rows.append(measure(browser, lab, steps, args.seconds))
                print(f"{steps:,} steps measured in {time.monotonic() - started:.0f} s", flush=True)
    print(table(rows))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
