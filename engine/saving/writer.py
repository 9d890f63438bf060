"""save_model: a model, its compile config and optimizer state in one file, written atomically."""

from __future__ import annotations

import contextlib
import os
import re
import uuid

from engine.saving.archive import write_archive
from engine.saving.format import member_name, to_stored
from engine.saving.manifest import make_manifest
from engine.saving.state import variable_groups
from engine.variables import one_step_state

_TEMPORARY = ".tmp"
# A temporary of write_atomically: ".<name>.<pid>.<32 hex digits>.tmp"
_TEMPORARY_NAME = re.compile(r"\..+\.(\d+)\.[0-9a-f]{32}\.tmp")


def save_model(model, path, overwrite=True) -> None:
    """Write `model` to `path`: a `.keras` path gets Keras 3's own file (Keras opens it),
    any other the engine's model file (docs/model-file.md; ".wbm" by convention), which also
    keeps op nodes and inspection-ready graphs.

    The file is complete or absent: it is written beside `path` and renamed over it only once
    flushed to disk, so a crash mid-save leaves any earlier file at `path` as it was.
    """
    from engine import __version__  # here: engine's __init__ imports this package
    from engine.models.tracing import functional_view
    from engine.saving.keras_model_file import SUFFIX, save_keras

    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{os.fspath(path)!r} exists; pass overwrite=True to replace it.")
    if os.fspath(path).endswith(SUFFIX):
        save_keras(model, path)
        return
    compile_config = model.get_compile_config()
    graph = functional_view(model)  # a subclassed model is written as its call's graph
    spec = graph.to_spec()
    with one_step_state():  # fit may run in another thread: one step's weights and slots
        groups = variable_groups(model, compile_config is not None, graph)
        variables = [(group, v) for group, members in groups.items() for v in members]
        arrays = [to_stored(variable.numpy(), variable.dtype) for _, variable in variables]
    entries = [
        {
            "name": variable.name, "group": group, "shape": list(variable.shape),
            "dtype": variable.dtype, "member": member_name(index),
        }
        for index, (group, variable) in enumerate(variables)
    ]
    manifest = make_manifest(spec, compile_config, entries, __version__)
    write_atomically(path, lambda file: write_archive(file, manifest, arrays))


def write_atomically(path, write) -> None:
    """Call `write(file)` on a new file beside `path`, sync it, then rename it over `path`."""
    path = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Cannot save to {path!r}: the folder {directory!r} does not exist. Create it first."
        )
    _remove_stray_temporaries(directory)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.{uuid.uuid4().hex}{_TEMPORARY}")
    # os.open with 0o666 lets the umask set the permissions, as for any new file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    _sync_directory(directory)


def _remove_stray_temporaries(directory) -> None:
    """Delete the temporaries that saves killed mid-write left in `directory` (a process
    killed with SIGKILL cannot clean up): those whose writing process no longer runs."""
    for entry in os.scandir(directory):
        match = _TEMPORARY_NAME.fullmatch(entry.name)
        if match and not _running(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or a platform that cannot tell: leave it
    return True


def _sync_directory(directory) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
