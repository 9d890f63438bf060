"""The playground and the Workbench tabs render and answer in a real browser."""

from helpers import open_notebook, run_all_cells, screenshot


def no_console_errors(page) -> None:
    errors = [m for m in page.console_messages if m.startswith("error:") and "favicon" not in m]
    assert errors == [], errors


def test_playground(page, jupyter):
    """A student's session: data, a feature, a layer, a refused rate, play, pause, step, reset."""
    open_notebook(page, jupyter, "playground.ipynb")
    page.keyboard.press("Control+b")
    run_all_cells(page)
    pg = ".wb-playground"
    fragment = f"{pg} [data-testid=fragment]"

    def shared(text: str) -> None:
        page.wait_for_function(
            "([sel, text]) => document.querySelector(sel).value.includes(text)",
            arg=[fragment, text],
            timeout=60_000,
        )

    def epoch() -> int:
        return int(page.inner_text(f"{pg} [data-testid=epoch]").split()[-1])

    # TensorFlow Playground's defaults: 2 hidden layers of 4 and 2 neurons, one map each
    page.wait_for_selector(f"{pg} [data-testid=neuron] canvas")
    assert page.locator(f"{pg} [data-testid=neuron]").count() == 6
    assert page.input_value(f"{pg} [data-field=learning_rate]") == "0.03"
    page.select_option(f"{pg} [data-field=dataset]", "xor")
    shared("dataset=xor")
    page.check(f"{pg} input[data-field=feature][value='x1^2']")
    shared("features=x1,x2,x1^2")
    page.click(f"{pg} [data-action=layers][data-delta='+']")
    page.wait_for_selector(f"{pg} [data-testid=layer-3]")
    assert page.locator(f"{pg} [data-testid=neuron]").count() == 10
    shared("hidden=4,2,4")
    fewer = f"{pg} [data-testid=layer-2] [data-action=neurons][data-delta='-']"
    page.click(fewer)
    shared("hidden=4,1,4")
    page.wait_for_function(
        "sel => document.querySelectorAll(sel).length === 9", arg=f"{pg} [data-testid=neuron]"
    )
    page.click(fewer)  # 0 neurons: refused, the layer stays
    page.wait_for_selector(f"{pg} [data-testid=playground-message].wb-pg-refused")
    assert "at least 1 neuron" in page.inner_text(f"{pg} [data-testid=playground-message]")
    page.fill(f"{pg} [data-field=ratio]", "0")
    page.locator(f"{pg} [data-field=ratio]").blur()
    page.wait_for_function(
        "sel => document.querySelector(sel).textContent.includes('training data')",
        arg=f"{pg} [data-testid=playground-message]",
    )
    shared("ratio=50")
    # an impossible rate is refused in the control, and nothing changes
    page.fill(f"{pg} [data-field=learning_rate]", "-1")
    page.press(f"{pg} [data-field=learning_rate]", "Enter")
    page.locator(f"{pg} [data-field=learning_rate]").blur()
    page.wait_for_selector(f"{pg} [data-testid=playground-message].wb-pg-refused")
    assert "learning rate" in page.inner_text(f"{pg} [data-testid=playground-message]")
    shared("learning_rate=0.03")
    # play until paused
    page.click(f"{pg} [data-action=play]")
    page.wait_for_function(
        "sel => Number(document.querySelector(sel).textContent.split(' ').pop()) >= 3",
        arg=f"{pg} [data-testid=epoch]",
        timeout=120_000,
    )
    page.wait_for_selector(f"{pg} [data-testid=playground-loss] polyline.wb-pg-test[points*=',']")
    page.click(f"{pg} [data-action=pause]")
    page.wait_for_selector(f"{pg} [data-action=play]", timeout=60_000)
    paused = epoch()
    assert "0 steps/s" not in page.inner_text(f"{pg} [data-testid=playground-status]")
    screenshot(page, "playground-1-trained", page.locator(pg))
    for toggle, canvas in (("show-test", "wb-plane-points"), ("discretize", "wb-plane-heat")):
        before = page.locator(f"{pg} .{canvas}").evaluate("c => c.toDataURL()")
        page.click(f"{pg} [data-view={toggle}]")
        page.wait_for_function(
            "([sel, before]) => document.querySelector(sel).toDataURL() !== before",
            arg=[f"{pg} .{canvas}", before],
        )
    screenshot(page, "playground-1b-discretized-no-test", page.locator(pg))
    page.click(f"{pg} [data-view=show-test]")
    page.click(f"{pg} [data-action=step]")
    page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).textContent.split(' ').pop()) === n",
        arg=[f"{pg} [data-testid=epoch]", paused + 1],
        timeout=60_000,
    )
    page.click(f"{pg} [data-action=reset]")
    page.wait_for_function(
        "sel => document.querySelector(sel).textContent === 'Epoch 0'",
        arg=f"{pg} [data-testid=epoch]",
    )
    assert page.input_value(f"{pg} [data-field=learning_rate]") == "0.03"
    shared("hidden=4,1,4")
    screenshot(page, "playground-2-reset", page.locator(pg))
    # the rest of the settings, each shown back in the shared configuration
    page.select_option(f"{pg} [data-field=activation]", "relu")
    shared("activation=relu")
    page.select_option(f"{pg} [data-field=regularization]", "l2")
    shared("regularization=l2")
    page.fill(f"{pg} [data-field=regularization_rate]", "0.001")
    page.locator(f"{pg} [data-field=regularization_rate]").blur()
    shared("regularization_rate=0.001")
    page.fill(f"{pg} [data-field=noise]", "0.3")
    page.locator(f"{pg} [data-field=noise]").blur()
    shared("noise=0.3")
    page.click(f"{pg} [data-action=regenerate]")
    shared("seed=1")
    page.select_option(f"{pg} [data-field=problem]", "regression")
    shared("problem=regression&dataset=plane")
    page.select_option(f"{pg} [data-field=dataset]", "multi_gaussian")
    shared("dataset=multi_gaussian")
    page.click(f"{pg} [data-action=step]")
    page.wait_for_function(
        "sel => document.querySelector(sel).textContent === 'Epoch 1'",
        arg=f"{pg} [data-testid=epoch]",
        timeout=60_000,
    )
    screenshot(page, "playground-3-regression", page.locator(pg))
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
