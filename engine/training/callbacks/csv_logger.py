"""CSVLogger: each epoch's logs as a row of a CSV file, as Keras writes it."""

from __future__ import annotations

import csv
import os

import numpy as np

from engine.training.callbacks.base import Callback


class CSVLogger(Callback):
    """Write "epoch" and the logs of every epoch (columns sorted by name, with "val_" ones
    added when validation has not run yet) to `filename`; `append` continues a file."""

    def __init__(self, filename, separator=",", append=False):
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                f"CSVLogger: `separator` must be one character. Received: "
                f"separator={separator!r}."
            )
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.csv_file = None
        self.writer = None

    def on_train_begin(self, logs=None):
        with_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as existing:
                with_header = not existing.readline()
        self._close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._with_header = with_header
        self.keys, self.writer = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys],
                                         delimiter=self.sep)
            if self._with_header:
                self.writer.writeheader()
        row = {"epoch": epoch, **{key: _cell(logs.get(key, "NA")) for key in self.keys}}
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _cell(value):
    """A list-like value as "[a, b]", anything else as it is."""
    if isinstance(value, str) or np.ndim(value) == 0:
        return value
    return f"[{', '.join(map(str, np.ravel(value)))}]"
