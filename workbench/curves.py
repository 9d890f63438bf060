"""Training curves kept in the kernel, sent to views as binary deltas (`curve_delta` events)."""

from __future__ import annotations

import threading

import numpy as np

from workbench.session import Event


class CurveStore:
    """Named series of (global step, value) points and markers; thread-safe.

    `delta()` gives what was added since the last delta; `snapshot()` gives everything (for a
    view that has just rendered) without disturbing the deltas of the others.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._series: dict[str, tuple[list, list]] = {}
        self._markers: list[dict] = []
        self._sent: dict[str, int] = {}
        self._markers_sent = 0

    @property
    def names(self) -> list:
        with self._lock:
            return list(self._series)

    def add(self, name: str, step: int, value: float) -> None:
        with self._lock:
            steps, values = self._series.setdefault(name, ([], []))
            steps.append(step)
            values.append(value)

    def mark(self, step: int, kind: str, label: str) -> None:
        with self._lock:
            self._markers.append({"step": step, "kind": kind, "label": label})

    def points(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            steps, values = self._series.get(name, ([], []))
            return np.array(steps, dtype=np.float64), np.array(values, dtype=np.float32)

    def markers(self) -> list:
        with self._lock:
            return list(self._markers)

    def delta(self) -> Event | None:
        """New points and markers since the last delta, or None when there are none."""
        with self._lock:
            series = [
                _series(name, steps[self._sent.get(name, 0) :], values[self._sent.get(name, 0) :])
                for name, (steps, values) in self._series.items()
                if len(steps) > self._sent.get(name, 0)
            ]
            markers = self._markers[self._markers_sent :]
            self._sent = {name: len(steps) for name, (steps, _) in self._series.items()}
            self._markers_sent = len(self._markers)
        if not series and not markers:
            return None
        return Event("curve_delta", {"reset": False, "series": series, "markers": markers})

    def snapshot(self) -> Event:
        with self._lock:
            series = [_series(name, s, v) for name, (s, v) in self._series.items()]
            return Event(
                "curve_delta", {"reset": True, "series": series, "markers": list(self._markers)}
            )

    def clear(self) -> None:
        with self._lock:
            self._series.clear()
            self._markers.clear()
            self._sent.clear()
            self._markers_sent = 0


def _series(name, steps, values) -> dict:
    return {
        "name": name,
        "steps": np.array(steps, dtype=np.float64),
        "values": np.array(values, dtype=np.float32),
    }
