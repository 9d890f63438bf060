"""keras.ops's math that the contract leaves out: segment_min, segment_prod and
extract_sequences, each from contract ops."""

from __future__ import annotations

import numpy as np

from engine.composed_ops.inputs import as_array, current
from engine.ops import graph_aware


def _segments(name, segment_ids, num_segments):
    if num_segments is None:
        raise ValueError(f"{name}: pass num_segments (the number of segments), which fixes "
                         "the output's shape.")
    return as_array(segment_ids)


@graph_aware
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """The minimum over each segment (inf for an empty one), as segment_max's mirror."""
    b = current()
    segment_ids = _segments("segment_min", segment_ids, num_segments)
    return b.negative(b.segment_max(b.negative(as_array(data)), segment_ids, num_segments,
                                    sorted))


@graph_aware
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """The product over each segment (1 for an empty one): each segment's rows multiplied,
    the others' taken as 1."""
    b, data = current(), as_array(data)
    segment_ids = _segments("segment_prod", segment_ids, num_segments)
    member = b.equal(b.expand_dims(b.arange(num_segments, dtype="int32"), 1),
                     b.expand_dims(b.cast(segment_ids, "int32"), 0))  # (segments, rows)
    member = b.reshape(member, (*b.shape(member), *[1] * (len(b.shape(data)) - 1)))
    one = b.ones((), b.dtype(data))
    return b.prod(b.where(member, b.expand_dims(data, 0), one), axis=1)


@graph_aware
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` along x's last axis, `sequence_stride` apart: shape
    (..., frames, sequence_length)."""
    b, x = current(), as_array(x)
    length = b.shape(x)[-1]
    if sequence_length > length:
        raise ValueError(f"extract_sequences: sequence_length {sequence_length} is longer "
                         f"than x's last axis ({length}).")
    frames = (length - sequence_length) // sequence_stride + 1
    index = (np.arange(frames)[:, None] * sequence_stride + np.arange(sequence_length))
    return b.take(x, b.convert(index.astype("int32")), axis=-1)
