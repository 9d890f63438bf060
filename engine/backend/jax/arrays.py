"""Arrays and devices, creation, shapes and indexing for the JAX backend."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from engine.backend.checks import block_shape, scatter_reduction, segment_count
from engine.backend.jax.core import convert, dtype_name, jax_dtype, promoted


class ArrayOps:
    """Conversion, creation, shape and indexing ops of the contract."""

    # ----------------------------------------------------------------- arrays and devices
    def convert(self, x, dtype=None):
        return convert(x, dtype)

    def to_numpy(self, x):
        return np.array(x, copy=True)

    def step_input(self, array, dtype):
        # jax.jit copies NumPy arguments in itself, at a fifth of the calling thread's time
        # that jnp.asarray takes (the copy no longer runs on it).
        return array if array.dtype == dtype else array.astype(dtype)

    def from_dlpack(self, x):
        # Zero-copy where JAX supports the dtype and device; float64 is copied to float32.
        return jax.dlpack.from_dlpack(x)

    def is_array(self, x) -> bool:
        return isinstance(x, jax.Array)

    def shape(self, x) -> tuple:
        return tuple(jnp.shape(x))

    def dtype(self, x) -> str:
        return dtype_name(x.dtype if hasattr(x, "dtype") else convert(x).dtype)

    def cast(self, x, dtype):
        return jnp.asarray(x).astype(jax_dtype(dtype))

    def bitcast(self, x, dtype):
        return jnp.asarray(x).view(jax_dtype(dtype))

    def zeros(self, shape, dtype=None):
        return jnp.zeros(shape, jax_dtype(dtype or "float32"))

    def ones(self, shape, dtype=None):
        return jnp.ones(shape, jax_dtype(dtype or "float32"))

    def full(self, shape, value, dtype=None):
        return jnp.full(shape, value, jax_dtype(dtype or "float32"))

    def arange(self, start, stop=None, step=1, dtype="int32"):
        return jnp.arange(start, stop, step, dtype=jax_dtype(dtype or "float32"))

    def devices(self) -> list:
        found = list(jax.devices())
        if found[0].platform != "cpu":
            found += jax.devices("cpu")
        return [_device_name(device) for device in found]

    def default_device(self) -> str:
        return _device_name(jax.devices()[0])

    # ------------------------------------------------------------------------ shape ops
    def reshape(self, x, shape):
        return jnp.reshape(x, shape)

    def transpose(self, x, axes=None):
        return jnp.transpose(x, axes)

    def expand_dims(self, x, axis):
        return jnp.expand_dims(x, axis)

    def squeeze(self, x, axis):
        return jnp.squeeze(x, axis)

    def broadcast_to(self, x, shape):
        return jnp.broadcast_to(x, shape)

    def concatenate(self, xs, axis=0):
        return jnp.concatenate(promoted(*xs), axis=axis)

    def stack(self, xs, axis=0):
        return jnp.stack(promoted(*xs), axis=axis)

    def pad(self, x, pad_width, value=0):
        return jnp.pad(x, pad_width, constant_values=value)

    # ------------------------------------------------------------------------- indexing
    def getitem(self, x, key):
        return jnp.asarray(x)[key]

    def take(self, x, indices, axis=0):
        return jnp.take(x, indices, axis=axis)

    def take_along_axis(self, x, indices, axis):
        return jnp.take_along_axis(x, indices, axis=axis)

    def one_hot(self, x, num_classes, axis=-1, dtype=None):
        return jax.nn.one_hot(x, num_classes, dtype=jax_dtype(dtype or "float32"), axis=axis)

    # -------------------------------------------------------- keras.ops numerics: indexing
    def scatter(self, indices, values, shape):
        values = jnp.asarray(values)
        return jnp.zeros(shape, values.dtype).at[_positions(indices)].add(values)

    def scatter_update(self, inputs, indices, updates, reduction=None):
        at = jnp.asarray(inputs).at[_positions(indices)]
        return at.add(updates) if scatter_reduction(reduction) == "add" else at.set(updates)

    def slice(self, inputs, start_indices, shape):
        return jax.lax.dynamic_slice(inputs, _starts(start_indices), block_shape(shape))

    def slice_update(self, inputs, start_indices, updates):
        inputs = jnp.asarray(inputs)
        updates = jnp.asarray(updates, inputs.dtype)
        return jax.lax.dynamic_update_slice(inputs, updates, _starts(start_indices))

    def segment_sum(self, data, segment_ids, num_segments=None, sorted=False):
        count = segment_count("segment_sum", num_segments)
        return jax.ops.segment_sum(data, segment_ids, count, indices_are_sorted=sorted)

    def segment_max(self, data, segment_ids, num_segments=None, sorted=False):
        count = segment_count("segment_max", num_segments)
        return jax.ops.segment_max(data, segment_ids, count, indices_are_sorted=sorted)


def _positions(indices) -> tuple:
    """An (..., k) index array as the tuple of k index arrays `.at[...]` takes."""
    return tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))


def _starts(start_indices) -> list:
    """One start per axis, as the scalars dynamic_slice takes; XLA moves a start past the end
    in itself, and one below 0 is taken as 0 (JAX would count it from the end)."""
    return list(jnp.maximum(jnp.reshape(jnp.asarray(start_indices), (-1,)), 0))


def _device_name(device) -> str:
    """The "gpu:0"-style name of a JAX device (JAX calls CUDA and ROCm devices "gpu")."""
    return f"{device.platform}:{device.id}"
