"""What the outermost call shares with the layers called inside it (as Keras passes it down).

The `training` flag: a subclassed model's `call(x, training=None)` may call `self.dropout(x)`
without passing `training`: the dropout then trains when the model's call does. An explicit
value wins over the outer one; with neither, the layer's own default applies.

The losses layers add with `add_loss` during the call: they are collected here, not kept on
the layers, so a compiled step (a pure function) sums the values of its own forward pass.
The outermost eager call gives each layer the losses it added (`layer.losses`).
"""

from __future__ import annotations

import contextlib
import threading


class _ThreadContext(threading.local):
    def __init__(self):
        self.training = None
        self.losses = None  # the innermost collection: a list of (layer, value), or None


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


def collecting_losses() -> bool:
    """Whether a call or step is collecting the losses its layers add."""
    return _context.losses is not None


@contextlib.contextmanager
def loss_collection():
    """Losses added by layers inside the block go to the list it yields, as (layer, value)."""
    outer = _context.losses
    _context.losses = collected = []
    try:
        yield collected
    finally:
        _context.losses = outer


def record_loss(layer, value) -> None:
    """Add `value` to the innermost collection (there must be one: `collecting_losses()`)."""
    _context.losses.append((layer, value))


def collected_losses() -> list:
    """The innermost collection so far: (layer, value) pairs."""
    return list(_context.losses)
