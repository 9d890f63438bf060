"""Keras 3's HDF5 weights layout, written and read against a model's own variables.

Writing puts each group's arrays at `<path>/0`, `<path>/1`, ... Reading walks the groups the
model expects (keras_layout.py), and checks every dataset before a byte of it is read: a hard
link to a dataset stored in the file (no external or virtual data), of a number dtype and of
exactly the shape of the variable it is for. So a file can only be as large in memory as the
model it fits, and one that does not fit is refused (or, with skip_mismatch, skipped per
group) before anything is assigned.
"""

from __future__ import annotations

import io

import numpy as np

from engine.export.errors import KerasFileError


def h5py_module():
    try:
        import h5py
    except ImportError as error:
        raise ImportError("Keras weights are HDF5: pip install h5py (or "
                          "'model-workbench[keras]').") from error
    return h5py


def h5_bytes(groups) -> bytes:
    """An HDF5 file of (path, arrays) groups, with Keras's empty root groups, as bytes."""
    buffer = io.BytesIO()
    with h5py_module().File(buffer, "w") as file:
        _write_groups(file, groups)
    return buffer.getvalue()


def _write_groups(file, groups) -> None:
    file.require_group("layers")
    file.require_group("vars")
    for path, arrays in groups:
        group = file.require_group(path)
        for index, array in enumerate(arrays):
            group.create_dataset(str(index), data=array)


def read_groups(file, groups, skip_mismatch=False) -> list[tuple]:
    """(variable, array) pairs for (path, variables) groups from the open h5py File.

    A group that is missing or does not fit raises KerasFileError saying why, or is left out
    with `skip_mismatch`. Nothing is assigned here.
    """
    pairs = []
    for path, variables in groups:
        problem = _mismatch(file, path, variables)
        if problem is None:
            holder = _group(file, path)
            pairs += [(v, np.asarray(holder[str(i)][()])) for i, v in enumerate(variables)]
        elif not skip_mismatch:
            raise KerasFileError(problem)
    return pairs


def _mismatch(file, path, variables) -> str | None:
    """Why the group at `path` cannot give these variables their values, or None."""
    h5py = h5py_module()
    holder = _group(file, path)
    expected = [tuple(v.shape) for v in variables]
    if holder is None:
        return f"It has no weights at {path!r}, where the model keeps {len(expected)} arrays."
    if len(holder) != len(expected):
        return (f"It holds {len(holder)} arrays at {path!r}, where the model keeps "
                f"{len(expected)} of shapes {expected}.")
    for index, shape in enumerate(expected):
        where = f"{path}/{index}"
        link = holder.get(str(index), getlink=True)
        if not isinstance(link, h5py.HardLink):
            return f"Its weight {where} is missing or a link; weights must be stored in the file."
        dataset = holder[str(index)]
        if (not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "fiub"
                or dataset.external or dataset.is_virtual):
            return f"Its weight {where} is not an array of numbers stored in the file."
        if tuple(dataset.shape) != shape:
            return (f"Its weight {where} has shape {tuple(dataset.shape)}, where the model's "
                    f"{variables[index].name!r} has shape {shape}.")
    return None


def _group(parent, path):
    """The subgroup at `path` (through hard links only), or None."""
    h5py = h5py_module()
    node = parent
    for part in path.split("/"):
        link = node.get(part, getlink=True)
        if not isinstance(link, h5py.HardLink):
            return None
        node = node[part]
        if not isinstance(node, h5py.Group):
            return None
    return node
