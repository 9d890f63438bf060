"""What the numbers were measured on: CPU, load, library versions, and a GPU if any.

Nothing here imports a framework: versions come from the installed packages' metadata.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess

PACKAGES = ("numpy", "jax", "jaxlib", "torch", "tensorflow", "tensorflow-cpu", "keras")


def load_average():
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


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
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions(),
        "threads": threads or "framework defaults",
        "load_average_start": load_average(),
    }
