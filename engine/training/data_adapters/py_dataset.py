"""Keras's `PyDataset`: batches by index from Python code, and the adapter that reads it.

The engine reads a PyDataset in the training thread, one batch at a time: `workers`,
`use_multiprocessing` and `max_queue_size` are accepted, so Keras code runs unchanged, but
start no threads or processes.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from engine import initializers
from engine.training.data_adapters.batch import DataError, Names


class PyDataset:
    """Subclass it with `__getitem__(index)` returning a whole batch, `x`, `(x, y)` or
    `(x, y, sample_weight)`, and `__len__` giving the number of batches (or a `num_batches`
    property that is None for a dataset without end). `on_epoch_begin` and `on_epoch_end`
    run around every epoch, e.g. to reshuffle."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(self, index), returning batch "
            "`index`."
        )

    @property
    def num_batches(self):
        """How many batches there are, or None for a dataset without end."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__ (its number of batches) or a "
            "num_batches property (None for a dataset without end)."
        )

    def on_epoch_begin(self) -> None:
        """Called before every epoch."""

    def on_epoch_end(self) -> None:
        """Called after every epoch."""

    def __iter__(self):
        indices = itertools.count() if self.num_batches is None else range(self.num_batches)
        for index in indices:
            yield self[index]


def is_py_dataset(x) -> bool:
    """A PyDataset, ours or Keras's (or Keras 2's Sequence): batches by index, epoch hooks."""
    return isinstance(x, PyDataset) or (
        hasattr(x, "__getitem__") and hasattr(x, "on_epoch_end")
    )


class PyDatasetData:
    """A PyDataset's batches, in a shuffled order each pass when `shuffle` (as Keras shuffles
    the batch indices; the samples within a batch are the dataset's business)."""

    def __init__(self, dataset, shuffle=False, class_weight=None, names=None):
        self.dataset = dataset
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.names = names or Names()
        self.num_batches = _num_batches(dataset)
        self.infinite = self.num_batches is None
        self._rng = np.random.default_rng(initializers.draw_seed())

    def batches(self):
        if self.num_batches is None:
            indices = itertools.count()
        else:
            indices = range(self.num_batches)
            if self.shuffle:
                indices = self._rng.permutation(self.num_batches).tolist()
        for index in indices:
            yield self.names.unpacked(self.dataset[index], self.class_weight)

    def on_epoch_begin(self) -> None:
        hook = getattr(self.dataset, "on_epoch_begin", None)
        if hook is not None:
            hook()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


def _num_batches(dataset):
    count = len(dataset) if hasattr(dataset, "__len__") else dataset.num_batches
    if count is not None and (not isinstance(count, numbers.Integral) or count < 0):
        raise DataError(
            f"{type(dataset).__name__} says it has {count!r} batches: __len__ (or num_batches) "
            "must give a whole number, or None for a dataset without end."
        )
    return None if count is None else int(count)
