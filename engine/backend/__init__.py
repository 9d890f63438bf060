"""Backends as runtime objects: loading them, the default one, and the one in use now.

`get_backend(name)` imports a backend on first use (a missing framework raises
MissingBackendError and changes nothing). Code runs against `active()`: the backend a model
entered with `using(...)`, else the session's default (`current()`). Moving live models
between backends is `engine.set_backend`'s job (engine/switching.py), not this module's.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading

from engine.backend.contract import DTYPES, Backend

__all__ = [
    "BACKENDS",
    "DTYPES",
    "Backend",
    "MissingBackendError",
    "active",
    "available_backends",
    "current",
    "get_backend",
    "set_default",
    "using",
]

# name -> (module holding the backend class, framework module it needs, pip extra)
BACKENDS = {
    "numpy": ("engine.backend.numpy", "numpy", ""),
    "jax": ("engine.backend.jax", "jax", "jax"),
    "torch": ("engine.backend.torch", "torch", "torch"),
    "tensorflow": ("engine.backend.tensorflow", "tensorflow", "tensorflow"),
}


class MissingBackendError(ImportError):
    """The framework a backend needs is not installed (or failed to import)."""


_loaded: dict[str, Backend] = {}
_default: list[str] = [os.environ.get("WORKBENCH_BACKEND", "numpy")]


class _ThreadStack(threading.local):
    """Each thread's stack of `using(...)` backends (a fresh, empty one in a new thread)."""

    def __init__(self):
        self.stack = []


_local = _ThreadStack()


def _check_name(name):
    if name not in BACKENDS:
        raise ValueError(f"Unknown backend {name!r}. Choose one of: {', '.join(BACKENDS)}.")


def get_backend(name: str) -> Backend:
    """The backend object called `name`, imported on first use."""
    if isinstance(name, Backend):
        return name
    _check_name(name)
    if name not in _loaded:
        module_name, framework, extra = BACKENDS[name]
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # a broken install raises RuntimeError, OSError, ...
            raise MissingBackendError(_import_failure(name, framework, extra, error)) from error
        _loaded[name] = module.backend
    return _loaded[name]


def _import_failure(name, framework, extra, error) -> str:
    """What to do when `framework` is missing (ImportError) or installed but broken."""
    hint = f'pip install "model-workbench[{extra}]"' if extra else "pip install numpy"
    if isinstance(error, ImportError):
        problem = f"which could not be imported ({error}). Install it with: {hint}."
    else:
        problem = (
            f"which is installed but failed to import ({type(error).__name__}: {error}). "
            f"Reinstall it, with versions that fit each other: {hint} --force-reinstall."
        )
    return (
        f"The {name!r} backend needs {framework}, {problem} The current backend "
        f"({_default[0]!r}) is still in use."
    )


def available_backends() -> list[str]:
    """Names of the backends whose framework imports here."""
    names = []
    for name in BACKENDS:
        try:
            get_backend(name)
        except MissingBackendError:
            continue
        names.append(name)
    return names


def current() -> Backend:
    """The session's default backend: new models are built on it."""
    loaded = _loaded.get(_default[0])  # every op asks: skip get_backend's checks
    return loaded if loaded is not None else get_backend(_default[0])


def set_default(name: str) -> Backend:
    """Make `name` the default for new models (live models are moved by engine.set_backend)."""
    backend = get_backend(name)
    _default[0] = backend.name
    return backend


def active() -> Backend:
    """The backend ops run on now: the innermost `using(...)`, else the default."""
    stack = _local.stack
    return stack[-1] if stack else current()


@contextlib.contextmanager
def using(backend):
    """Run the block's ops on `backend` (a name or a Backend), in this thread only."""
    backend = get_backend(backend)
    stack = _local.stack
    stack.append(backend)
    try:
        yield backend
    finally:
        stack.pop()
