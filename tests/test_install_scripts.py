"""The setup scripts: PyTorch's CPU build where there is no NVIDIA GPU, and a workbench that
opens a copy of the course rather than the repository's notebooks."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def fake_python(tmp_path):
    """A 'python' that logs each pip install it is asked for and, where NEEDS is set, fails
    the ones whose arguments lack it (the indexes pip knows do not have the wheel)."""
    log = tmp_path / "pip.log"
    python = executable(
        tmp_path / "python",
        f'#!/bin/sh\necho "$*" >> {log}\n'
        'case "$*" in *"$NEEDS"*) exit 0;; esac\nexit 1\n',
    )
    return python, log


def install_torch(python, tmp_path, gpu: bool, needs: str = "") -> list[str]:
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    if gpu:
        executable(tools / "nvidia-smi", "#!/bin/sh\necho 'GPU 0: NVIDIA H100'\n")
    env = {**os.environ, "PATH": f"{tools}:/usr/bin:/bin", "NEEDS": needs}
    subprocess.run(["bash", "scripts/install-torch", str(python[0])], cwd=ROOT, env=env,
                   check=True)
    return python[1].read_text().splitlines()


def test_without_a_gpu_torch_is_the_cpu_build(fake_python, tmp_path):
    [call] = install_torch(fake_python, tmp_path, gpu=False)
    assert call.endswith("torch==2.13.0+cpu")


def test_without_a_gpu_and_no_cpu_wheel_at_hand_it_comes_from_pytorchs_cpu_index(
    fake_python, tmp_path
):
    first, second = install_torch(fake_python, tmp_path, gpu=False, needs="--index-url")
    assert first.endswith("torch==2.13.0+cpu")
    assert "torch==2.13.0+cpu --index-url https://download.pytorch.org/whl/cpu" in second


def test_with_an_nvidia_gpu_torch_is_the_cuda_build(fake_python, tmp_path):
    [call] = install_torch(fake_python, tmp_path, gpu=True)
    assert call.endswith("torch==2.13.0")


def test_the_workbench_opens_a_copy_of_the_course_and_keeps_the_users_changes(tmp_path):
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    (checkout / "notebooks").mkdir()
    (checkout / "scripts" / "workbench").write_text((ROOT / "scripts" / "workbench").read_text())
    executable(checkout / "scripts" / "install", "#!/bin/sh\nexit 0\n")
    venv = checkout / ".venv" / "bin"
    venv.mkdir(parents=True)
    executable(venv / "python", "#!/bin/sh\nexit 0\n")
    executable(venv / "jupyter", '#!/bin/sh\necho "$PWD $*" > ../opened\n')
    (checkout / "notebooks" / "quickstart.ipynb").write_text("course")
    (checkout / "notebooks" / "README.md").write_text("readme")
    (checkout / "workspace").mkdir()
    (checkout / "workspace" / "quickstart.ipynb").write_text("the student's own work")

    subprocess.run(["bash", "scripts/workbench"], cwd=checkout, check=True)
    assert (checkout / "opened").read_text().split() == [
        str(checkout / "workspace"), "lab", "quickstart.ipynb"
    ]
    assert (checkout / "workspace" / "quickstart.ipynb").read_text() == "the student's own work"
    assert (checkout / "workspace" / "README.md").read_text() == "readme"
    assert (checkout / "notebooks" / "quickstart.ipynb").read_text() == "course"
