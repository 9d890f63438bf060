"""Sources that batch their own data: Python generators and iterables, torch DataLoaders and
tf.data Datasets. Their batches are converted to NumPy one by one, whatever backend trains."""

from __future__ import annotations

from engine.training.data_adapters.batch import DataError, Names


class IterableData:
    """Batches as an iterable yields them. A re-iterable source (DataLoader, tf.data, a
    list) starts again each pass; a generator or iterator is read on where it stopped.

    `num_batches` is the source's length where it has one, else None: `infinite` says
    whether the source is known to never end, which a generator cannot tell."""

    def __init__(self, source, num_batches=None, class_weight=None, names=None,
                 infinite=False):
        self.source = source
        self.num_batches = num_batches
        self.infinite = infinite
        self.class_weight = class_weight
        self.names = names or Names()

    def batches(self):
        for batch in self.source:
            yield self.names.unpacked(batch, self.class_weight)

    def on_epoch_begin(self) -> None: ...

    def on_epoch_end(self) -> None: ...


def is_tf_dataset(x) -> bool:
    return hasattr(x, "as_numpy_iterator") and hasattr(x, "cardinality")


def tf_dataset(dataset, class_weight, names) -> IterableData:
    """A tf.data.Dataset, read as NumPy (no eager tensors); its cardinality is its length
    (tf.data says -1 for infinite, -2 for unknown)."""
    cardinality = int(dataset.cardinality())
    return IterableData(
        _NumpyIterable(dataset),
        cardinality if cardinality >= 0 else None,
        class_weight,
        names,
        infinite=cardinality == -1,
    )


class _NumpyIterable:
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        return self.dataset.as_numpy_iterator()


def iterable(source, class_weight, names) -> IterableData:
    """A generator, iterator or other iterable (a torch DataLoader among them)."""
    if not hasattr(source, "__iter__"):
        raise DataError(
            f"Cannot read batches from a {type(source).__name__}: pass arrays, a generator, "
            "an engine.utils.PyDataset, a torch DataLoader or a tf.data.Dataset."
        )
    try:
        length = len(source)
    except TypeError:  # generators, and torch's IterableDatasets
        length = None
    return IterableData(source, length, class_weight, names)
