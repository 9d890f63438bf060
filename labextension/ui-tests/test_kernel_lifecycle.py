"""The live workbench across kernel starts (issue #25): the sidebar connects after each of ten
notebook starts, and widgets, cells, restarts and shutdowns leave no error in the console."""

from helpers import NOTEBOOK, assert_no_error_outputs, open_notebook, run_all_cells, screenshot
from kernels import shut_down_kernels
from playwright.sync_api import expect
from test_sidebar import PANEL, PHASE, model_row, restart_kernel, show_panel

CANNOT_TALK = "The panel could not talk to this kernel"
# Console errors that JupyterLab itself logs, whatever the extensions do: message -> why.
NOT_OURS = {
    "Error: widget model not found": "ipywidgets' manager (get_model) rendering a widget output"
    " saved in the notebook, whose model died with its kernel; the cell says 'Error displaying"
    " widget: model not found'. A plain IntSlider logs it too (test_not_ours_is_...).",
}


def focus_notebook(page, name: str) -> None:
    """Makes the notebook JupyterLab's current widget, the one the Kernel menu acts on."""
    page.click(f"#jp-main-dock-panel .lm-TabBar-tab:has-text('{name}')")
    expect(page.locator("#jp-main-statusbar")).to_contain_text(name)


def test_the_panel_connects_after_ten_notebook_starts(page, jupyter):
    """Half the starts restart the kernel from the menu, half open the notebook again in a
    reloaded page with a new kernel."""
    shut_down_kernels(jupyter)
    for start in range(10):
        if start % 2 == 0:
            shut_down_kernels(jupyter)
            open_notebook(page, jupyter, "sidebar_restarts.ipynb")
            show_panel(page)
        else:
            restart_kernel(page)
        page.wait_for_selector(f"{PHASE}[data-phase=not_imported]", timeout=120_000)
        run_all_cells(page)
        expect(page.locator(model_row("model"))).to_be_visible(timeout=120_000)
        expect(page.locator(f"{PANEL}[data-phase=connected]")).to_be_visible()
        expect(page.locator(PANEL)).not_to_contain_text(CANNOT_TALK)
        expect(page.locator(f"{NOTEBOOK} .jp-OutputArea-output")).to_have_text("built net")
        assert_no_error_outputs(page)
        if start in (0, 1, 9):
            screenshot(page, f"lifecycle-start-{start + 1}")
    assert_no_console_errors(page)


def kernel_menu(page, item: str) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Kernel')")
    page.click(f".lm-Menu-itemLabel:text-is('{item}')")


def collect_page_errors(page) -> None:
    """Uncaught exceptions too, with their stack, beside what the page logs."""
    page.on("pageerror", lambda error: page.console_messages.append(f"error: {error.stack}"))


def open_widgets_and_views(page, notebook: str) -> None:
    run_all_cells(page)
    page.wait_for_selector(".wb-dashboard [data-action=start]:not([disabled])", timeout=120_000)
    expect(page.locator(".wb-inspector [data-testid=capture-status]")).to_contain_text(
        "a batch before any training", timeout=120_000
    )
    row = page.locator(f"{PANEL} .wb-model")
    expect(row).to_have_count(1, timeout=60_000)
    for view in ("dashboard", "inspector"):
        row.locator(f"[data-action=open][data-view={view}]").click()
        expect(page.locator(f".wb-view-beside .wb-{view}")).to_be_visible(timeout=60_000)
    focus_notebook(page, notebook)


def test_widgets_restarts_and_shutdowns_leave_no_console_error(page, jupyter):
    """Widgets in cells and beside the notebook, training, two restarts, and the three ways to
    shut a kernel down: Shut Down Kernel, Close and Shut Down Notebook, Shut Down All Kernels
    (the last logged "Cannot close": the sidebar closed a comm of a disposed kernel)."""
    notebook = "cross_widgets.ipynb"
    shut_down_kernels(jupyter)
    collect_page_errors(page)
    open_notebook(page, jupyter, notebook)
    show_panel(page)
    for restart in range(2):
        open_widgets_and_views(page, notebook)
        screenshot(page, f"lifecycle-widgets-{restart + 1}")
        restart_kernel(page)
        page.wait_for_selector(f"{PHASE}[data-phase=not_imported]", timeout=120_000)

    open_widgets_and_views(page, notebook)
    page.locator(f"{NOTEBOOK} .wb-dashboard [data-action=start]").click()
    page.wait_for_selector(f"{NOTEBOOK} .wb-training-controls[data-state=running]")
    kernel_menu(page, "Shut Down Kernel")
    page.wait_for_selector(f"{PHASE}[data-phase=no_kernel]", timeout=60_000)
    expect(page.locator(".wb-view-beside")).to_have_count(0)  # its widgets died with the kernel
    screenshot(page, "lifecycle-shut-down-while-training")

    open_notebook(page, jupyter, notebook)  # the page reloaded, the notebook with a new kernel
    show_panel(page)
    page.wait_for_selector(f"{PHASE}[data-phase=not_imported]", timeout=120_000)
    open_widgets_and_views(page, notebook)
    page.click(".lm-MenuBar-itemLabel:text-is('File')")
    page.click(".lm-Menu-itemLabel:text-is('Close and Shut Down Notebook…')")
    page.click(".jp-Dialog-button.jp-mod-accept")
    expect(page.locator(NOTEBOOK)).to_have_count(0)

    open_notebook(page, jupyter, notebook)
    show_panel(page)
    page.wait_for_selector(f"{PHASE}[data-phase=not_imported]", timeout=120_000)
    open_widgets_and_views(page, notebook)
    kernel_menu(page, "Shut Down All Kernels…")
    page.click(".jp-Dialog-button.jp-mod-accept")
    page.wait_for_selector(f"{PHASE}[data-phase=no_kernel]", timeout=60_000)
    expect(page.locator(".wb-view-beside")).to_have_count(0)
    page.wait_for_timeout(2000)  # what the shutdown logs comes after the status
    screenshot(page, "lifecycle-shut-down-all")
    assert_no_console_errors(page)


