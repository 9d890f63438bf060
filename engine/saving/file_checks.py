"""The one check every model-file reader makes first: the path is a regular file."""

from __future__ import annotations

import os
import stat


def regular_file(path, error_class) -> str:
    """`path` as a string, once it names a regular file (through any links); a device, a
    pipe or a folder (a link to /dev/zero, say) raises `error_class` before a byte is read,
    a missing path FileNotFoundError."""
    path = os.fspath(path)
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise error_class(f"{path!r} is not a regular file (it is a folder, a device or a "
                          "pipe); a model file is a plain file on disk.")
    return path
