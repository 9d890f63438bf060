"""A bounded history: the first records, the latest ones and an even sample between.

Records are numbered 0, 1, 2, ... as they arrive. The sample between keeps the records whose
number is a multiple of a stride; when it is full the stride doubles and every other record
in it goes. So however long a run is, memory stays bounded, early steps stay visible and the
kept records stay evenly spaced.
"""

from __future__ import annotations

import collections


class BoundedHistory:
    """At most `capacity` records: the first `keep_first`, the latest `keep_latest` and an
    even sample of those between."""

    def __init__(self, capacity=200, keep_first=20, keep_latest=50):
        if keep_first < 0 or keep_latest < 1 or capacity < keep_first + keep_latest + 2:
            raise ValueError(
                f"BoundedHistory needs keep_first >= 0, keep_latest >= 1 and capacity >= "
                f"keep_first + keep_latest + 2; got capacity={capacity}, "
                f"keep_first={keep_first}, keep_latest={keep_latest}."
            )
        self.capacity = capacity
        self.keep_first = keep_first
        self.keep_latest = keep_latest
        self.seen = 0  # records appended so far, kept or not
        self._first = []
        self._sample = []  # (number, record)
        self._latest = collections.deque()  # (number, record)
        self._stride = 1

    def append(self, record) -> None:
        number, self.seen = self.seen, self.seen + 1
        if number < self.keep_first:
            self._first.append(record)
            return
        self._latest.append((number, record))
        if len(self._latest) > self.keep_latest:
            self._add_to_sample(*self._latest.popleft())

    def _add_to_sample(self, number, record):
        if number % self._stride:
            return
        self._sample.append((number, record))
        if len(self._sample) > self.capacity - self.keep_first - self.keep_latest:
            self._stride *= 2
            self._sample = [(n, r) for n, r in self._sample if n % self._stride == 0]

    def numbers(self) -> list[int]:
        """The arrival numbers of the records kept, in order."""
        first = list(range(len(self._first)))
        return first + [n for n, _ in self._sample] + [n for n, _ in self._latest]

    def records(self) -> list:
        """The records kept, oldest first."""
        return self._first + [r for _, r in self._sample] + [r for _, r in self._latest]

    def __len__(self):
        return len(self._first) + len(self._sample) + len(self._latest)

    def __iter__(self):
        return iter(self.records())
