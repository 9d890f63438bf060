"""The `training` flag of the outermost call, seen by the layers called inside it (as Keras).

A subclassed model's `call(x, training=None)` may call `self.dropout(x)` without passing
`training`: the dropout then trains when the model's call does. An explicit value wins over
the outer one; with neither, the layer's own default applies.
"""

from __future__ import annotations

import contextlib
import threading


class _ThreadContext(threading.local):
    def __init__(self):
        self.training = None


_context = _ThreadContext()


def resolve_training(explicit):
    """`explicit` when given (not None), else the enclosing call's flag (None when none)."""
    return explicit if explicit is not None else _context.training


@contextlib.contextmanager
def training_scope(training):
    """Calls inside the block see `training` (None leaves the enclosing flag as it is)."""
    outer = _context.training
    if training is not None:
        _context.training = training
    try:
        yield
    finally:
        _context.training = outer
