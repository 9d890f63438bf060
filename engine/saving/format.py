"""The model file's layout: names, limits, how each dtype is stored, and the one error.

A model file (docs/model-file.md) is a zip archive of `manifest.json` and one NPY 1.0 member
per array. Arrays are stored little-endian in a plain NumPy dtype; bfloat16 travels as its raw
16 bits (uint16), so reading a file never needs ml_dtypes and never meets a void dtype.
"""

from __future__ import annotations

import math
import re

import numpy as np

from engine.errors import EngineError

FORMAT = "model-workbench.model"
VERSION = 1
MANIFEST = "manifest.json"
# What a file holds, in this order: model.weights, the rest of model.variables (random-seed
# states), and optimizer.variables (iterations, learning rate, slots).
GROUPS = ("weights", "states", "optimizer")
MAX_MANIFEST_BYTES = 64 * 2**20
# Magic, version and length (10 bytes), then a header padded to 64 bytes; numpy itself
# refuses headers over 10,000 bytes.
NPY_HEADER_BYTES = (10, 10_010)
MAX_RANK = 64

# engine dtype -> the NumPy dtype its arrays are stored in
STORED_DTYPES = {
    "float16": np.dtype("<f2"),
    "bfloat16": np.dtype("<u2"),
    "float32": np.dtype("<f4"),
    "float64": np.dtype("<f8"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
    "uint32": np.dtype("<u4"),
    "bool": np.dtype("|b1"),
}

_MEMBER = re.compile(r"arrays/(0|[1-9][0-9]{0,8})\.npy")


class ModelFileError(EngineError, ValueError):
    """A file is not a model file this engine can load safely; nothing was loaded."""


def member_name(index: int) -> str:
    return f"arrays/{index}.npy"


def is_member_name(name) -> bool:
    """Whether `name` is one of the array member names the writer uses."""
    return isinstance(name, str) and _MEMBER.fullmatch(name) is not None


def stored_nbytes(shape, dtype: str) -> int:
    """The bytes of array data (header excluded) an array of this shape and dtype takes."""
    return math.prod(shape) * STORED_DTYPES[dtype].itemsize


def to_stored(array: np.ndarray, dtype: str) -> np.ndarray:
    """`array` (of engine dtype `dtype`) as the array written to the file."""
    if dtype == "bfloat16":
        # Every bfloat16 is a float32 whose low 16 bits are zero: keep the high half.
        bits = np.asarray(array).astype(np.float32).view(np.uint32) >> 16
        return bits.astype(STORED_DTYPES[dtype])
    return np.asarray(array, dtype=STORED_DTYPES[dtype], order="C")


def from_stored(array: np.ndarray, dtype: str) -> np.ndarray:
    """The stored `array` as a value a Variable of engine dtype `dtype` can take exactly."""
    if dtype == "bfloat16":
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array
