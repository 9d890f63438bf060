"""Keras's get_file, on the local cache only: the engine downloads nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.parse
import urllib.request
import zipfile


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The path of `fname` in Keras's cache (`cache_dir`, default $KERAS_HOME or ~/.keras,
    then `cache_subdir`), as Keras's get_file returns it, checked against `file_hash` and
    extracted (with `extract`) as Keras does. A file already there needs no network; one
    that is not is copied from a file:// `origin`, and for any other origin the error says
    where to put the file."""
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    home = cache_dir or os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    folder = os.path.join(os.path.expanduser(home), cache_subdir)
    given = fname
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin or "").path)
        if not fname:
            raise ValueError(f"get_file: can't parse the file name from the origin provided: "
                             f"{origin!r}. Please specify the `fname` argument.")
    elif os.sep in str(fname):
        raise ValueError("get_file: paths are no longer accepted as the `fname` argument. "
                         f"To choose the folder, use `cache_dir`. Received: fname={fname}")
    fname = str(fname)
    target, extracted = os.path.join(folder, fname), None
    if extract or untar:
        if given and "." in fname:
            extracted = os.path.join(folder, f"{fname[:fname.find('.')]}_extracted")
        else:
            target, extracted = os.path.join(folder, f"{fname}_archive"), target
    if force_download or not os.path.exists(target):
        _copy_local(origin, target)
    if file_hash is not None and not _hash_matches(target, file_hash, hash_algorithm):
        raise ValueError(f"get_file: incomplete or corrupted file {target}: its "
                         f"{hash_algorithm} hash does not match {file_hash}.")
    if extracted is None:
        return target
    _extract(target, extracted, "tar" if untar else archive_format)
    return extracted


def _copy_local(origin, target):
    scheme = urllib.parse.urlsplit(origin or "").scheme
    if scheme != "file":
        raise ValueError(
            f"get_file: {target} is not in the cache and the engine downloads nothing (a file "
            f"already in the cache needs no network). Put the file there, or pass a file:// "
            f"origin. Received: origin={origin!r}."
        )
    source = urllib.request.url2pathname(urllib.parse.urlsplit(origin).path)
    if not os.path.isfile(source):
        raise ValueError(f"get_file: the origin {origin!r} names no file.")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(source, target)


def _hash_matches(path, expected, algorithm):
    if algorithm == "auto":
        algorithm = "sha256" if len(expected) == 64 else "md5"
    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(65535), b""):
            digest.update(chunk)
    return digest.hexdigest() == str(expected)


def _extract(archive, folder, archive_format):
    """Extract a tar or zip archive into `folder` (Keras's formats: "auto", "tar", "zip",
    or a list of them), refusing members that would land outside it."""
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats)
    if "tar" in formats and tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
    elif "zip" in formats and zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            root = os.path.realpath(folder)
            for name in zipped.namelist():
                if not os.path.realpath(os.path.join(folder, name)).startswith(root):
                    raise ValueError(f"get_file: the archive {archive} holds {name!r}, outside "
                                     "its folder; it is not extracted.")
            zipped.extractall(folder)
    else:
        raise ValueError(f"get_file: {archive} is not a {' or '.join(formats)} archive.")
