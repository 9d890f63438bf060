"""What the numbers were measured on: CPU, load, library versions, and a GPU if any.

Nothing here imports a framework: versions come from the installed packages' metadata.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess

from engine.backend.cpu import cpu_flags, cpuinfo

PACKAGES = ("numpy", "jax", "jaxlib", "torch", "tensorflow", "tensorflow-cpu", "keras")
# The vector instruction sets that decide which kernels a framework runs (a VM's "AMD EPYC"
# may or may not have AVX-512, and the timings differ with it).
VECTOR_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile")


def load_average():
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def cpu_model() -> str:
    return cpuinfo("model name") or platform.processor() or platform.machine()


def vector_flags() -> list:
    """Which of VECTOR_FLAGS the CPU has (empty where /proc/cpuinfo is not there)."""
    flags = cpu_flags()
    return [flag for flag in VECTOR_FLAGS if flag in flags]


def versions() -> dict:
    found = {}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def gpu_name():
    """The first NVIDIA GPU's name from nvidia-smi, or None when there is none."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        listing = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    first = next((line for line in listing.splitlines() if line.startswith("GPU")), None)
    return None if first is None else first.split(":", 1)[1].split("(")[0].strip()


def describe(threads=0) -> dict:
    return {
        "cpu": cpu_model(),
        "cpu_flags": vector_flags(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions(),
        "threads": threads or "framework defaults",
        "load_average_start": load_average(),
    }
