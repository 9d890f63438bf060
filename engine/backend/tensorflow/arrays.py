"""Arrays and devices, creation, shapes and indexing for the TensorFlow backend."""

from __future__ import annotations

import numpy as np

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


def _axes(axis) -> list:
    return [axis] if isinstance(axis, int) else list(axis)


def _device_name(name: str) -> str:
    """The "gpu:0"-style name of a TensorFlow device name such as "/device:GPU:0"."""
    kind, index = name.split(":")[-2:]
    return f"{kind.split('/')[-1].lower()}:{index}"
