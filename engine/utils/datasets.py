"""Keras's dataset helpers (timeseries windows, splitting) on NumPy: what they return is a
`Batches` (a PyDataset, which fit, evaluate and predict take) or, unbatched, `Samples`
(Keras returns tf.data datasets; these hold the same elements in the same order)."""

from __future__ import annotations

import math
import random

import numpy as np

from engine import tree
from engine.training.data_adapters.py_dataset import PyDataset


class Samples:
    """Samples one by one (each an array or a tuple of arrays), as an unbatched Keras
    dataset gives them: `len`, indexing, iteration, and `batch(batch_size)` for fit."""

    def __init__(self, take, count: int):
        self._take = take  # an index array -> the structure of those samples, stacked
        self._count = count

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        if not -self._count <= index < self._count:
            raise IndexError(f"Sample {index} of a dataset of {self._count}.")
        return tree.map_structure(lambda a: a[0], self._take(np.array([index % self._count])))

    def __iter__(self):
        return (self[i] for i in range(self._count))

    def batch(self, batch_size: int) -> Batches:
        """The samples in batches of `batch_size` (the last one may be smaller)."""
        return Batches(self._take, self._count, batch_size)


class Batches(PyDataset):
    """Samples stacked in batches of `batch_size` (the last one may be smaller): a PyDataset,
    so fit, evaluate and predict take it; iterating gives each batch as NumPy arrays."""

    def __init__(self, take, count: int, batch_size: int):
        super().__init__()
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer. Received: "
                             f"batch_size={batch_size!r}.")
        self._take, self._count, self.batch_size = take, count, batch_size

    def __len__(self):
        return math.ceil(self._count / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} of a dataset of {len(self)} batches.")
        start = index * self.batch_size
        return self._take(np.arange(start, min(start + self.batch_size, self._count)))


