"""What summary_statistics may take from plain sums on a synchronous backend (no framework
imports): NumPy and PyTorch on the CPU read a scalar back for free, so they can choose.

Centring a big tensor on its mean costs a pass that writes a new array as big as it; the
sum of x, the sum of x² (a dot product) and min/max only read it. Σ(x - mean)² from those,
Σx² - (Σx)²/n, is as exact as the centred sum while the mean is small against the spread,
which it is for the tensors inspection meets most (ReLU outputs, gradients, weights); when it
is not, the caller centres the tensor as before. Σ|x| is Σx or -Σx when x has one sign.
"""

from __future__ import annotations

# Σ(x - mean)² from sums is used while it is at least this share of Σx² (the mean within
# about 1.7 standard deviations of 0): float32 sums then leave it within a few float32
# roundings, as a centred sum does.
LEAST_SPREAD_SHARE = 0.25


def squared_deviations(total: float, squares: float, count: int) -> float | None:
    """Σ(x - mean)² from Σx and Σx² of `count` values (in float64), or None when the mean
    is too large against the spread for it to be exact (or a sum is not finite)."""
    deviations = squares - total * total / count
    return deviations if deviations >= LEAST_SPREAD_SHARE * squares else None


def absolute_sum(total, low: float, high: float):
    """Σ|x| when x has one sign (from its min and max), else None."""
    if low >= 0:
        return total
    if high <= 0:
        return -total
    return None
