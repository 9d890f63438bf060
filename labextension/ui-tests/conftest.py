"""Fixtures for the real-browser tests: a JupyterLab server and a headless Chromium page.

The server and the browser come from lab.py. Screenshots go to ui-tests/artifacts/ (kept: they
are the run's record), logs to ui-tests/artifacts/logs/.
"""

from __future__ import annotations

import pytest
from lab import HERE, MissingBuild, chromium, jupyter_lab

ARTIFACTS = HERE / "artifacts"
LOGS = ARTIFACTS / "logs"


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory):
    """A running JupyterLab: yields (base_url, token, root_dir)."""
    try:
        with jupyter_lab(
            tmp_path_factory.mktemp("jupyter"), HERE / "notebooks", LOGS / "jupyter.log"
        ) as lab:
            yield lab
    except MissingBuild as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser():
    with chromium() as browser:
        yield browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so a fixture can tell that a test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.console_messages = messages
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"))
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"{request.node.name}.console.log").write_text("\n".join(messages) + "\n")
    context.close()
