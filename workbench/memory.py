"""Whether a model's weights fit in this machine's memory, asked before building them."""

from __future__ import annotations

import os

from workbench.errors import DraftError

BYTES_PER_PARAMETER = 4  # float32


def available_bytes() -> int | None:
    """Memory the kernel could still take (Linux's MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_weights_fit(parameters: int, available: int | None = None) -> None:
    """DraftError if `parameters` float32 weights would take more than half the memory left:
    a graph edit may make a layer huge, and building it would stall or kill the kernel."""
    available = available_bytes() if available is None else available
    needed = parameters * BYTES_PER_PARAMETER
    if available is not None and needed > available // 2:
        raise DraftError(
            f"This model has {parameters:,} parameters ({needed / 2**30:,.1f} GiB as float32) "
            f"and this machine has {available / 2**30:,.1f} GiB of memory free: make it smaller "
            "(fewer units or filters) before building or exporting it."
        )
