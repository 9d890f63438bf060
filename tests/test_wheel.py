"""The wheel the README's set-up builds ships the prebuilt JupyterLab extension, so that after
`pip install` JupyterLab shows the sidebar with no Node and no `jupyter lab build`.

Builds the wheel with pip (about a minute: pip fetches the build requirements). The front end
is reused from workbench/static and workbench/labextension when they exist, else built with
`jlpm build` by the package's build hook.
"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
EXTENSION = "share/jupyter/labextensions/model-workbench/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-4000:]
    (path,) = out.glob("model_workbench-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def extension_files(wheel) -> dict:
    """The extension's files, by their path inside share/jupyter/labextensions/model-workbench/."""
    marker = f".data/data/{EXTENSION}"
    return {name.split(marker, 1)[1]: name for name in wheel.namelist() if marker in name}


def test_the_wheel_ships_the_prebuilt_extension(wheel):
    files = extension_files(wheel)
    package = json.loads(wheel.read(files["package.json"]))
    assert package["name"] == "model-workbench"
    build = package["jupyterlab"]["_build"]  # written by `jupyter labextension build`
    assert build["load"] in files and build["load"].startswith("static/remoteEntry.")
    assert json.loads(wheel.read(files["install.json"]))["packageName"] == "model-workbench"
    sizes = [wheel.getinfo(name).file_size for path, name in files.items() if path.endswith(".js")]
    assert len(sizes) >= 2 and all(size > 0 for size in sizes)


def test_the_wheel_ships_the_widgets_and_the_kernel_side_of_the_sidebar(wheel):
    names = set(wheel.namelist())
    for module in ("graph_editor", "dashboard", "inspector", "playground", "workbench"):
        assert f"workbench/static/{module}.js" in names
    assert {"workbench/sidebar.py", "workbench/sidebar_session.py"} <= names
    assert not any(name.startswith("workbench/labextension/") for name in names)  # shared-data
