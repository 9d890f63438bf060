"""Arrays and devices, creation, shapes and indexing for the TensorFlow backend."""

from __future__ import annotations

import numpy as np

from engine.backend.checks import block_shape, scatter_reduction, segment_count
from engine.backend.tensorflow.core import (
    convert,
    dtype_name,
    promoted,
    tensor,
    tf_dtype,
    typed_tensor,
)
from engine.backend.tensorflow.framework import DEVICE, tf


class ArrayOps:
    """Conversion, creation, shape and indexing ops of the contract."""

    # ----------------------------------------------------------------- arrays and devices
    def convert(self, x, dtype=None):
        return convert(x, dtype)

    def to_numpy(self, x):
        return np.array(tensor(x), copy=True)

    def from_dlpack(self, x):
        return tf.experimental.dlpack.from_dlpack(x.__dlpack__())

    def is_array(self, x) -> bool:
        return tf.is_tensor(x)

    def shape(self, x) -> tuple:
        return tuple(tensor(x).shape.as_list())

    def dtype(self, x) -> str:
        return dtype_name(tensor(x).dtype)

    def cast(self, x, dtype):
        return tf.cast(tensor(x), tf_dtype(dtype))

    def bitcast(self, x, dtype):
        # tf.bitcast adds an axis when narrowing and takes one away when widening
        x, target = tensor(x), tf_dtype(dtype)
        ratio = target.size / x.dtype.size
        if ratio > 1:
            x = tf.reshape(x, [*x.shape[:-1], x.shape[-1] // int(ratio), int(ratio)])
        out = tf.bitcast(x, target)
        return tf.reshape(out, [*x.shape[:-1], -1]) if ratio < 1 else out

    def zeros(self, shape, dtype=None):
        return tf.zeros(shape, tf_dtype(dtype or "float32"))

    def ones(self, shape, dtype=None):
        return tf.ones(shape, tf_dtype(dtype or "float32"))

    def full(self, shape, value, dtype=None):
        return tf.fill(shape, typed_tensor(value, tf_dtype(dtype or "float32")))

    def arange(self, start, stop=None, step=1, dtype="int32"):
        if stop is None:
            start, stop = 0, start
        return tf.range(start, stop, step, dtype=tf_dtype(dtype or "float32"))

    def devices(self) -> list:
        found = tf.config.list_logical_devices("GPU") + tf.config.list_logical_devices("CPU")
        return [_device_name(device.name) for device in found]

    def default_device(self) -> str:
        return _device_name(DEVICE)

    # ------------------------------------------------------------------------ shape ops
    def reshape(self, x, shape):
        return tf.reshape(x, shape)

    def transpose(self, x, axes=None):
        return tf.transpose(x, axes)

    def expand_dims(self, x, axis):
        x = tensor(x)
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        rank = x.shape.rank + len(axes)
        for position in sorted(a % rank for a in axes):
            x = tf.expand_dims(x, position)
        return x

    def squeeze(self, x, axis):
        return tf.squeeze(x, None if axis is None else _axes(axis))

    def broadcast_to(self, x, shape):
        return tf.broadcast_to(x, shape)

    def concatenate(self, xs, axis=0):
        return tf.concat(promoted(*xs), axis=axis)

    def stack(self, xs, axis=0):
        return tf.stack(promoted(*xs), axis=axis)

    def pad(self, x, pad_width, value=0):
        return tf.pad(x, [list(pair) for pair in pad_width], constant_values=value)

    # ------------------------------------------------------------------------- indexing
    def getitem(self, x, key):
        return tensor(x)[key]

    def take(self, x, indices, axis=0):
        x, indices = tensor(x), tensor(indices)
        # tf.gather rejects negative indices on the CPU; count them from the end as NumPy does.
        size = tf.cast(tf.shape(x)[axis], indices.dtype)
        indices = tf.where(indices < 0, indices + size, indices)
        return tf.gather(x, indices, axis=axis)

    def take_along_axis(self, x, indices, axis):
        return tf.experimental.numpy.take_along_axis(tensor(x), tensor(indices), axis=axis)

    def one_hot(self, x, num_classes, axis=-1, dtype=None):
        return tf.one_hot(x, num_classes, axis=axis, dtype=tf_dtype(dtype or "float32"))

    # -------------------------------------------------------- keras.ops numerics: indexing
    def scatter(self, indices, values, shape):
        return tf.scatter_nd(tensor(indices), tensor(values), list(shape))

    def scatter_update(self, inputs, indices, updates, reduction=None):
        inputs = tensor(inputs)
        updates = tf.cast(tensor(updates), inputs.dtype)
        if scatter_reduction(reduction) == "add":
            return tf.tensor_scatter_nd_add(inputs, tensor(indices), updates)
        return tf.tensor_scatter_nd_update(inputs, tensor(indices), updates)

    def slice(self, inputs, start_indices, shape):
        inputs, shape = tensor(inputs), list(block_shape(shape))
        return tf.slice(inputs, _fitted_starts(inputs, start_indices, shape), shape)

    def slice_update(self, inputs, start_indices, updates):
        inputs = tensor(inputs)
        updates = tf.cast(tensor(updates), inputs.dtype)
        sizes = updates.shape.as_list()
        starts = _fitted_starts(inputs, start_indices, sizes)
        ranges = [tf.range(starts[i], starts[i] + size) for i, size in enumerate(sizes)]
        positions = tf.stack(tf.meshgrid(*ranges, indexing="ij"), axis=-1)
        return tf.tensor_scatter_nd_update(inputs, positions, updates)

    def segment_sum(self, data, segment_ids, num_segments=None, sorted=False):
        count = segment_count("segment_sum", num_segments)
        return tf.math.unsorted_segment_sum(tensor(data), tensor(segment_ids), count)

    def segment_max(self, data, segment_ids, num_segments=None, sorted=False):
        data, segment_ids = tensor(data), tensor(segment_ids)
        count = segment_count("segment_max", num_segments)
        out = tf.math.unsorted_segment_max(data, segment_ids, count)
        if not data.dtype.is_floating:
            return out
        # TensorFlow fills an empty segment with the dtype's lowest value; the contract, -inf
        sizes = tf.math.unsorted_segment_sum(tf.ones_like(segment_ids), segment_ids, count)
        filled = tf.reshape(sizes > 0, [count] + [1] * (data.shape.rank - 1))
        return tf.where(filled, out, tf.constant(-float("inf"), data.dtype))


def _axes(axis) -> list:
    return [axis] if isinstance(axis, int) else list(axis)


def _fitted_starts(inputs, start_indices, sizes):
    """One start per axis, each moved in so that the block of `sizes` fits (as XLA does)."""
    starts = tf.cast(tf.reshape(tensor(start_indices), [-1]), tf.int32)
    return tf.clip_by_value(starts, 0, tf.shape(inputs, out_type=tf.int32) - sizes)


def _device_name(name: str) -> str:
    """The "gpu:0"-style name of a TensorFlow device name such as "/device:GPU:0"."""
    kind, index = name.split(":")[-2:]
    return f"{kind.split('/')[-1].lower()}:{index}"
