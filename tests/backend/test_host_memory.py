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
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"):
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
@pytest.mark.parametrize("variable", ["MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"])
def test_settings_the_user_chose_are_left_alone(variable):
    assert _raised_after_importing(MODULES["numpy"], **{variable: "131072"}) == [False]


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


def _faults_of_a_thread_reallocating(**environment) -> list:
    """Page faults of a non-main thread that holds a 40 MB block and takes, fills and frees
    a 24 MB one three times (which its first heap has no room for), in a fresh process that
    imported the engine's NumPy backend; in 4 KiB pages (NumPy's huge-page advice off)."""
    code = (
        "import json, resource, threading, numpy as np, engine.backend.numpy\n"
        "(getattr(np, '_core', None) or np.core).multiarray._set_madvise_hugepage(False)\n"
        "faults = []\n"
        "def work():\n"
        "    held = np.ones(5 * 2**20)\n"
        "    for _ in range(3):\n"
        "        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt\n"
        "        block = np.ones(3 * 2**20)\n"
        "        del block\n"
        "        faults.append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)\n"
        "thread = threading.Thread(target=work)\n"
        "thread.start(); thread.join()\n"
        "print(json.dumps(faults))\n"
    )
    env = {**os.environ, "WORKBENCH_BACKEND": "numpy", **environment}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not GLIBC, reason="the thread heaps are glibc's")
def test_a_thread_heap_stays_mapped_once_freed():
    first, *again = _faults_of_a_thread_reallocating()
    assert first > 5000  # 6,144 pages of 4 KiB come in once
    assert max(again) < 100
    # with the thresholds alone (set through glibc's variables), each block comes in afresh
    unpadded = _faults_of_a_thread_reallocating(
        MALLOC_MMAP_THRESHOLD_=str(256 * 2**20), MALLOC_TRIM_THRESHOLD_=str(2**30),
        MALLOC_TOP_PAD_="0",
    )
    assert min(unpadded) > 5000
