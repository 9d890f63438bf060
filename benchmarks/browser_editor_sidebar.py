"""The graph editor's edit-to-shapes latency and the sidebar's backend switch, in a real browser.

    python -m benchmarks.browser_editor_sidebar    # the editor at 20 and 200 nodes, the sidebar
    python -m benchmarks.browser_editor_sidebar --nodes 20 --edits 10 --switches 4 --json out.json

Not a test (CI does not run it). JupyterLab and Chromium start as for the browser tests
(labextension/ui-tests/lab.py; needs the widgets built and /usr/bin/chromium).
Editor: a notebook builds a wb.GraphEditor on a chain Input -> Dense -> Activation x (nodes - 2),
so the Dense's units set every later node's shape; the benchmark types new units in the form and
presses Enter, and times from that key's own timestamp until the Dense and the chain's last node
show the new shape. Goal: under 100 ms.
Sidebar: a notebook defines a ~10M-parameter model and imports the target framework first; the
benchmark picks the other backend in the panel and times from the select's change event until
the model's row shows it, switching back and forth. Goal: under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from functools import partial
from pathlib import Path

from benchmarks.browser_pages import markdown_table, notebook, percentile

# isort: split
from helpers import open_notebook, run_all_cells  # ui-tests/, on the path browser_pages sets
from lab import chromium, jupyter_lab
from test_sidebar import PANEL, model_row, show_panel

EDITOR = ".wb-graph-editor"
EDITOR_CELL = """import workbench as wb

editor = wb.GraphEditor()
last = editor.add("InputLayer", shape=[16], name="inputs")
last = editor.add("Dense", units=16, inputs=[last], name="dense")
for k in range({nodes} - 2):
    last = editor.add("Activation", activation="relu", inputs=[last], name=f"act_{k}")
editor"""
SIDEBAR_CELL = """import {framework}  # its import on first use is not part of the switch
import engine
import workbench
from engine import layers

