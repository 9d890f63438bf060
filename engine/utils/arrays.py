"""Array helpers of keras.utils: labels to one-hot rows, padding sequences, normalising."""

from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes=None) -> np.ndarray:
    """Class labels as one-hot float32 rows (the last axis of size 1 dropped, as Keras does);
    `num_classes` defaults to the largest label + 1."""
    labels = np.asarray(x, dtype=np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    return np.eye(classes, dtype=np.float32)[labels]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0) -> np.ndarray:
    """Sequences of different lengths as one array of `maxlen` steps (default: the longest),
    as Keras's: longer ones cut at the start ("pre") or end ("post"), shorter ones filled with
    `value` before ("pre") or after ("post"). Each step may be an array (all of one shape)."""
    for name, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f'{name} must be "pre" or "post", got {given!r}.')
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences takes a list of sequences (each a list or an array).")
    rows = []
    for index, sequence in enumerate(sequences):
        if not hasattr(sequence, "__len__"):
            raise ValueError(
                f"Sequence {index} is {sequence!r}, not a list or an array of steps."
            )
        rows.append(np.asarray(sequence))
    steps = [row.shape[1:] for row in rows if len(row)]
    step_shape = steps[0] if steps else ()
    if any(shape != step_shape for shape in steps):
        raise ValueError(
            f"Every step must have one shape; the sequences' steps have shapes "
            f"{sorted(set(steps))}."
        )
    length = max((len(row) for row in rows), default=0) if maxlen is None else int(maxlen)
    result = np.full((len(rows), length, *step_shape), value, dtype=dtype)
    for index, row in enumerate(rows):
        kept = row[-length:] if truncating == "pre" else row[:length]
        if length == 0 or not len(kept):
            continue
        if padding == "pre":
            result[index, length - len(kept):] = kept
        else:
            result[index, :len(kept)] = kept
    return result


def normalize(x, axis=-1, order=2):
    """`x` divided by its `order`-norm along `axis` (zero norms left alone), as Keras's:
    NumPy arrays by NumPy (where, as in Keras, axis 0 or None means the last), backend
    arrays by engine.ops.normalize."""
    if not isinstance(x, (np.ndarray, list, tuple)):
        from engine import ops

        return ops.normalize(x, axis=axis, order=order)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis or -1)
