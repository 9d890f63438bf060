"""Arrays (NumPy, pandas, lists, framework tensors), sliced into batches here."""

from __future__ import annotations

import math

import numpy as np

from engine import initializers, tree
from engine.training.data_adapters.batch import DataError, Names, to_numpy


class ArrayData:
    """Arrays sliced into batches; the sample order is shuffled every pass if asked.

    `batch_size=None` is Keras's default: 32, or the samples spread over `steps` batches."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=True,
                 class_weight=None, names=None, steps=None):
        self.x, self.y, self.sample_weight = (names or Names()).batch(
            x, y, sample_weight, class_weight
        )
        self.class_weighted = class_weight is not None
        sizes = {len(a) for a in tree.flatten((self.x, self.y, self.sample_weight))
                 if a is not None}
        if len(sizes) != 1:
            raise DataError(
                f"x, y and sample_weight must have the same number of samples; got sizes "
                f"{sorted(sizes)}."
            )
        self.count = sizes.pop()
        if self.count == 0:
            raise DataError("The data has no samples.")
        if batch_size is None:
            spread = isinstance(steps, int) and steps > 0  # else Epochs refuses the steps
            batch_size = math.ceil(self.count / steps) if spread else 32
        if not isinstance(batch_size, int) or batch_size < 1:
            raise DataError(f"batch_size must be a positive integer, got {batch_size!r}.")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(initializers.draw_seed())

    @property
    def num_batches(self) -> int:
        return math.ceil(self.count / self.batch_size)

    def take(self, indices) -> ArrayData:
        """The samples at `indices`, as new data with the same batching."""
        return ArrayData(*_pick((self.x, self.y, self.sample_weight), indices),
                         batch_size=self.batch_size, shuffle=self.shuffle)

    def batches(self):
        """One pass over the samples, in a new order each pass when shuffling."""
        order = self._rng.permutation(self.count) if self.shuffle else None
        for start in range(0, self.count, self.batch_size):
            index = (
                slice(start, start + self.batch_size)
                if order is None
                else order[start : start + self.batch_size]
            )
            yield _pick((self.x, self.y, self.sample_weight), index)

    def on_epoch_begin(self) -> None: ...

    def on_epoch_end(self) -> None: ...


def _pick(data, index):
    return tree.map_structure(lambda a: None if a is None else a[index], data)


def is_array_like(x) -> bool:
    """Whether `x` is data to slice (arrays, or a list/tuple/dict of them), not a source of
    batches."""
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(is_array_like(v) or isinstance(v, (int, float)) for v in x)
    if isinstance(x, dict):
        return len(x) > 0 and all(is_array_like(v) for v in x.values())
    return isinstance(x, np.ndarray) or hasattr(x, "__array__") or hasattr(x, "to_numpy")


def split_for_validation(data, fraction):
    """(training, validation) data: the last `fraction` of the samples, as Keras takes them
    (the validation samples keep their sample weights, not their class weights)."""
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
    if data.class_weighted:  # Keras splits before it weights classes
        validation.sample_weight = None
    return data.take(np.arange(cut)), validation


__all__ = ["ArrayData", "is_array_like", "split_for_validation", "to_numpy"]