i = layers.Input((2000,))
x = layers.Dense(2500, activation="relu")(i)
x = layers.Dense(2000, activation="relu")(x)
model = engine.Model(i, layers.Dense(10)(x), name="big")
print(f"{model.count_params():,} parameters")"""

# Records, in the page, an event's own timestamp and the first moment each condition holds.
WATCH = """([event, conditions]) => {
  const m = (window.benchmark = { start: null, at: {} });
  const checks = Object.entries(conditions)
    .map(([name, js]) => [name, new Function('return ' + js)]);
  const started = e => { m.start ??= e.timeStamp; };
  document.addEventListener(event, started, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    if (m.start === null) return;
    const now = performance.now();
    checks.forEach(([name, holds]) => { if (!(name in m.at) && holds()) m.at[name] = now; });
    if (Object.keys(m.at).length === checks.length) observer.disconnect();
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def timed(page, event: str, conditions: dict, act) -> dict:
    """Milliseconds from `event` (which `act` fires) until each condition (JS) holds in the page."""
    page.evaluate(WATCH, [event, conditions])
    act()
    page.wait_for_function(
        f"() => Object.keys(window.benchmark.at).length === {len(conditions)}", timeout=120_000
    )
    return page.evaluate(
        "() => Object.fromEntries(Object.entries(window.benchmark.at)"
        ".map(([name, at]) => [name, at - window.benchmark.start]))"
    )


def summary(times: list) -> dict:
    return {
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "max_ms": max(times),
        "times_ms": times,
    }


def shape_shown(node: str, units: int) -> str:
    return (
        f"document.querySelector('{EDITOR} [data-testid=node-{node}] .wb-node-shape')"
        f"?.textContent === '(None, {units})'"
    )


def measure_editor(page, lab, nodes: int, edits: int) -> dict:
    open_notebook(page, lab, f"editor_{nodes}.ipynb")
    run_all_cells(page)
    last = f"act_{nodes - 3}"
    page.wait_for_selector(f"{EDITOR} [data-testid=node-{last}]", state="attached", timeout=300_000)
    page.locator(f"{EDITOR} [data-testid=node-dense]").click()
    units = f"{EDITOR} [data-argument=units]"
    page.wait_for_selector(units)
    times = {"dense": [], last: []}
    for edit in range(edits):
        value = 17 + edit
        page.fill(units, str(value))
        shown = {node: shape_shown(node, value) for node in times}
        for node, ms in timed(page, "keydown", shown, partial(page.press, units, "Enter")).items():
            times[node].append(ms)
        page.wait_for_selector(units)
    return {
        "nodes": nodes,
        "edited_node": summary(times["dense"]),
        "last_node": summary(times[last]),
    }


def measure_sidebar(page, lab, framework: str, switches: int) -> dict:
    open_notebook(page, lab, "sidebar_switch.ipynb")
    show_panel(page)
    run_all_cells(page)
    row = model_row("model")
    page.wait_for_selector(f"{row} [data-testid=model-backend]", timeout=120_000)
    select = f"{PANEL} select[data-field=backend]"
    times = {framework: [], "numpy": []}
    for switch in range(switches):
        target = framework if switch % 2 == 0 else "numpy"
        page.wait_for_selector(f"{select}:not([disabled])")
        shown = (
            f'document.querySelector("{row} [data-testid=model-backend]")'
            f"?.textContent === '{target}'"
        )
        pick = partial(page.select_option, select, target)
        times[target].append(timed(page, "change", {"shown": shown}, pick)["shown"])
    return {
        "parameters": page.locator(".jp-OutputArea-output").first.inner_text().strip(),
        "to": {name: summary(values) for name, values in times.items()},
    }


def editor_table(rows: list) -> str:
    header = ["nodes", "edited node shows its shape: median / p95 / max ms",
              "last node shows its shape: median / p95 / max ms"]
    cells = [
        [str(row["nodes"])] + [
            f"{row[key]['median_ms']:.0f} / {row[key]['p95_ms']:.0f} / {row[key]['max_ms']:.0f}"
            for key in ("edited_node", "last_node")
        ]
        for row in rows
    ]
    return markdown_table(header, cells)


def sidebar_table(result: dict) -> str:
    header = ["switch to", "each switch, ms (first first)", "median ms"]
    cells = [
        [name, ", ".join(f"{value:.0f}" for value in row["times_ms"]), f"{row['median_ms']:.0f}"]
        for name, row in result["to"].items()
    ]
    return f"Model: {result['parameters']}\n\n" + markdown_table(header, cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, nargs="*", default=[20, 200])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--framework", default="jax", help="the backend the sidebar switches to")
    parser.add_argument("--switches", type=int, default=10, help="0: no sidebar measurement")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args()
    os.environ.setdefault("KERNEL_PYTHON", sys.executable)
    results = {}
    with tempfile.TemporaryDirectory() as base:
        notebooks = Path(base) / "notebooks"
        notebooks.mkdir()
        for nodes in args.nodes:
            source = EDITOR_CELL.replace("{nodes}", str(nodes))
            (notebooks / f"editor_{nodes}.ipynb").write_text(json.dumps(notebook(source)))
        source = SIDEBAR_CELL.replace("{framework}", args.framework)
        (notebooks / "sidebar_switch.ipynb").write_text(json.dumps(notebook(source)))
        with jupyter_lab(Path(base) / "lab", notebooks) as lab, chromium() as browser:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(300_000)
            results["editor"] = [
                measure_editor(page, lab, nodes, args.edits) for nodes in args.nodes
            ]
            if args.switches:
                results["sidebar"] = measure_sidebar(page, lab, args.framework, args.switches)
            context.close()
    print(editor_table(results["editor"]))
    if "sidebar" in results:
        print()
        print(sidebar_table(results["sidebar"]))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
