"""Binary data on the wire: NumPy arrays in events become buffers plus buffer references.

The one place where arrays are encoded (and, for tests and Python clients, decoded). A
reference is {"buffer": i, "dtype": ..., "shape": [...]}; the bytes are little-endian, C order.
"""

from __future__ import annotations

import numpy as np

from workbench import protocol
from workbench.session import Event

DTYPES = ("float32", "float64", "int32", "uint8")


def encode(item: Event) -> tuple[dict, list[bytes]]:
    """(message, buffers) for an event whose fields may hold arrays, at any depth."""
    buffers: list[bytes] = []

    def walk(value):
        if isinstance(value, np.ndarray):
            return _reference(value, buffers)
        if isinstance(value, dict):
            return {key: walk(v) for key, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return protocol.event(item.type, **walk(item.fields)), buffers


def _reference(array: np.ndarray, buffers: list) -> dict:
    if array.dtype.name not in DTYPES:
        raise TypeError(
            f"Arrays sent to the browser are {', '.join(DTYPES)}; got {array.dtype.name}. "
            "Cast it before emitting the event."
        )
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    buffers.append(little.tobytes())
    return {"buffer": len(buffers) - 1, "dtype": array.dtype.name, "shape": list(array.shape)}


def decode(message: dict, buffers) -> dict:
    """The message with every buffer reference replaced by its array."""

    def walk(value):
        if isinstance(value, dict) and set(value) == {"buffer", "dtype", "shape"}:
            data = bytes(buffers[value["buffer"]])
            dtype = np.dtype(value["dtype"]).newbyteorder("<")
            return np.frombuffer(data, dtype=dtype).reshape(value["shape"]).astype(value["dtype"])
        if isinstance(value, dict):
            return {key: walk(v) for key, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(message)
