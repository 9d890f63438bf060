"""Binder's environment is complete: a fresh virtual environment built from binder/ alone runs
the quickstart notebook.

This is what repo2docker does for mybinder.org, without the container: install
binder/requirements.txt from the repository root, run binder/postBuild, open the quickstart.
It takes minutes, mostly unpacking the frameworks; pip's cache spares the downloads after the
first run, and bytecode is compiled on first import instead of at install.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "notebooks" / "quickstart.ipynb"


def run(command, timeout, **kwargs):
    """Run `command`; on failure, fail with the end of its output."""
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=timeout, **kwargs
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def isolated_environment(tmp_path) -> dict:
    """The environment variables of a Binder session: no project on PYTHONPATH, no user Jupyter
    configuration, nothing of the virtual environment running the tests."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "WORKBENCH"))
    }
    for name in ("home", "jupyter-config", "jupyter-data"):
        (tmp_path / name).mkdir()
    env.update(
        HOME=str(tmp_path / "home"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_PATH=str(tmp_path / "jupyter-data"),
    )
    return env


def add_kernel(env: dict, python: Path) -> str:
    """A kernelspec that runs `python`, so the notebook runs in the new environment."""
    folder = Path(env["JUPYTER_DATA_DIR"]) / "kernels" / "binder"
    folder.mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Binder environment",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return "binder"


def test_a_fresh_environment_from_binder_files_runs_the_quickstart(tmp_path):
    environment = tmp_path / "binder-env"
    env = isolated_environment(tmp_path)
    try:
        run([sys.executable, "-m", "venv", "--without-pip", environment], timeout=120)
        python = environment / "bin" / "python"
        # The running pip installs into the new environment (pip --python): the same pip
        # repo2docker uses, without bootstrapping a second copy.
        # An index that cannot be reached (the PyTorch one, offline or behind a mirror) is
        # given up at once: pip's retries would cost seconds per package, in the build
        # environment too (hence the variable, which pip passes on).
        pip_env = {"PIP_RETRIES": "0", **env, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        install = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
        run(
            [*install, "--no-compile", "-r", "binder/requirements.txt"],
            timeout=1200,
            cwd=REPO,
            env=pip_env,
        )

        run(["bash", REPO / "binder" / "postBuild"], timeout=60, cwd=REPO, env=env)
        config = Path(env["HOME"]) / ".jupyter" / "jupyter_server_config.py"
        assert "notebooks/quickstart.ipynb" in config.read_text()

        kernel = add_kernel(env, python)
        executed = tmp_path / "executed"
        run(
            [
                environment / "bin" / "jupyter",
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                f"--ExecutePreprocessor.kernel_name={kernel}",
                "--ExecutePreprocessor.timeout=300",
                "--output-dir",
                executed,
                QUICKSTART,
            ],
            timeout=600,
            cwd=tmp_path,
            env={**env, "PATH": f"{environment / 'bin'}{os.pathsep}{env['PATH']}"},
        )
        cells = json.loads((executed / QUICKSTART.name).read_text())["cells"]
        outputs = [o for cell in cells if cell["cell_type"] == "code" for o in cell["outputs"]]
        assert not [o for o in outputs if o["output_type"] == "error"]
        printed = "".join("".join(o.get("text", "")) for o in outputs)
        assert "test accuracy" in printed and "model on numpy" in printed
    finally:
        shutil.rmtree(environment, ignore_errors=True)  # gigabytes of frameworks
