"""What every adapter shares: NumPy conversion, a batch's (x, y, sample_weight) and class weights.

A batch is unpacked as Keras unpacks it: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`
(a list counts as a tuple). Dicts of inputs or targets keyed by the model's input or output
names become lists in the model's order, since the compiled step takes lists.
"""

from __future__ import annotations

import numbers

import numpy as np


class DataError(ValueError):
    """The data given to fit/evaluate/predict cannot be used as it is."""


def to_numpy(value):
    """A NumPy array from a NumPy/pandas/list value or a torch, TensorFlow or JAX tensor."""
    if hasattr(value, "detach"):  # torch
        return value.detach().cpu().numpy()
    if hasattr(value, "to_numpy"):  # pandas
        return value.to_numpy()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # tf eager tensors
        return value.numpy()
    return np.asarray(value)


def structure(value, names=None, what="inputs"):
    """`value` as NumPy: one array, or a list of them; a dict is ordered by `names` (the
    model's input or output names), or kept as a dict when the model has no names to give
    (a subclassed model's call takes what it is given)."""
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    if isinstance(value, dict):
        if names is None:
            return {key: to_numpy(v) for key, v in value.items()}
        missing = [name for name in names if name not in value]
        if missing:
            raise DataError(
                f"The {what} dict has keys {sorted(value)} but the model's {what} are named "
                f"{names}: give a key for each of {missing}."
            )
        arrays = [to_numpy(value[name]) for name in names]
        return arrays[0] if len(arrays) == 1 else arrays
    return to_numpy(value)


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """A batch as Keras's sources give it: x (or (x,) when x is a list or tuple), (x, y) or
    (x, y, sample_weight)."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(batch):
    """(x, y, sample_weight) of a batch as a source yields it, Keras's forms only."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if not 1 <= len(batch) <= 3:
        raise DataError(
            f"A batch must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of "
            f"{len(batch)} items. Yield inputs and targets as a pair, several inputs as a "
            "list or dict inside it: ([x1, x2], y)."
        )
    return (*batch, *(None,) * (3 - len(batch)))


class Names:
    """The model's input and output names, to order dicts of data; None where it has none."""

    def __init__(self, inputs=None, outputs=None):
        self.inputs = inputs
        self.outputs = outputs

    def batch(self, x, y=None, sample_weight=None, class_weight=None):
        """A batch of NumPy arrays in the model's order, class weights made sample weights."""
        x = structure(x, self.inputs, "inputs")
        y = None if y is None else structure(y, self.outputs, "outputs")
        sample_weight = None if sample_weight is None else to_numpy(sample_weight)
        if class_weight is not None:
            sample_weight = class_weight_to_sample_weight(y, class_weight, sample_weight)
        return x, y, sample_weight

    def unpacked(self, batch, class_weight=None):
        """A batch as a source yielded it, unpacked as Keras unpacks it, then as `batch`."""
        return self.batch(*unpack_x_y_sample_weight(batch), class_weight=class_weight)


def check_class_weight(class_weight) -> None:
    """A clear error for a class_weight that is not {class index: weight}."""
    if class_weight is None:
        return
    if not isinstance(class_weight, dict) or not all(
        isinstance(k, numbers.Integral) and isinstance(v, numbers.Real)
        for k, v in class_weight.items()
    ):
        raise DataError(
            f"class_weight must be a dict of class index to weight, e.g. {{0: 1.0, 1: 5.0}}; "
            f"got {class_weight!r}."
        )


def class_weight_to_sample_weight(y, class_weight, sample_weight=None):
    """Each sample's weight: its class's weight (1.0 for a class the dict does not name, as
    in Keras). The class is a one-hot row's argmax, else the rounded label."""
    if sample_weight is not None:
        raise DataError(
            "class_weight and sample_weight cannot be given together (Keras refuses it "
            "too): fold the class weights into sample_weight."
        )
    if y is None or isinstance(y, (list, dict)):
        raise DataError(
            "class_weight works only for a model with a single output and its targets; "
            "for several outputs pass sample_weight instead."
        )
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    if labels.ndim != 1:
        raise DataError(
            f"class_weight needs one class per sample; the targets have shape {y.shape}."
        )
    classes = np.round(labels).astype(np.int64)
    weights = np.ones(len(classes), dtype=np.float32)
    for label, weight in class_weight.items():
        weights[classes == label] = weight
    return weights
