"""Training curves kept in the kernel, sent to views thinned, as binary deltas (`curve_delta`).

The store keeps every point; a view gets at most MAX_POINTS of a series, so drawing costs the
same at any step count. New points go out thinned (workbench.decimation) to the bucket width of
the series' last thinning; when a series would pass MAX_POINTS, every series is thinned again to
RESET_BUCKETS buckets and sent whole (a reset), which leaves room for about as many steps again.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from workbench.decimation import extremes
from workbench.session import Event

MAX_POINTS = 2000  # points of one series a view holds at most
RESET_BUCKETS = 500  # a series thinned again has at most 2 * 500 + 2 points: room to grow


class _Series:
    """Every point of one series (arrays that grow by doubling) and what the views hold of it:
    the indices sent, thinned from buckets of `width` points."""

    def __init__(self):
        self.steps = np.empty(256, np.float64)
        self.values = np.empty(256, np.float32)
        self.count = 0
        self.held: list[np.ndarray] = []  # indices the views hold, in order, one array a delta
        self.held_count = 0
        self.sent = 0  # points covered by what the views hold
        self.width = 1

    def add(self, step: int, value: float) -> None:
        if self.count == len(self.steps):
            self.steps = np.concatenate([self.steps, np.empty_like(self.steps)])
            self.values = np.concatenate([self.values, np.empty_like(self.values)])
        self.steps[self.count] = step
        self.values[self.count] = value
        self.count += 1

    def unsent(self) -> np.ndarray:
        """Indices of the points not sent yet, thinned to the series' width."""
        return self.sent + extremes(self.values[self.sent : self.count], self.width)

    def append(self, indices: np.ndarray) -> dict:
        self.held.append(indices)
        self.held_count += len(indices)
        self.sent = self.count
        return self.wire(indices)

    def thin(self) -> None:
        """Thins every point to RESET_BUCKETS buckets: what a reset sends."""
        self.width = max(1, math.ceil(self.count / RESET_BUCKETS))
        self.held, self.held_count = [], 0
        self.append(extremes(self.values[: self.count], self.width))

    def wire(self, indices: np.ndarray) -> dict:
        return {"steps": self.steps[indices], "values": self.values[indices]}

    def held_indices(self) -> np.ndarray:
        return np.concatenate(self.held) if self.held else np.zeros(0, np.int64)


class CurveStore:
    """Named series of (global step, value) points and markers; thread-safe.

    `delta()` gives what the views lack (new points, thinned; or everything thinned again, as
    a reset); `snapshot()` gives what they hold (for a view that has just rendered) without
    disturbing the deltas of the others.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._series: dict[str, _Series] = {}
        self._markers: list[dict] = []
        self._markers_sent = 0

    @property
    def names(self) -> list:
        with self._lock:
            return list(self._series)

    def add(self, name: str, step: int, value: float) -> None:
        with self._lock:
            self._series.setdefault(name, _Series()).add(step, value)

    def mark(self, step: int, kind: str, label: str) -> None:
        with self._lock:
            self._markers.append({"step": step, "kind": kind, "label": label})

    def points(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Every point of a series (copies)."""
        with self._lock:
            series = self._series.get(name, _Series())
            return series.steps[: series.count].copy(), series.values[: series.count].copy()

    def markers(self) -> list:
        with self._lock:
            return list(self._markers)

    def delta(self) -> Event | None:
        """What the views lack, or None when they lack nothing."""
        with self._lock:
            unsent = {name: s.unsent() for name, s in self._series.items() if s.count > s.sent}
            if any(
                self._series[name].held_count + len(indices) > MAX_POINTS
                for name, indices in unsent.items()
            ):
                for each in self._series.values():
                    each.thin()
                self._markers_sent = len(self._markers)
                return self._held()
            series = [
                {"name": name, **self._series[name].append(indices)}
                for name, indices in unsent.items()
            ]
            markers = self._markers[self._markers_sent :]
            self._markers_sent = len(self._markers)
        if not series and not markers:
            return None
        return Event("curve_delta", {"reset": False, "series": series, "markers": markers})

    def snapshot(self) -> Event:
        """What the views hold, as a reset."""
        with self._lock:
            return self._held()

    def _held(self) -> Event:
        series = [{"name": name, **s.wire(s.held_indices())} for name, s in self._series.items()]
        markers = self._markers[: self._markers_sent]
        return Event("curve_delta", {"reset": True, "series": series, "markers": markers})

    def clear(self) -> None:
        with self._lock:
            self._series.clear()
            self._markers.clear()
            self._markers_sent = 0
