"""A JupyterLab server and a headless Chromium, for the browser tests and the browser benchmark.

The server runs from SERVER_PYTHON (needs jupyterlab), the notebooks' kernel from
KERNEL_PYTHON (needs the project, anywidget and ipykernel); both default to the running
interpreter. Everything Jupyter writes goes to a temporary directory; the prebuilt extension in
workbench/labextension/ is loaded from the checkout.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
REPO = HERE.parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
KERNEL_NAME = "workbench-test"


class MissingBuild(RuntimeError):
    """The widgets are not built."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_kernelspec(data_dir: Path, python: str) -> None:
    spec = data_dir / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Model Workbench (test)",
                "language": "python",
                "env": {"WORKBENCH_BACKEND": "numpy", "PYTHONPATH": str(REPO)},
            }
        )
    )


def wait_for_server(url: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited ({process.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"jupyter lab did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def jupyter_lab(base: Path, notebooks: Path, log_copy: Path | None = None):
    """A running JupyterLab serving a copy of `notebooks`: yields (base_url, token, root_dir).
    `base` is an empty directory for everything it writes; its log is copied to `log_copy`."""
    if not (REPO / "workbench" / "static" / "graph_editor.js").is_file():
        raise MissingBuild("The widgets are not built: run `jlpm build:widgets` in labextension/.")
    root, data, config, runtime = (base / name for name in ("root", "data", "config", "runtime"))
    shutil.copytree(notebooks, root)
    write_kernelspec(data, os.environ.get("KERNEL_PYTHON", sys.executable))
    # No "would you like news?" toast over the widgets.
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    extensions = base / "labextensions"
    extensions.mkdir()
    if (REPO / "workbench" / "labextension" / "package.json").is_file():
        (extensions / "model-workbench").symlink_to(REPO / "workbench" / "labextension")
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_DATA_DIR": str(data),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    log = base / "jupyter.log"
    server_python = os.environ.get("SERVER_PYTHON", sys.executable)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                server_python,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ServerApp.allow_root=True",
                f"--ServerApp.port={port}",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                f"--LabApp.extra_labextensions_path={extensions}",
                f"--LabApp.user_settings_dir={base / 'settings'}",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(f"{url}/api/status?token={token}", process, log)
        yield url, token, root
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_copy is not None:
            log_copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, log_copy)


@contextlib.contextmanager
def chromium():
    """A headless Chromium (Playwright's Browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
