"""Thinning a curve for drawing: each bucket's lowest and highest point, and both ends.

A plot is a few hundred pixels wide, so a view needs a few thousand points of a series however
long training runs; keeping every bucket's extremes (not every k-th point) keeps the spikes.
"""

from __future__ import annotations

import numpy as np


def extremes(values: np.ndarray, width: int) -> np.ndarray:
    """Ascending indices of the first and the last value and of the lowest and the highest of
    every `width` consecutive values (the last bucket may be shorter): at most
    2 * ceil(len(values) / width) + 2 indices; every index when `width` is 1."""
    count = len(values)
    if width <= 1 or count <= 2:
        return np.arange(count)
    whole = count - count % width
    buckets = values[:whole].reshape(-1, width)
    starts = np.arange(0, whole, width)
    picks = [starts + buckets.argmin(axis=1), starts + buckets.argmax(axis=1), [0, count - 1]]
    if whole < count:
        tail = values[whole:]
        picks.append([whole + tail.argmin(), whole + tail.argmax()])
    return np.unique(np.concatenate(picks))
