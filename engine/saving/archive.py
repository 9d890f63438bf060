"""The zip container: writing a manifest and its arrays, reading them back with every check.

Reading extracts nothing to disk and unpickles nothing. Member names are checked before the
manifest is read, and each array member's uncompressed size is checked against what its
manifest entry implies before a byte of it is decompressed (a zip bomb is refused unread);
the reader checks those entries against the model's variables before asking for an array.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import zipfile
import zlib

import numpy as np

from engine.saving.format import (
    MANIFEST,
    MAX_MANIFEST_BYTES,
    NPY_HEADER_BYTES,
    STORED_DTYPES,
    ModelFileError,
    from_stored,
    stored_nbytes,
)
from engine.saving.manifest import check_manifest

# A fixed timestamp makes saving the same model twice give the same bytes.
_DATE = (1980, 1, 1, 0, 0, 0)
# What zipfile and zlib raise on a damaged archive.
_ZIP_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
    NotImplementedError, RuntimeError, ValueError,
)


def write_archive(file, manifest: dict, arrays: list[np.ndarray]) -> None:
    """Write the manifest (deflated) and each array (stored, NPY 1.0) to the open `file`."""
    text = json.dumps(manifest, indent=1)
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr(_info(MANIFEST, zipfile.ZIP_DEFLATED), text)
        for entry, array in zip(manifest["arrays"], arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, version=(1, 0), allow_pickle=False)
            archive.writestr(_info(entry["member"], zipfile.ZIP_STORED), buffer.getvalue())


def _info(name, compression):
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = compression
    return info


@contextlib.contextmanager
def open_archive(path):
    """The model file at `path` as an ArchiveReader; its manifest and member names are checked."""
    with open(path, "rb") as file:
        try:
            archive = zipfile.ZipFile(file)
        except _ZIP_ERRORS as error:
            raise ModelFileError(
                f"it is not a zip archive, or its end is cut off ({_describe(error)}). A model "
                "file is written by model.save(path); use an intact copy of one."
            ) from error
        with archive:
            yield ArchiveReader(archive)


class ArchiveReader:
    """An open model file: its checked manifest, and its arrays, each read only when asked."""

    def __init__(self, archive):
        self._archive = archive
        with _reporting_damage():
            self.manifest = check_manifest(_read_manifest(archive))
            _check_members(archive, self.manifest["arrays"])

    def read_array(self, entry) -> np.ndarray:
        """The array of a manifest entry, as its variable takes it, after every check."""
        with _reporting_damage():
            return _read_array(self._archive, entry)


@contextlib.contextmanager
def _reporting_damage():
    try:
        yield
    except ModelFileError:
        raise
    except _ZIP_ERRORS as error:
        raise ModelFileError(
            f"it is damaged ({_describe(error)}). Use an intact copy, or save the model again."
        ) from error


def _describe(error) -> str:
    return str(error) or type(error).__name__


def _read_manifest(archive) -> dict:
    names = [info.filename for info in archive.infolist()]
    for name in names:
        if _unsafe(name):
            raise ModelFileError(
                f"it holds a member named {name!r:.120}, an absolute or parent-relative path; "
                "a model file never has one, so it was not read."
            )
    duplicates = sorted(name for name, count in collections.Counter(names).items() if count > 1)
    if duplicates:
        raise ModelFileError(f"it holds more than one member named {duplicates[0]!r:.120}.")
    if MANIFEST not in names:
        raise ModelFileError(f"it is a zip archive without {MANIFEST}, so not a model file.")
    size = archive.getinfo(MANIFEST).file_size
    if size > MAX_MANIFEST_BYTES:
        raise ModelFileError(
            f"its {MANIFEST} declares {size} bytes, over the {MAX_MANIFEST_BYTES} a model "
            "file's manifest may have; it was not read."
        )
    try:
        return json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ModelFileError(f"its {MANIFEST} is not valid JSON ({error}).") from error


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or ":" in name or "\0" in name


def _check_members(archive, entries) -> None:
    """The archive holds exactly the manifest and the members its entries name."""
    listed = {entry["member"] for entry in entries}
    present = set(archive.namelist()) - {MANIFEST}
    if listed - present:
        raise ModelFileError(
            f"its manifest lists {sorted(listed - present)[0]!r}, which the archive does not "
            "hold: the file is incomplete."
        )
    if present - listed:
        raise ModelFileError(
            f"it holds the member {sorted(present - listed)[0]!r:.120}, which its manifest does "
            "not list; a model file holds nothing else."
        )


def _read_array(archive, entry) -> np.ndarray:
    name, shape, dtype = entry["member"], tuple(entry["shape"]), entry["dtype"]
    stored = STORED_DTYPES[dtype]
    nbytes = stored_nbytes(shape, dtype)
    size = archive.getinfo(name).file_size
    lowest, highest = nbytes + NPY_HEADER_BYTES[0], nbytes + NPY_HEADER_BYTES[1]
    if not lowest <= size <= highest:
        raise ModelFileError(
            f"member {name!r} ({entry['name']!r}) declares {size} bytes uncompressed, but an "
            f"array of shape {shape} and dtype {dtype} takes {lowest} to {highest} bytes with "
            "its header. It was not read: the file is damaged or was not written by this engine."
        )
    data = archive.read(name)
    buffer = io.BytesIO(data)
    header = _read_header(buffer, name)
    if header[2].hasobject:
        raise ModelFileError(
            f"member {name!r} holds Python objects (a pickled array); model files hold plain "
            "numbers only, and pickled data is never loaded."
        )
    if header != (shape, False, stored):
        raise ModelFileError(
            f"member {name!r} holds an array of shape {header[0]} and dtype {header[2].str!r}"
            f"{' in Fortran order' if header[1] else ''}, but its manifest entry "
            f"({entry['name']!r}) says shape {shape} and dtype {dtype} (stored as {stored.str!r})."
        )
    if len(data) - buffer.tell() != nbytes:
        raise ModelFileError(
            f"member {name!r} holds {len(data) - buffer.tell()} bytes of data, but its shape "
            f"{shape} and dtype {dtype} need {nbytes}."
        )
    buffer.seek(0)
    return from_stored(np.lib.format.read_array(buffer, allow_pickle=False), dtype)


def _read_header(buffer, name):
    """(shape, fortran_order, dtype) from an NPY 1.0 header."""
    try:
        version = np.lib.format.read_magic(buffer)
        if version != (1, 0):
            raise ValueError(f"NPY version {version[0]}.{version[1]}; model files use 1.0")
        return np.lib.format.read_array_header_1_0(buffer)
    except ValueError as error:
        raise ModelFileError(f"member {name!r} is not a valid .npy array ({error}).") from error
