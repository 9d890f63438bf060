"""Moving live variables, and with them models and optimizer state, between backends.

A move is all or nothing: every value is converted on the target backend first, and only
when all conversions succeeded are the variables switched over. Values travel through NumPy,
so a float32 weight arrives bit for bit.
"""

from __future__ import annotations

import weakref

from engine import backend as backends
from engine import dtype_policies
from engine.errors import EngineError
from engine.variables import Variable, live_variables

# Objects told of every move once it is committed, as `variables_moved(variables, target)` in
# the thread that moved them (views showing a model's backend follow it so). Held weakly.
observers: weakref.WeakSet = weakref.WeakSet()


class BackendSwitchError(EngineError, RuntimeError):
    """Moving to another backend failed; every variable is still where it was."""


def move_variables(variables: list[Variable], target) -> None:
    """Put every variable on `target` (a name or Backend), or leave all of them unchanged."""
    target = backends.get_backend(target)
    converted = []
    for variable in variables:
        if variable.backend is target:
            continue
        try:
            value = target.convert(variable.backend.to_numpy(variable._value), variable.dtype)
        except Exception as error:
            raise BackendSwitchError(
                f"Could not move variable {variable.name!r} ({variable.shape}, "
                f"{variable.dtype}) from {variable.backend.name!r} to {target.name!r}: "
                f"{error}. Nothing was moved."
            ) from error
        converted.append((variable, value))
    for variable, value in converted:
        variable._value = value
        variable.backend = target
    if converted:
        moved = [variable for variable, _ in converted]
        for observer in list(observers):
            observer.variables_moved(moved, target)


def set_backend(name: str):
    """Make `name` the default backend and move every live variable onto it.

    A missing framework raises MissingBackendError (naming the pip extra) and changes nothing;
    so does a move to NumPy while a mixed precision layer lives (engine/dtype_policies.py).
    """
    target = backends.get_backend(name)
    dtype_policies.check_move(target.name)
    move_variables(live_variables(), target)
    backends.set_default(target.name)
    return target
