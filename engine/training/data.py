"""Training data from anywhere, as batches of NumPy arrays: one adapter per kind of input.

    arrays (NumPy, pandas, lists)   ArrayData      sliced into batches, shuffled per epoch
    Python generators, iterables    IterableData   batches as the user yields them
    torch DataLoader, tf.data       IterableData   their batches, converted to NumPy

Each batch is (x, y, sample_weight) with x and y an array or a list of arrays. Framework
tensors are recognised by their methods, so no framework is imported for data that does not
come from it.
"""

from __future__ import annotations

import math

import numpy as np

from engine import initializers


class DataError(ValueError):
    """The data given to fit/evaluate cannot be used as it is."""


def to_numpy(value):
    """A NumPy array from a NumPy/pandas/list value or a torch, TensorFlow or JAX tensor."""
    if hasattr(value, "detach"):  # torch
        return value.detach().cpu().numpy()
    if hasattr(value, "to_numpy"):  # pandas
        return value.to_numpy()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # tf eager tensors
        return value.numpy()
    return np.asarray(value)


def _structure(value):
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    if isinstance(value, dict):
        raise DataError(
            "Dict inputs are not supported yet: pass a list in the model's input order."
        )
    return to_numpy(value)


class ArrayData:
    """Arrays sliced into batches; the sample order is shuffled every epoch if asked."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=True):
        self.x, self.y = _structure(x), None if y is None else _structure(y)
        self.sample_weight = None if sample_weight is None else to_numpy(sample_weight)
        sizes = {len(a) for a in _leaves(self.x, self.y, self.sample_weight)}
        if len(sizes) != 1:
            raise DataError(
                f"x, y and sample_weight must have the same number of samples; got sizes "
                f"{sorted(sizes)}."
            )
        self.count = sizes.pop()
        if self.count == 0:
            raise DataError("The data has no samples.")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise DataError(f"batch_size must be a positive integer, got {batch_size!r}.")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(initializers.draw_seed())

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.count / self.batch_size)

    def take(self, indices) -> ArrayData:
        """The samples at `indices`, as new data with the same batching."""

        def pick(a):
            return (
                None
                if a is None
                else [v[indices] for v in a]
                if isinstance(a, list)
                else a[indices]
            )

        return ArrayData(
            pick(self.x), pick(self.y), pick(self.sample_weight), self.batch_size, self.shuffle
        )

    def batches(self, epoch):
        order = self._rng.permutation(self.count) if self.shuffle else None
        for start in range(0, self.count, self.batch_size):
            index = (
                slice(start, start + self.batch_size)
                if order is None
                else order[start : start + self.batch_size]
            )
            yield tuple(
                None if a is None else [v[index] for v in a] if isinstance(a, list) else a[index]
                for a in (self.x, self.y, self.sample_weight)
            )


def _leaves(*values):
    for value in values:
        if isinstance(value, list):
            yield from value
        elif value is not None:
            yield value


class IterableData:
    """Batches as an iterable yields them: (x, y), (x, y, sample_weight) or x."""

    def __init__(self, source, steps_per_epoch=None):
        self.source = source
        self.steps_per_epoch = steps_per_epoch
        self._iterator = None

    def batches(self, epoch):
        # A re-iterable source (DataLoader, tf.data, list) starts again each epoch; a
        # generator is read on, `steps_per_epoch` batches at a time.
        if self._iterator is None or self.steps_per_epoch is None:
            self._iterator = iter(self.source)
        for step, batch in enumerate(self._iterator):
            yield _split_batch(batch)
            if self.steps_per_epoch is not None and step + 1 >= self.steps_per_epoch:
                return


def _split_batch(batch):
    if isinstance(batch, dict):
        raise DataError("Batches must be (x, y) or (x, y, sample_weight) tuples, not dicts.")
    if isinstance(batch, (tuple, list)) and len(batch) in (2, 3):
        x, y, *rest = batch
        return _structure(x), _structure(y), (to_numpy(rest[0]) if rest else None)
    return _structure(batch), None, None


def adapt(x, y=None, sample_weight=None, batch_size=32, shuffle=True, steps_per_epoch=None):
    """The adapter for `x`: arrays are batched here, iterables give their own batches."""
    if x is None:
        raise DataError("No data: pass x (and y), a generator, a DataLoader or a tf.data.Dataset.")
    if _is_array_like(x):
        return ArrayData(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle)
    if y is not None or sample_weight is not None:
        raise DataError(
            f"When x is a {type(x).__name__} it must yield (x, y) batches itself: do not "
            "pass y or sample_weight separately."
        )
    if not hasattr(x, "__iter__"):
        raise DataError(
            f"Cannot train on a {type(x).__name__}: pass arrays or an iterable of batches."
        )
    if hasattr(x, "as_numpy_iterator"):  # tf.data: iterate as NumPy, no eager tensors
        x = _NumpyIterable(x)
    return IterableData(x, steps_per_epoch)


class _NumpyIterable:
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        return self.dataset.as_numpy_iterator()


def _is_array_like(x) -> bool:
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(_is_array_like(v) or isinstance(v, (int, float)) for v in x)
    return isinstance(x, np.ndarray) or hasattr(x, "__array__") or hasattr(x, "to_numpy")


def split_for_validation(data, fraction):
    """(training, validation) data: the last `fraction` of the samples, as Keras takes them."""
    if not isinstance(data, ArrayData):
        raise DataError(
            "validation_split works only with arrays; for generators and datasets pass "
            "validation_data instead."
        )
    if not 0 < fraction < 1:
        raise DataError(f"validation_split must be between 0 and 1, got {fraction}.")
    cut = int(data.count * (1 - fraction))
    if cut == 0 or cut == data.count:
        raise DataError(
            f"validation_split={fraction} leaves no samples for "
            f"{'training' if cut == 0 else 'validation'} out of {data.count}."
        )
    validation = data.take(np.arange(cut, data.count))
    validation.shuffle = False
    return data.take(np.arange(cut)), validation
