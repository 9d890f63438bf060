"""Arrays and devices, creation, shapes and indexing for the torch backend."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.backend.checks import block_shape, scatter_reduction, segment_count
from engine.backend.torch.core import (
    DEVICE,
    convert,
    dtype_name,
    promoted,
    tensor,
    to_numpy,
    torch_dtype,
)


class ArrayOps:
    """Conversion, creation, shape and indexing ops of the contract."""

    # ----------------------------------------------------------------- arrays and devices
    def convert(self, x, dtype=None):
        return convert(x, dtype)

    def to_numpy(self, x):
        return to_numpy(x)

    def step_input(self, array, dtype):
        # A batch in the step's dtype is shared, not copied, as torch.from_numpy does (the
        # step only reads it); anything else is converted.
        if array.dtype.name == dtype and array.flags.c_contiguous and array.flags.writeable:
            return torch.from_numpy(array).to(DEVICE)
        return convert(array, dtype)

    def from_dlpack(self, x):
        return torch.from_dlpack(x)

    def is_array(self, x) -> bool:
        return isinstance(x, torch.Tensor)

    def shape(self, x) -> tuple:
        return tuple(tensor(x).shape)

    def dtype(self, x) -> str:
        return dtype_name(tensor(x).dtype)

    def cast(self, x, dtype):
        x, target = tensor(x), torch_dtype(dtype)
        return x if x.dtype == target else x.to(target)

    def bitcast(self, x, dtype):
        return tensor(x).contiguous().view(torch_dtype(dtype))

    def zeros(self, shape, dtype=None):
        return torch.zeros(shape, dtype=torch_dtype(dtype or "float32"), device=DEVICE)

    def ones(self, shape, dtype=None):
        return torch.ones(shape, dtype=torch_dtype(dtype or "float32"), device=DEVICE)

    def full(self, shape, value, dtype=None):
        dtype = torch_dtype(dtype or "float32")
        return torch.full(shape, value, dtype=dtype, device=DEVICE)

    def arange(self, start, stop=None, step=1, dtype="int32"):
        if stop is None:
            start, stop = 0, start
        return torch.arange(start, stop, step, dtype=torch_dtype(dtype), device=DEVICE)

    def devices(self) -> list:
        gpus = [f"cuda:{index}" for index in range(torch.cuda.device_count())]
        return [*gpus, "cpu:0"]

    def default_device(self) -> str:
        return f"{DEVICE.type}:{DEVICE.index or 0}"

    # ------------------------------------------------------------------------ shape ops
    def reshape(self, x, shape):
        return torch.reshape(tensor(x), tuple(shape))

    def transpose(self, x, axes=None):
        x = tensor(x)
        return x.permute(*(reversed(range(x.ndim)) if axes is None else axes))

    def expand_dims(self, x, axis):
        x = tensor(x)
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        ndim = x.ndim + len(axes)
        for dim in sorted(a % ndim for a in axes):
            x = x.unsqueeze(dim)
        return x

    def squeeze(self, x, axis):
        x = tensor(x)
        return x.squeeze() if axis is None else x.squeeze(axis)

    def broadcast_to(self, x, shape):
        return torch.broadcast_to(tensor(x), tuple(shape))

    def concatenate(self, xs, axis=0):
        return torch.cat(promoted(*xs), dim=axis)

    def stack(self, xs, axis=0):
        return torch.stack(promoted(*xs), dim=axis)

    def pad(self, x, pad_width, value=0):
        # F.pad lists (before, after) pairs from the last axis backwards.
        flat = [int(amount) for pair in reversed(pad_width) for amount in pair]
        return F.pad(tensor(x), flat, value=value)

    # ------------------------------------------------------------------------- indexing
    def getitem(self, x, key):
        x = tensor(x)
        key = key if isinstance(key, tuple) else (key,)
        x, key = _reverse_negative_steps(x, key)
        return x[key]

    def take(self, x, indices, axis=0):
        x, indices = tensor(x), tensor(indices).long()
        if axis is None:
            x, axis = x.reshape(-1), 0
        axis %= x.ndim
        taken = torch.index_select(x, axis, indices.reshape(-1))
        return taken.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1 :])

    def take_along_axis(self, x, indices, axis):
        return torch.take_along_dim(tensor(x), tensor(indices).long(), dim=axis)

    def one_hot(self, x, num_classes, axis=-1, dtype=None):
        # Comparing against arange leaves out-of-range indices as all-zero rows (as JAX does).
        x = tensor(x)
        hot = x.unsqueeze(-1) == torch.arange(num_classes, device=x.device)
        return hot.movedim(-1, axis).to(torch_dtype(dtype or "float32"))

    # -------------------------------------------------------- keras.ops numerics: indexing
    def scatter(self, indices, values, shape):
        values = tensor(values)
        zeros = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
        return zeros.index_put(_positions(indices), values, accumulate=True)

    def scatter_update(self, inputs, indices, updates, reduction=None):
        inputs, add = tensor(inputs), scatter_reduction(reduction) == "add"
        updates = tensor(updates).to(inputs.dtype)
        return inputs.index_put(_positions(indices), updates, accumulate=add)

    def slice(self, inputs, start_indices, shape):
        inputs = tensor(inputs)
        return inputs[_block(inputs.shape, start_indices, block_shape(shape))]

    def slice_update(self, inputs, start_indices, updates):
        inputs, updates = tensor(inputs), tensor(updates)
        out = inputs.clone()
        out[_block(inputs.shape, start_indices, tuple(updates.shape))] = updates.to(inputs.dtype)
        return out

    def segment_sum(self, data, segment_ids, num_segments=None, sorted=False):
        data = tensor(data)
        count = segment_count("segment_sum", num_segments)
        zeros = data.new_zeros((count, *data.shape[1:]))
        return zeros.index_add(0, tensor(segment_ids).long(), data)

    def segment_max(self, data, segment_ids, num_segments=None, sorted=False):
        # scatter_reduce's backward splits the gradient evenly among tied maxima
        data = tensor(data)
        count = segment_count("segment_max", num_segments)
        lowest = -torch.inf if data.is_floating_point() else torch.iinfo(data.dtype).min
        start = data.new_full((count, *data.shape[1:]), lowest)
        ids = tensor(segment_ids).long().reshape(-1, *[1] * (data.ndim - 1)).expand_as(data)
        return start.scatter_reduce(0, ids, data, reduce="amax")


def _positions(indices) -> tuple:
    """An (..., k) index array as the tuple of k index tensors index_put takes."""
    return tuple(tensor(indices).long().unbind(-1))


def _block(shape, start_indices, sizes) -> tuple:
    """The slices of the block of `sizes` at `start_indices`, each start moved in to fit (as
    XLA's dynamic slices do); the starts are read on the host."""
    starts = tensor(start_indices).reshape(-1).tolist()
    fitted = [min(max(int(s), 0), n - size) for s, n, size in zip(starts, shape, sizes)]
    return tuple(slice(s, s + size) for s, size in zip(fitted, sizes))


def _reverse_negative_steps(x, key):
    """Apply slices with negative steps (torch rejects them) as index_select; return the rest.

    Each such slice becomes `:` in the returned key, so the remaining basic indexing is
    unchanged and the gradient still flows (index_select scatter-adds).
    """
    if not any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in key):
        return x, key  # the usual case
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    dim, rest = 0, []
    for k in key:
        if isinstance(k, slice) and k.step is not None and k.step < 0:
            positions = range(*k.indices(x.shape[dim]))
            index = torch.tensor(list(positions), dtype=torch.long, device=x.device)
            x = torch.index_select(x, dim, index)
            k = slice(None)
        rest.append(k)
        if k is Ellipsis:
            dim += x.ndim - consumed
        elif k is not None:
            dim += 1
    return x, tuple(rest)
