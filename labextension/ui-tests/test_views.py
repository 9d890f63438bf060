"""The playground and the Workbench tabs render and answer in a real browser."""

from helpers import open_notebook, run_all_cells, screenshot


def no_console_errors(page) -> None:
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors


def test_playground(page, jupyter):
    open_notebook(page, jupyter, "playground.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    playground = ".wb-playground"
    page.wait_for_selector(f"{playground} [data-testid=neurons] canvas")
    before = page.locator(f"{playground} .wb-plane-heat").evaluate("c => c.toDataURL()")
    # Many epochs: Stop, not the end of training, must be what ends it (even on a slow machine).
    page.fill(f"{playground} input[data-field=epochs]", "100000")
    page.click(f"{playground} [data-action=start]")
    page.wait_for_selector(f"{playground} [data-testid=playground-loss] polyline", timeout=120_000)
    page.wait_for_function(
        "([canvas, before]) => document.querySelector(canvas).toDataURL() !== before",
        arg=[f"{playground} .wb-plane-heat", before],
        timeout=120_000,
    )
    screenshot(page, "playground-1-training", page.locator(playground))
    page.click(f"{playground} [data-action=stop]")
    page.wait_for_selector(
        f"{playground} .wb-training-controls[data-state=stopped]", timeout=120_000
    )
    no_console_errors(page)


def test_workbench_tabs(page, jupyter):
    open_notebook(page, jupyter, "workbench.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    bench = ".wb-workbench"
    page.wait_for_selector(f"{bench} [data-testid=pane-build] .wb-graph-editor")
    # The draft starts with the data's input only: Train is refused with the reason.
    page.click(f"{bench} .wb-tab[data-tab=train]")
    page.wait_for_selector(f"{bench} > [data-testid=banner]:not([hidden])")
    screenshot(page, "workbench-1-refused", page.locator(bench))
    # Clicking a palette item adds the layer below the selected node (the input), then connect.
    page.locator(f"{bench} [data-testid^=node-]").first.click()
    page.click(f"{bench} .wb-palette-item[data-class=Dense]")
    page.wait_for_selector(f"{bench} [data-testid=node-dense]")
    source = page.locator(
        f"{bench} [data-testid^=node-] circle[data-port=out]"
    ).first.bounding_box()
    target = page.locator(f"{bench} [data-testid=node-dense] circle[data-port=in]").bounding_box()
    page.mouse.move(source["x"] + 6, source["y"] + 6)
    page.mouse.down()
    page.mouse.move(target["x"] + 6, target["y"] + 6, steps=8)
    page.mouse.up()
    page.wait_for_selector(f"{bench} .wb-statusline .wb-valid")
    page.click(f"{bench} .wb-tab[data-tab=train]")
    page.wait_for_selector(f"{bench} [data-testid=pane-train] .wb-dashboard", state="visible")
    screenshot(page, "workbench-2-train", page.locator(bench))
    page.click(f"{bench} .wb-tab[data-tab=inspect]")
    page.wait_for_selector(f"{bench} [data-testid=pane-inspect] .wb-inspector", state="visible")
    screenshot(page, "workbench-3-inspect", page.locator(bench))
    no_console_errors(page)
