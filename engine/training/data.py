"""Training data from anywhere, as batches of NumPy arrays: one adapter per kind of source.

    arrays (NumPy, pandas, lists, dicts)   ArrayData      sliced into batches, shuffled per pass
    engine.utils.PyDataset                 PyDatasetData  batches by index, epoch hooks
    Python generators, iterables           IterableData   batches as the user yields them
    torch DataLoader, tf.data.Dataset      IterableData   their batches, converted to NumPy

Each batch is (x, y, sample_weight), each an array, a list of arrays or None, so any backend
takes it. Framework tensors are recognised by their methods, so no framework is imported for
data that does not come from it. `Epochs` (data_adapters/epochs.py) says which batches each
epoch reads.
"""

from __future__ import annotations

from engine.training.data_adapters import iterables
from engine.training.data_adapters.arrays import ArrayData, is_array_like, split_for_validation
from engine.training.data_adapters.batch import DataError, Names, check_class_weight
from engine.training.data_adapters.epochs import Epochs
from engine.training.data_adapters.py_dataset import PyDatasetData, is_py_dataset


def adapt(x, y=None, sample_weight=None, batch_size=None, shuffle=True, steps=None,
          class_weight=None, names=None):
    """The adapter for `x`: arrays are batched here, other sources give their own batches.
    `names` (a Names) orders dicts of inputs and targets as the model takes them."""
    if x is None:
        raise DataError(
            "No data: pass x (and y), a generator, an engine.utils.PyDataset, a torch "
            "DataLoader or a tf.data.Dataset."
        )
    check_class_weight(class_weight)
    if is_array_like(x):
        return ArrayData(x, y, sample_weight, batch_size, shuffle, class_weight, names, steps)
    if y is not None or sample_weight is not None:
        raise DataError(
            f"When x is a {type(x).__name__} it gives the targets and sample weights itself, "
            "in (x, y) or (x, y, sample_weight) batches: do not pass y or sample_weight."
        )
    if is_py_dataset(x):
        return PyDatasetData(x, shuffle, class_weight, names)
    if iterables.is_tf_dataset(x):
        return iterables.tf_dataset(x, class_weight, names)
    return iterables.iterable(x, class_weight, names)


__all__ = ["ArrayData", "DataError", "Epochs", "Names", "adapt", "split_for_validation"]
