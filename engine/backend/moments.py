"""summary_statistics and even_samples on the host, for the synchronous backends (NumPy;
PyTorch on the CPU, whose tensors are NumPy arrays without a copy): one loop over the tensors,
no framework imports.

Centring a big tensor on its mean costs a pass that writes a new array as big as it; the
sum of x, the sum of x² (a dot product) and min/max only read it. Σ(x - mean)² from those,
Σx² - (Σx)²/n, is as exact as the centred sum while the mean is small against the spread,
which it is for the tensors inspection meets most (ReLU outputs, gradients, weights); when it
is not, the tensor is centred as before. Σ|x| is Σx or -Σx when x has one sign, else BLAS's
asum (through SciPy, where it is installed): a pass that reads x, where |x| would write one.
"""

from __future__ import annotations

import functools

import numpy as np

# Σ(x - mean)² from sums is used while it is at least this share of Σx² (the mean within
# about 1.7 standard deviations of 0): float32 sums then leave it within a few float32
# roundings, as a centred sum does.
LEAST_SPREAD_SHARE = 0.25


def summary_rows(flats, total, extremes) -> np.ndarray:
    """summary_statistics of the flat NumPy arrays `flats` (of one float dtype) as a
    (len(flats), 5) array in that dtype. `total(flat)` and `extremes(flat)` (its min and max)
    are the backend's fastest reductions, returning Python floats."""
    dtype = flats[0].dtype
    rows = np.empty((len(flats), 5))
    for row, flat in zip(rows, flats):
        if flat.dtype not in (np.float32, np.float64):  # BLAS takes neither half nor ints
            flat = flat.astype(np.float32)
        count = flat.size
        sum_, (low, high) = total(flat), extremes(flat)
        deviations = squared_deviations(sum_, float(flat @ flat), count)
        if deviations is None:  # the mean is far from 0 against the spread: centre x
            with np.errstate(invalid="ignore"):  # Inf - Inf is NaN, as it should be
                centred = flat - flat.dtype.type(sum_ / count)
            deviations = float(centred @ centred)
        magnitudes = absolute_sum(sum_, low, high)
        if magnitudes is None:
            magnitudes = _asum(flat)
        row[:] = sum_ / count, deviations, magnitudes, low, high
    return rows.astype(dtype)


def even_sample_rows(flats, strides, length: int) -> np.ndarray:
    """even_samples of the flat NumPy arrays `flats`: each strided sample copied into its row
    of one float32 array of NaN."""
    rows = np.full((len(flats), length), np.nan, np.float32)
    for row, flat, step in zip(rows, flats, strides):
        taken = flat[::step]
        row[: taken.size] = taken
    return rows


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


def _asum(flat: np.ndarray) -> float:
    """Σ|x| of a flat float32 or float64 array, NaN where x holds one."""
    blas = _blas()
    if blas is None or not flat.flags.c_contiguous:
        return float(np.sum(np.abs(flat)))
    return float((blas.sasum if flat.dtype == np.float32 else blas.dasum)(flat))


@functools.cache
def _blas():
    """SciPy's BLAS wrappers, or None without SciPy (imported on first use: it takes a while)."""
    try:
        from scipy.linalg import blas
    except ImportError:
        return None
    return blas
