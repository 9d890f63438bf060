"""Keras's `keras.utils.standardize_dtype`: any spelling of a dtype as Keras's name for it."""

from __future__ import annotations

from engine import config

# Keras's ALLOWED_DTYPES: every dtype name Keras knows, wider than what the backends compute in
KERAS_DTYPES = (
    "float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
    "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2", "complex64",
    "complex128",
)


def _python_dtype(dtype):
    """Keras's names for Python's types; TensorFlow's default integers and complexes are wider."""
    wide = config.backend() == "tensorflow"
    names = {bool: "bool", float: "float32", str: "string", int: "int64" if wide else "int32",
             "int": "int64" if wide else "int32",
             complex: "complex128" if wide else "complex64"}
    try:
        return names.get(dtype)
    except TypeError:  # an unhashable dtype-like
        return None


def standardize_dtype(dtype) -> str:
    """The dtype's name ("float32"): None is config.floatx(); a Python type, a NumPy, JAX,
    PyTorch or TensorFlow dtype or a name gives the name Keras uses for it."""
    if dtype is None:
        return config.floatx()
    name = _python_dtype(dtype)
    if name is None:
        if hasattr(dtype, "name"):
            name = dtype.name
        elif hasattr(dtype, "__name__"):
            name = dtype.__name__
        else:
            name = str(dtype).rsplit(".", 1)[-1]  # torch.float32
    if name not in KERAS_DTYPES:
        raise ValueError(
            f"standardize_dtype: {dtype!r} is not a dtype Keras knows; use one of "
            f"{', '.join(KERAS_DTYPES)}."
        )
    return name
