"""What every module of the TensorFlow backend shares: dtype names and operand coercion.

TensorFlow never promotes dtypes itself (float32 + float16 is an error), so binary ops go
through `operands`, which follows JAX's rules: Python and NumPy scalars take the other
side's dtype where it fits (float32 + 2.0 stays float32, int32 + 2.5 becomes float32), and
two arrays meet at the wider dtype of the more general kind (bool < int < float).
"""

from __future__ import annotations

import numpy as np

from engine.backend.contract import DTYPES
from engine.backend.tensorflow.framework import DEVICE, tf

_SCALARS = (bool, int, float)
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def tf_dtype(name: str) -> tf.DType:
    """The TensorFlow dtype called `name`, one of the contract's DTYPES."""
    if name not in DTYPES:
        raise ValueError(f"Unknown dtype {name!r}. Use one of: {', '.join(DTYPES)}.")
    return tf.as_dtype(name)


def dtype_name(dtype) -> str:
    """The contract's name for a TensorFlow dtype ("float32", "int32", "bool", ...)."""
    return tf.as_dtype(dtype).name


def convert(x, dtype=None):
    """A tensor on DEVICE from a tensor, NumPy array or Python data; dtype None keeps it.

    NumPy data keeps its dtype (float64 stays float64); Python floats and ints become
    float32 and int32, as Keras converts them.
    """
    if not tf.is_tensor(x):
        from_python = not isinstance(x, (np.ndarray, np.generic))
        array = np.asarray(x, None if dtype is None else tf_dtype(dtype).as_numpy_dtype)
        if dtype is None and from_python and array.dtype in (np.float64, np.int64):
            array = array.astype(np.float32 if array.dtype == np.float64 else np.int32)
        with tf.device(DEVICE):
            x = tf.convert_to_tensor(array)
    elif isinstance(x, tf.Variable):
        x = tf.convert_to_tensor(x)
    if dtype is None or x.dtype == tf_dtype(dtype):
        return x
    return tf.cast(x, tf_dtype(dtype))


def tensor(x):
    """`x` as a tensor: tensors pass through untouched, anything else is converted."""
    return x if tf.is_tensor(x) and not isinstance(x, tf.Variable) else convert(x)


def floating(x):
    """`x` as a float tensor: integers and bools become float32 (for sqrt, exp, mean, ...)."""
    x = tensor(x)
    return x if x.dtype.is_floating else tf.cast(x, tf.float32)


def operands(a, b):
    """Two tensors of one dtype for a binary op (see the module docstring for the rules)."""
    a = a.item() if isinstance(a, np.generic) else a
    b = b.item() if isinstance(b, np.generic) else b
    if isinstance(a, _SCALARS) and isinstance(b, _SCALARS):
        a = convert(a)
    if isinstance(b, _SCALARS):
        a = tensor(a)
        common = _with_scalar(a.dtype, b)
        return tf.cast(a, common), typed_tensor(b, common)
    if isinstance(a, _SCALARS):
        b = tensor(b)
        common = _with_scalar(b.dtype, a)
        return typed_tensor(a, common), tf.cast(b, common)
    return promoted(a, b)


def promoted(*xs):
    """Tensors cast to their common dtype, for ops (matmul, concat, conv) that need one."""
    xs = [tensor(x) for x in xs]
    common = xs[0].dtype
    for x in xs[1:]:
        common = _common(common, x.dtype)
    return [x if x.dtype == common else tf.cast(x, common) for x in xs]


def _kind(dtype: tf.DType) -> int:
    return _KIND_RANK[np.dtype(dtype.as_numpy_dtype).kind] if dtype != tf.bfloat16 else 2


def _common(a: tf.DType, b: tf.DType) -> tf.DType:
    """The dtype two arrays meet at: the more general kind, then the wider size."""
    if a == b:
        return a
    if _kind(a) != _kind(b):
        return a if _kind(a) > _kind(b) else b
    if {a, b} == {tf.float16, tf.bfloat16}:
        return tf.float32
    if {a, b} == {tf.int32, tf.uint32}:
        return tf.int64
    return a if a.size >= b.size else b


def _with_scalar(dtype: tf.DType, value) -> tf.DType:
    """The dtype an array of `dtype` and a Python scalar meet at (the array's, if it fits)."""
    scalar_kind = 0 if isinstance(value, bool) else 1 if isinstance(value, int) else 2
    if scalar_kind <= _kind(dtype):
        return dtype
    return tf.float32 if scalar_kind == 2 else tf.int32


def typed_tensor(value, dtype: tf.DType):
    """`value` as a tensor of `dtype`; Python numbers convert in full precision (via NumPy)."""
    if tf.is_tensor(value):
        return tf.cast(value, dtype)
    return tf.constant(np.asarray(value, dtype.as_numpy_dtype))
