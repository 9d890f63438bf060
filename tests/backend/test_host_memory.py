"""Every backend whose CPU arrays come from malloc keeps freed host memory for reuse;
TensorFlow pools its CPU memory in its own allocator."""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")
MODULES = {
    "numpy": "engine.backend.numpy",
    "jax": "engine.backend.jax",
    "torch": "engine.backend.torch",
}


def _raised_after_importing(module: str, **environment) -> list:
    """host_memory's record in a fresh process that imported only `module` of the engine."""
    code = (
        f"import json, {module}; from engine.backend import host_memory; "
        "print(json.dumps(host_memory._done))"
    )
    env = {**os.environ, "WORKBENCH_BACKEND": "numpy", **environment}
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        if name not in environment:
            env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's")
@pytest.mark.parametrize("backend", sorted(MODULES))
def test_importing_a_backend_raises_the_thresholds(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    assert _raised_after_importing(MODULES[backend]) == [True]


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's")
def test_thresholds_the_user_set_are_left_alone():
    assert _raised_after_importing(MODULES["numpy"], MALLOC_TRIM_THRESHOLD_="131072") == [False]


def _allocator_after_importing_tensorflow(**environment) -> str:
    code = (
        "import os, engine.backend.tensorflow; "
        "print(os.environ['TF_CPU_ALLOCATOR_USE_BFC'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPU_ALLOCATOR_USE_BFC"}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**env, **environment}, capture_output=True,
        text=True, check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="no tensorflow")
def test_tensorflow_pools_its_cpu_memory_unless_the_user_chose():
    assert _allocator_after_importing_tensorflow() == "true"
    assert _allocator_after_importing_tensorflow(TF_CPU_ALLOCATOR_USE_BFC="false") == "false"
