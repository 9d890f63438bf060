"""Keras's Progbar: a text progress bar for loops of your own."""

from __future__ import annotations

import logging
import sys
import time

import numpy as np

from engine import config


class Progbar:
    """Shows `current/target` steps with a bar and the running values: each value is the
    mean over the steps so far (weighted by the steps each update covers), except those
    named in `stateful_metrics`, shown as given. verbose=1 redraws one line (when
    interactive logging is on), verbose=2 prints a line when finished, 0 shows nothing."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._values: dict = {}
        self._seen_so_far = 0
        self._start = self._last_update = time.time()

    def update(self, current, values=None, finalize=None):
        """Move to step `current`, folding in `values` ([(name, value), ...])."""
        finalize = (self.target is not None and current >= self.target) if finalize is None \
            else finalize
        for name, value in values or ():
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + np.asarray(value) * steps, count + steps]
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 1 and (finalize or now - self._last_update >= self.interval):
            self._show("\r" + self._line(current, now), end="\n" if finalize else "")
        elif self.verbose == 2 and finalize:
            self._show(self._line(current, now, bar=False))
        self._last_update = now

    def add(self, n, values=None):
        """Advance by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _line(self, current, now, bar=True):
        parts = [f"{current}/{self.target if self.target is not None else 'Unknown'}"]
        if bar and self.target:
            done = int(self.width * min(current / self.target, 1))
            arrow = ">" if done < self.width else ""
            parts[0] += " [" + "=" * done + arrow + "." * (self.width - done - len(arrow)) + "]"
        parts.append(f"{now - self._start:.0f}s")
        for name, (total, count) in self._values.items():
            mean = float(np.mean(total / count))
            parts.append(f"{name}: {mean:.4f}" if abs(mean) > 1e-3 else f"{name}: {mean:.4e}")
        return " - ".join(parts)

    def _show(self, text, end="\n"):
        if config.is_interactive_logging_enabled():
            sys.stdout.write(text + end)
            sys.stdout.flush()
        else:
            logging.getLogger("engine").info(text.lstrip("\r"))
