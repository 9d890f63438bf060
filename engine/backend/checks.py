"""Checks of keras.ops arguments that every backend makes the same way, before computing."""

from __future__ import annotations

SCATTER_REDUCTIONS = (None, "add")


def segment_count(op: str, num_segments) -> int:
    """num_segments as an int; None is refused: the result's shape needs it before the
    segment ids' values are known (under jit they are not)."""
    if num_segments is None:
        raise ValueError(
            f"{op}: pass num_segments, the number of segments (the largest segment id + 1), "
            "which the result's shape needs before the ids' values are known."
        )
    return int(num_segments)


def scatter_reduction(reduction):
    """reduction of scatter_update: None (write) or "add" (accumulate), in lower case."""
    reduction = reduction.lower() if isinstance(reduction, str) else reduction
    if reduction not in SCATTER_REDUCTIONS:
        raise ValueError(
            f"scatter_update: reduction must be None or 'add', got {reduction!r} ('max', "
            "'min' and 'mul' are not supported)."
        )
    return reduction


def block_shape(shape) -> tuple:
    """slice's block shape as ints, each at least 0 (Keras's -1, 'to the end', is refused:
    the size would depend on the start's value)."""
    shape = tuple(int(size) for size in shape)
    if any(size < 0 for size in shape):
        raise ValueError(
            f"slice: shape must hold sizes >= 0, got {shape}; for 'to the end of the axis' "
            "pass that size itself."
        )
    return shape
