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

Threads other than the main one allocate from heaps of their own (64 MiB each at most, on
64-bit glibc), and glibc unmaps such a heap whenever all of it is free, whatever the
thresholds, unless its "top pad" is at least a whole heap. XLA runs JAX's steps on its own
threads: a CNN step with live inspection, whose buffers fill a fresh heap, faulted in
12,000-14,000 pages (about 50 MB) every step and took 1.6x as long as with the pad raised
to a heap's size (20-35 faults a step). The pad costs address space, not memory: pages are
faulted in only when used.

Only glibc is changed, once per process, and never when the user set any of these through
glibc's own environment variables.
"""

from __future__ import annotations

import ctypes
import os
import sys

# mallopt's parameter numbers, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
# Blocks above this are still mapped on their own and returned when freed.
MMAP_THRESHOLD = 256 * 2**20
# Free memory kept at the top of the heap before any is returned.
TRIM_THRESHOLD = 1024 * 2**20
# Room kept free at the top of a heap: a whole thread heap (HEAP_MAX_SIZE on 64-bit glibc).
TOP_PAD = 64 * 2**20
_SETTINGS = {
    "MALLOC_MMAP_THRESHOLD_": (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
    "MALLOC_TRIM_THRESHOLD_": (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
    "MALLOC_TOP_PAD_": (_M_TOP_PAD, TOP_PAD),
}

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
    if any(name in os.environ for name in _SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # absent outside glibc (musl, for one)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return all([mallopt(parameter, value) for parameter, value in _SETTINGS.values()])
