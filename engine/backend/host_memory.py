"""Keeping freed host memory for reuse, for the backends that allocate with malloc.

NumPy, PyTorch's CPU tensors and XLA's CPU client (JAX) take their buffers straight from the
C library's malloc, with no cache of their own. glibc serves large requests with fresh mmaps
and gives them back on free, and shrinks a heap whose free top passes the trim threshold, so
large temporaries (a CNN's activations, an optimizer's intermediate arrays) keep arriving as
untouched pages that the kernel must fault in and zero: measured here, a third of a small
CNN's training step on PyTorch, and a sixth of an MLP step on JAX (whose thread pool's heaps
shrank and grew again every few steps), went to those page faults. Raising glibc's mmap and
trim thresholds keeps freed blocks in the heap for the next step instead; the price is that
the process keeps its peak memory rather than returning it.

Only glibc is changed, once per process, and never when the user set either threshold
through glibc's own environment variables.
"""

from __future__ import annotations

import ctypes
import os
import sys

# mallopt's parameter numbers, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks above this are still mapped on their own and returned when freed.
MMAP_THRESHOLD = 256 * 2**20
# Free memory kept at the top of the heap before any is returned.
TRIM_THRESHOLD = 1024 * 2**20

_done = []


def keep_freed_memory() -> bool:
    """Raise glibc's thresholds (once); whether they are now raised by this function."""
    if _done:
        return _done[0]
    _done.append(_raise_thresholds())
    return _done[0]


def _raise_thresholds() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    if any(name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # absent outside glibc (musl, for one)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
