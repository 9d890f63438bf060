"""What every module of the torch backend shares: the device, dtype names and operand coercion.

Importing this module turns TF32 off, so float32 matmuls and convolutions on a GPU compute
in full float32 and match the other backends, and keeps freed host memory for reuse
(engine/backend/host_memory.py).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from engine.backend.contract import DTYPES
from engine.backend.host_memory import keep_freed_memory

try:
    import ml_dtypes
except ImportError:  # only needed to hand bfloat16 arrays to NumPy
    ml_dtypes = None

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
keep_freed_memory()  # torch's CPU tensors come straight from malloc, uncached

DEVICE = (
    torch.device("cuda", torch.cuda.current_device())
    if torch.cuda.is_available()
    else torch.device("cpu")
)

_SCALARS = (bool, int, float)


def torch_dtype(name: str) -> torch.dtype:
    """The torch dtype called `name`, one of the contract's DTYPES."""
    if name not in DTYPES:
        raise ValueError(f"Unknown dtype {name!r}. Use one of: {', '.join(DTYPES)}.")
    return getattr(torch, name)


def dtype_name(dtype: torch.dtype) -> str:
    """The contract's name for a torch dtype ("float32", "int32", "bool", ...)."""
    return str(dtype).removeprefix("torch.")


def _scalar_dtype(value) -> torch.dtype:
    """The dtype a lone Python scalar becomes: bool, int32 or float32 (as Keras does)."""
    if isinstance(value, bool):
        return torch.bool
    return torch.int32 if isinstance(value, int) else torch.float32


def convert(x, dtype=None):
    """A tensor on DEVICE from a tensor, NumPy array or Python data; dtype None keeps it.

    NumPy data keeps its dtype (float64 stays float64); Python floats and ints become
    float32 and int32, as Keras converts them, unless `dtype` asks for more.
    """
    target = None if dtype is None else torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        if x.device == DEVICE and (target is None or x.dtype == target):
            return x  # what .to() would return, without its dispatch
        return x.to(device=DEVICE, dtype=target)
    from_python = not isinstance(x, (np.ndarray, np.generic))
    array = np.asarray(x)
    if from_python and target is None and array.dtype in (np.float64, np.int64):
        array = array.astype(np.float32 if array.dtype == np.float64 else np.int32)
    if array.dtype.name == "bfloat16":
        result = torch.tensor(array.view(np.int16), device=DEVICE).view(torch.bfloat16)
    else:
        if any(stride < 0 for stride in array.strides):  # a reversed view: torch takes none
            array = array.copy()
        result = torch.tensor(array, device=DEVICE)
    return result if target is None else result.to(target)


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of `x` on the host; bfloat16 arrives as ml_dtypes.bfloat16 when installed."""
    if not isinstance(x, torch.Tensor):
        return np.array(x)
    x = x.detach().to("cpu", copy=True)
    if x.dtype == torch.bfloat16:
        if ml_dtypes is None:
            return x.float().numpy()
        return x.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return x.numpy()


def tensor(x):
    """`x` as a tensor: tensors pass through untouched, anything else is converted."""
    return x if isinstance(x, torch.Tensor) else convert(x)


def operands(a, b):
    """Two operands for a binary op: tensors, except that a Python scalar `b` beside a
    tensor `a` stays a Python scalar.

    Scalars are weakly typed, as in JAX: float32 + 2.0 stays float32 and int32 + 2.5 becomes
    float32 (torch's default float), never float64. torch gives a Python scalar exactly that
    dtype itself, and takes it without making a tensor of it (a tensor per scalar costs a
    few microseconds per op and breaks torch.compile graphs). Every op using this accepts a
    scalar second operand; a scalar first operand becomes a (cached) 0-d tensor.
    """
    a = a.item() if isinstance(a, np.generic) else a
    b = b.item() if isinstance(b, np.generic) else b
    if isinstance(a, torch.Tensor):
        return a, b if isinstance(b, (torch.Tensor, *_SCALARS)) else tensor(b)
    if isinstance(a, _SCALARS) and isinstance(b, _SCALARS):
        return _scalar(a, _scalar_dtype(a)), _scalar(b, _scalar_dtype(b))
    if isinstance(a, _SCALARS):
        b = tensor(b)
        return _scalar(a, torch.result_type(b, a), b.device), b
    a = tensor(a)
    return operands(a, b)


def tensors(a, b):
    """Two tensors for a binary op that takes no scalar (a scalar gets the other's dtype)."""
    a, b = operands(a, b)
    return a, b if isinstance(b, torch.Tensor) else _scalar(b, torch.result_type(a, b), a.device)


def promoted(*xs):
    """Tensors cast to their common dtype, for ops (matmul, einsum, conv) that need one."""
    xs = [tensor(x) for x in xs]
    common = xs[0].dtype
    if all(x.dtype == common for x in xs):  # the usual case: no op at all
        return xs
    for x in xs[1:]:
        common = torch.promote_types(common, x.dtype)
    return [x.to(common) for x in xs]


def _scalar(value, dtype, device=DEVICE):
    """A 0-d tensor of `value`, shared between calls (the engine never writes into one)."""
    key = value.hex() if isinstance(value, float) else value  # keeps -0.0 apart from 0.0
    return _cached_scalar(type(value), key, dtype, device)


@functools.lru_cache(maxsize=512)
def _cached_scalar(kind, key, dtype, device):
    value = float.fromhex(key) if kind is float else kind(key)
    return torch.tensor(value, dtype=dtype, device=device)


def dims(x, axis) -> tuple:
    """`axis` (None, an int or a tuple) as a tuple of dims of `x`; None means all of them."""
    if axis is None:
        return tuple(range(x.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)
