"""A step's commit: the part of a training step that writes the model's state.

Interrupting it (Ctrl-C, Jupyter's interrupt button: SIGINT) or reading the Variables from
another thread (a save while the dashboard trains) in the middle would see weights of one step
beside optimizer slots, an iteration count or metric totals of another. A commit holds
`engine.variables.STATE_LOCK`, so readers wait for it, and an interrupt that arrives during it
is raised as soon as it ends: the state is always some step's complete state.
"""

from __future__ import annotations

import contextlib
import signal
import threading

from engine.variables import STATE_LOCK


class StepCommit:
    """`with commit:` around the writes of a step; `commit.deferring_interrupts()` around fit."""

    def __init__(self):
        self._depth = 0
        self._interrupted = False

    # The depth counts from before the lock is taken until after it is given back, so an
    # interrupt can never leave the lock held.
    def __enter__(self):
        self._depth += 1
        STATE_LOCK.acquire()
        return self

    def __exit__(self, kind, error, traceback):
        STATE_LOCK.release()
        self._depth -= 1
        if self._interrupted and not self._depth:
            self._interrupted = False
            if kind is None:  # else the block's own error already stops fit
                raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferring_interrupts(self):
        """In the main thread, where SIGINT arrives: one during a commit is raised after it.
        Elsewhere (fit in a worker thread) nothing changes; a handler that is not Python's
        (SIG_IGN, SIG_DFL) is left alone."""
        previous = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is not threading.main_thread() or not callable(previous):
            yield
            return

        def handle(signum, frame):
            if self._depth:
                self._interrupted = True
            else:
                previous(signum, frame)

        signal.signal(signal.SIGINT, handle)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
