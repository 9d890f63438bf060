"""Making arrays, converting them and reading their shape and dtype."""

from __future__ import annotations

import numpy as np

from engine.backend.numpy.traced import Traced, primitive, unwrap

# Python data has no dtype of its own; these are the other frameworks' defaults for it.
_PYTHON_DEFAULTS = {"f": "float32", "i": "int32"}


def numpy_dtype(dtype: str) -> np.dtype:
    """The NumPy dtype for a contract dtype string ("bfloat16" comes from ml_dtypes)."""
    if dtype == "bfloat16":
        try:
            import ml_dtypes
        except ImportError as error:
            raise TypeError(
                "The NumPy backend needs the ml_dtypes package for bfloat16: pip install ml_dtypes"
            ) from error
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(dtype)


# Arrays leave convert and to_numpy in C order, as every other framework's do: code that
# edits one through a flat view (`a.reshape(-1)[i] += d`) then edits the array itself.


def convert(x, dtype=None):
    if isinstance(x, Traced):
        return x if dtype is None else cast(x, dtype)
    if dtype is not None:
        return np.asarray(x, dtype=numpy_dtype(dtype), order="C")
    array = np.asarray(x, order="C")
    if isinstance(x, (np.ndarray, np.generic)):
        return array
    default = _PYTHON_DEFAULTS.get(array.dtype.kind)
    return array.astype(default) if default else array


def to_numpy(x) -> np.ndarray:
    return np.array(unwrap(x), order="C")


def from_dlpack(x) -> np.ndarray:
    return np.from_dlpack(x)


def is_array(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic, Traced))


def shape(x) -> tuple:
    return tuple(np.shape(unwrap(x)))


def dtype(x) -> str:
    return str(np.asarray(unwrap(x)).dtype)


@primitive(lambda g, out, x, dtype: g)
def _float_cast(x, dtype):
    return np.asarray(x).astype(dtype)


def bitcast(x, dtype):
    return np.ascontiguousarray(unwrap(x)).view(numpy_dtype(dtype))


def cast(x, dtype):
    target = numpy_dtype(dtype)
    if target.kind in "fc":
        return _float_cast(x, dtype=target)
    return np.asarray(unwrap(x)).astype(target)


def zeros(shape, dtype=None):
    return np.zeros(shape, numpy_dtype(dtype or "float32"))


def ones(shape, dtype=None):
    return np.ones(shape, numpy_dtype(dtype or "float32"))


def full(shape, value, dtype=None):
    return np.full(shape, unwrap(value), numpy_dtype(dtype or "float32"))


def arange(start, stop=None, step=1, dtype="int32"):
    return np.arange(start, stop, step, dtype=numpy_dtype(dtype or "float32"))


def devices() -> list:
    return ["cpu:0"]


def default_device() -> str:
    return "cpu:0"
