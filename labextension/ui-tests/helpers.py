"""Steps the browser tests share: open a notebook, run it, find a widget, take a screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, TimeoutError

ARTIFACTS = Path(__file__).parent / "artifacts"


def open_notebook(page: Page, jupyter, name: str) -> None:
    url, token, _ = jupyter
    page.goto(f"{url}/lab/tree/{name}?token={token}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="visible")
    # The kernel is up when the toolbar's status says so.
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)


NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the one on show
STARTED = (
    f"() => [...document.querySelectorAll('{NOTEBOOK} .jp-InputPrompt')]"
    ".every(prompt => prompt.textContent.trim() !== '[ ]:')"
)


def run_all_cells(page: Page, attempts: int = 3) -> None:
    """Run > Run All Cells, until every cell has started: on a loaded machine JupyterLab may
    drop the first click while it is still starting up."""
    for attempt in range(attempts):
        page.click(f"{NOTEBOOK} .jp-Cell >> nth=0")
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        try:
            page.wait_for_function(STARTED, timeout=15_000)
            return
        except TimeoutError:
            if attempt == attempts - 1:
                raise


def run_cell(page: Page, index: int, attempts: int = 3) -> None:
    """Runs one cell, until its prompt says it started (a click may be dropped, as above)."""
    prompt = page.locator(f"{NOTEBOOK} .jp-Cell >> nth={index} >> .jp-InputPrompt")
    before = prompt.text_content()
    for attempt in range(attempts):
        page.click(f"{NOTEBOOK} .jp-Cell >> nth={index}")
        page.keyboard.press("Escape")  # command mode: Ctrl+Enter runs it, whatever is focused
        page.keyboard.press("Control+Enter")
        try:
            page.wait_for_function(
                "([prompt, before]) => prompt.textContent !== before",
                arg=[prompt.element_handle(), before],
                timeout=15_000,
            )
            return
        except TimeoutError:
            if attempt == attempts - 1:
                raise


def cell_output(page: Page, index: int):
    return page.locator(f"{NOTEBOOK} .jp-Cell >> nth={index} >> .jp-OutputArea-output")


def screenshot(page: Page, name: str, element=None) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    (element or page).screenshot(path=str(path))
    return path


def centre(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


# JupyterLab renders a cell's stderr and its errors (tracebacks) both as this mime type.
STDERR_OUTPUT = f"{NOTEBOOK} [data-mime-type='application/vnd.jupyter.stderr']"


def assert_no_error_outputs(page: Page) -> None:
    """No cell wrote to stderr or raised, and no widget shows a Python traceback."""
    assert page.locator(STDERR_OUTPUT).count() == 0, page.locator(STDERR_OUTPUT).all_inner_texts()
    assert "Traceback" not in page.locator(NOTEBOOK).inner_text()
