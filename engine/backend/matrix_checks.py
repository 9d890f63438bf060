"""Checks of keras.ops.linalg's arguments that every backend makes the same way, before
computing, so that a bad shape gets one clear error whatever framework runs."""

from __future__ import annotations

QR_MODES = ("reduced", "complete")


def matrices(op: str, shape) -> None:
    """The input holds matrices in its last two axes."""
    if len(shape) < 2:
        raise ValueError(
            f"{op}: x must hold matrices in its last two axes (rank >= 2); got shape "
            f"{tuple(shape)}."
        )


def square_matrices(op: str, shape) -> None:
    matrices(op, shape)
    if shape[-1] != shape[-2]:
        raise ValueError(
            f"{op}: x must hold square matrices in its last two axes; got shape "
            f"{tuple(shape)}."
        )


def solve_operands(op: str, a_shape, b_shape) -> None:
    """a is (..., M, M); b is (..., M, N), or (..., M) one rank below a."""
    square_matrices(op, a_shape)
    rows = b_shape[-1] if len(b_shape) == len(a_shape) - 1 else (
        b_shape[-2] if len(b_shape) >= 2 else None)
    if rows != a_shape[-1]:
        raise ValueError(
            f"{op}: b must be (..., M, N), or (..., M) one rank below a, with M = "
            f"{a_shape[-1]} the size of a's matrices; got a {tuple(a_shape)}, b "
            f"{tuple(b_shape)}."
        )


def qr_mode(mode: str) -> None:
    if mode not in QR_MODES:
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}.")