def batched(take, count, batch_size):
    """`Batches`, or `Samples` where `batch_size` is None (as Keras leaves them unbatched)."""
    return Samples(take, count) if batch_size is None else Batches(take, count, batch_size)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Windows over `data` as Keras makes them: window i holds `sequence_length` steps taken
    every `sampling_rate` steps from `start_index + p_i`, where p_i runs over 0,
    `sequence_stride`, ... while the window fits before `end_index`; its target is
    `targets[start_index + p_i]`. With `shuffle` the window order is Keras's
    `np.random.RandomState(seed)` permutation (Keras's tf.data path then shuffles again
    within a buffer, with TensorFlow's generator). Returns Batches of (windows, targets), or
    of windows without targets; Samples where `batch_size` is None."""
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    data = np.asarray(data)
    _check_window_arguments(len(data), sequence_length, sequence_stride, sampling_rate,
                            start_index, end_index)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(
            positions)
    window = np.arange(sequence_length) * sampling_rate
    data_slice = data[start_index:end_index]

    def take(indices):
        starts = positions[indices]
        windows = data_slice[starts[:, None] + window]
        return windows if targets is None else (windows, targets[start_index + starts])

    return batched(take, len(positions), batch_size)


def _check_window_arguments(length, sequence_length, sequence_stride, sampling_rate,
                            start_index, end_index):
    """Keras's checks, with its messages."""
    checks = [
        (start_index and start_index < 0, f"`start_index` must be 0 or greater. Received: "
                                          f"start_index={start_index}"),
        (start_index and start_index >= length,
         f"`start_index` must be lower than the length of the data. Received: "
         f"start_index={start_index}, for data of length {length}"),
        (end_index and start_index and end_index <= start_index,
         f"`end_index` must be higher than `start_index`. Received: start_index="
         f"{start_index}, and end_index={end_index}"),
        (end_index and end_index >= length,
         f"`end_index` must be lower than the length of the data. Received: end_index="
         f"{end_index}, for data of length {length}"),
        (end_index is not None and end_index <= 0,
         f"`end_index` must be higher than 0. Received: end_index={end_index}"),
        (sampling_rate <= 0, f"`sampling_rate` must be higher than 0. Received: "
                             f"sampling_rate={sampling_rate}"),
        (sampling_rate >= length,
         f"`sampling_rate` must be lower than the length of the data. Received: "
         f"sampling_rate={sampling_rate}, for data of length {length}"),
        (sequence_stride <= 0, f"`sequence_stride` must be higher than 0. Received: "
                               f"sequence_stride={sequence_stride}"),
        (sequence_stride >= length,
         f"`sequence_stride` must be lower than the length of the data. Received: "
         f"sequence_stride={sequence_stride}, for data of length {length}"),
        (sequence_length < 1, f"`sequence_length` must be a positive integer. Received: "
                              f"sequence_length={sequence_length}"),
    ]
    for failed, message in checks:
        if failed:
            raise ValueError(f"timeseries_dataset_from_array: {message}")


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Two unbatched datasets (Samples) of the samples of `dataset` (a NumPy array, a tuple
    or list of arrays of one length, a dict of them, or Samples/any sequence of samples):
    the first `left_size` and the last `right_size` samples (ints, or fractions rounded as
    Keras rounds them; one of them may be None for the rest). With `shuffle`, the samples
    are shuffled first by Python's `random` seeded with `seed`, as Keras does."""
    del preferred_backend  # Keras's choice of dataset kind; these serve every backend
    columns, count = _columns(dataset)
    order = list(range(count))
    if shuffle:
        random.seed(random.randint(0, int(1e6)) if seed is None else seed)
        random.shuffle(order)
    left, right = _split_sizes(left_size, right_size, count)
    order = np.asarray(order)

    def taking(indices_of_split):
        return lambda indices: tree.map_structure(lambda a: a[indices_of_split[indices]],
                                                  columns)

    return (Samples(taking(order[:left]), left), Samples(taking(order[count - right:]), right))


def _columns(dataset):
    """(structure of arrays with the samples along their first axis, number of samples)."""
    if isinstance(dataset, (Samples, Batches)) or (
        not isinstance(dataset, (np.ndarray, dict, tuple, list)) and hasattr(dataset, "__len__")
    ):
        samples = list(dataset) if not isinstance(dataset, Batches) else [
            sample for batch in dataset for sample in _unstack(batch)]
        if not samples:
            raise ValueError("split_dataset: `dataset` has no samples.")
        columns = tree.map_structure(lambda *values: np.stack(values), *samples)
        return columns, len(samples)
    if isinstance(dataset, list) and dataset and not isinstance(dataset[0], np.ndarray):
        dataset = np.asarray(dataset)
    columns = tree.map_structure(np.asarray, tuple(dataset) if isinstance(dataset, list)
                                 else dataset)
    lengths = {len(a) for a in tree.flatten(columns)}
    if len(lengths) != 1:
        raise ValueError(f"split_dataset: the arrays of `dataset` must all have the same "
                         f"length (their first axis). Received lengths {sorted(lengths)}.")
    return columns, lengths.pop()


def _unstack(batch):
    size = len(tree.flatten(batch)[0])
    return [tree.map_structure(lambda a, i=i: a[i], batch) for i in range(size)]


def _split_sizes(left_size, right_size, total):
    """Keras's rule for the two sizes, with its checks."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"split_dataset: `{name}` must be an integer, a float or None. "
                            f"Received: {name}={size!r}.")
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise ValueError(f"split_dataset: `{name}` should be either a positive integer "
                             f"and smaller than {total} or a float within the range `[0, 1]`. "
                             f"Received: {name}={size}")
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: give `left_size`, `right_size` or both.")
    if type(left_size) is type(right_size) is float and left_size + right_size > 1:
        raise ValueError("split_dataset: the sum of `left_size` and `right_size` is greater "
                         "than 1. It must be less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"split_dataset: left_size + right_size = {left + right} is more "
                         f"than the {total} samples.")
    if left == 0 or right == 0:
        raise ValueError(f"split_dataset: with {total} samples, left_size={left_size} and "
                         f"right_size={right_size} leave one side empty. Adjust them.")
    return int(left), int(right)
