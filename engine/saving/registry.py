"""Custom objects: the user's own layers and functions, known to configs and model files by name.

    @engine.saving.register_keras_serializable(package="MyLayers")
    class Scale(engine.layers.Layer): ...

A config or model file names a custom class or function ("MyLayers>Scale"); rebuilding looks
the name up here, in the objects passed as `custom_objects=`, or in an active
`custom_object_scope`, as Keras 3 does. These are objects the user's own code defined in this
process: nothing named in a file is ever imported, so a name found nowhere is an error.
"""

from __future__ import annotations

import contextlib
import threading

from engine.errors import EngineError

_REGISTERED: dict[str, object] = {}  # registered name -> object
_NAME_OF: dict[object, str] = {}  # object -> registered name
_scopes = threading.local()


class CustomObjectError(EngineError, ValueError):
    """A config names a class or function that is neither the engine's nor the user's."""


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """A decorator registering a class or function as "package>name" (name: its __name__)."""
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: `package` must be a string without '>', "
                         f"got {package!r}.")

    def register(obj):
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise TypeError(f"Cannot register {obj.__name__}: a class needs a get_config() "
                            "method to be rebuilt from a config.")
        registered = f"{package}>{name or obj.__name__}"
        previous = _REGISTERED.get(registered)
        if previous is not None:
            _NAME_OF.pop(previous, None)
        _REGISTERED[registered] = obj
        _NAME_OF[obj] = registered
        return obj

    return register


def get_registered_name(obj) -> str:
    """The name a config gives `obj`: its registered name, else its own name."""
    registered = _NAME_OF.get(obj)
    if registered is not None:
        return registered
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None):
    """The object a config's `name` refers to, or None: scopes, then the registry, then
    `custom_objects` and `module_objects` (each keyed by name or registered name)."""
    for objects in (*reversed(_active_scopes()), _REGISTERED, custom_objects or {},
                    module_objects or {}):
        if name in objects:
            return objects[name]
    return None


def get_custom_objects() -> dict:
    """The registry itself (registered name -> object), as Keras's get_custom_objects gives."""
    return _REGISTERED


def find(name: str, custom_objects: dict | None, kind: str):
    """The user's object called `name`, or a CustomObjectError saying how to provide it."""
    found = get_registered_object(name, custom_objects)
    if found is None:
        raise CustomObjectError(
            f"Unknown {kind} {name!r}: it is not the engine's, and no custom object of that name "
            "is known. Pass custom_objects={" + repr(name) + ": ...} or register the class or "
            "function with @engine.saving.register_keras_serializable() before loading."
        )
    return found


def _active_scopes() -> list:
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


@contextlib.contextmanager
def custom_object_scope(custom_objects: dict | None = None, *more: dict):
    """Within the block, configs and files may name these objects (Keras's CustomObjectScope)."""
    objects = dict(custom_objects or {})
    for extra in more:
        objects.update(extra)
    stack = _active_scopes()
    stack.append(objects)
    try:
        yield objects
    finally:
        stack.pop()


CustomObjectScope = custom_object_scope


# ------------------------------------------------------------------------------ safe mode
# A config may carry Python code (a Lambda's function as bytecode). Safe mode, on unless the
# user turns it off, refuses to load such code, as Keras 3's does.
_unsafe_everywhere = False


def enable_unsafe_deserialization() -> None:
    """Let configs and files load Python code they carry (Lambda layers), in this process."""
    global _unsafe_everywhere
    _unsafe_everywhere = True


def in_safe_mode() -> bool:
    """Whether code carried by a config may not be loaded here: the outermost
    safe_mode_scope decides, unless enable_unsafe_deserialization() was called."""
    if _unsafe_everywhere:
        return False
    stack = _safe_mode_stack()
    return stack[0] if stack else True


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool = True):
    """Within the block, loading code from a config is refused unless `safe_mode` is False
    (a scope around this one decides first, as Keras's SafeModeScope)."""
    stack = _safe_mode_stack()
    stack.append(bool(safe_mode))
    try:
        yield
    finally:
        stack.pop()


def _safe_mode_stack() -> list:
    if not hasattr(_scopes, "safe_mode"):
        _scopes.safe_mode = []
    return _scopes.safe_mode