NOT_LIVE = "The kernel has stopped: this view is no longer live."
WIDGET_ROOTS = ("wb-dashboard", "wb-inspector", "wb-graph-editor", "wb-playground", "wb-workbench")


def assert_views_not_live(page) -> None:
    """Every widget view in the notebook says its kernel is gone, once per widget (a
    Workbench's tabs share its notice), and none of its controls can be used."""
    roots = page.locator(f"{NOTEBOOK} .wb-root")
    live = page.locator(f"{NOTEBOOK} .wb-root:not([data-live=false])")
    expect(live).to_have_count(0, timeout=30_000)
    expect(page.locator(f"{NOTEBOOK} [data-testid=not-live]")).to_have_count(len(WIDGET_ROOTS))
    for root in WIDGET_ROOTS:
        notice = page.locator(f"{NOTEBOOK} .{root} > [data-testid=not-live]")
        expect(notice).to_have_count(1)
        expect(notice).to_contain_text(NOT_LIVE)
    enabled = roots.locator("button:not([disabled]), input:not([disabled]), select:not([disabled])")
    expect(enabled).to_have_count(0)


def open_all_widgets(page, jupyter, notebook: str) -> None:
    open_notebook(page, jupyter, notebook)
    run_all_cells(page)
    expect(page.locator(f"{NOTEBOOK} .wb-dashboard [data-action=start]").first).to_be_enabled(
        timeout=120_000
    )
    expect(page.locator(f"{NOTEBOOK} .wb-workbench")).to_be_visible(timeout=120_000)
    expect(page.locator(f"{NOTEBOOK} [data-testid=not-live]")).to_have_count(0)


def test_views_say_their_kernel_is_gone(page, jupyter):
    """Shut Down Kernel while the dashboard trains, and a restart: every widget in a cell
    (dashboard, inspector, editor, playground, workbench) shows the not-live notice with its
    controls disabled, where the dashboard kept saying "running" with Pause and Stop enabled."""
    notebook = "all_widgets.ipynb"
    shut_down_kernels(jupyter)
    collect_page_errors(page)
    open_all_widgets(page, jupyter, notebook)
    page.locator(f"{NOTEBOOK} .wb-dashboard [data-action=start]").first.click()
    status = page.locator(f"{NOTEBOOK} .wb-dashboard [data-testid=training-status]").first
    expect(status).to_contain_text("running")
    kernel_menu(page, "Shut Down Kernel")
    assert_views_not_live(page)
    expect(status).to_contain_text("kernel stopped · last known: running")
    screenshot(page, "lifecycle-views-not-live-after-shut-down")
    for root in ("wb-dashboard", "wb-workbench"):
        view = page.locator(f"{NOTEBOOK} .{root}").first
        view.scroll_into_view_if_needed()
        screenshot(page, f"lifecycle-not-live-{root}", view)

    shut_down_kernels(jupyter)
    open_all_widgets(page, jupyter, notebook)
    restart_kernel(page)
    assert_views_not_live(page)
    screenshot(page, "lifecycle-views-not-live-after-restart")
    # the restart done, or the next test's shut_down_kernels fails on a restarting kernel (500)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    assert_no_console_errors(page)


def test_not_ours_is_what_a_plain_ipywidget_logs_too(page, jupyter):
    """The console errors NOT_OURS lets through come from ipywidgets' manager, whatever the
    widget: a notebook saved with an IntSlider's output, reopened with a new kernel."""
    shut_down_kernels(jupyter)
    open_notebook(page, jupyter, "plain_widget.ipynb")
    run_all_cells(page)
    expect(page.locator(f"{NOTEBOOK} .widget-slider")).to_be_visible(timeout=60_000)
    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-dirty")).to_have_count(0)
    shut_down_kernels(jupyter)
    open_notebook(page, jupyter, "plain_widget.ipynb")
    expect(page.locator(f"{NOTEBOOK} .jp-OutputArea-output")).to_have_text(
        "Error displaying widget: model not found", timeout=30_000
    )
    screenshot(page, "lifecycle-plain-widget-reopened")
    logged = "\n".join(page.console_messages)
    for known in NOT_OURS:
        assert known in logged, (known, logged)


def assert_no_console_errors(page) -> None:
    errors = [
        message
        for message in page.console_messages
        if message.startswith("error:") and not any(known in message for known in NOT_OURS)
    ]
    assert errors == [], "\n".join(errors)
