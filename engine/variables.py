"""Variables: named, backend-owned arrays that layers and optimizers keep between steps.

A Variable holds one array of its backend. Inside a `StateScope` (how a compiled training
step runs a model as a pure function of its state) reading `.value` gives the scope's array
and `assign` records the new value in the scope instead of changing the variable. Every live
variable is known to the engine, so switching backend can move them all.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import threading
import weakref

import numpy as np

from engine import backend as backends

_live = weakref.WeakSet()

# Held while a training step writes its results into Variables (and, where the step updates
# arrays in place, while it runs): a block that reads many Variables from another thread
# holds it too, and so sees one step's complete state (`one_step_state`).
STATE_LOCK = threading.RLock()


class _ThreadScopes(threading.local):
    """Each thread's stack of state scopes (a fresh, empty one in a new thread)."""

    def __init__(self):
        self.scopes = []


_local = _ThreadScopes()


def live_variables() -> list[Variable]:
    """Every Variable that is still referenced somewhere."""
    return list(_live)


class Variable:
    """A named array on one backend; `trainable` ones receive gradients. Arithmetic on it
    (`x @ v + b`, `-v`, `v[0]`) computes with its value, as Keras's variables do."""

    # NumPy must hand `ndarray + Variable` to Variable.__radd__, not make an object array.
    # No __array__: frameworks would turn a Variable into a constant of its stored value,
    # where a step must read the value of its state scope (`.numpy()` gives the array).
    __array_ufunc__ = None

    def __init__(self, value, *, name: str, trainable: bool = True, dtype=None, backend=None):
        self.backend = backends.get_backend(backend) if backend else backends.active()
        array = np.asarray(value)
        self._value = self.backend.convert(array, dtype or _default_dtype(array))
        self.name = name
        self.trainable = trainable
        _live.add(self)

    @property
    def value(self):
        scope = _current_scope()
        if scope is not None and self in scope.values:
            return scope.values[self]
        return self._value

    def assign(self, value):
        """Replace the value (in the active StateScope, if there is one)."""
        scope = _current_scope()
        if scope is not None and self in scope.values:
            scope.values[self] = value
            scope.assigned.add(self)
            return
        value = self.backend.convert(value, self.dtype)
        if self.backend.shape(value) != self.shape:
            raise ValueError(
                f"Cannot assign a value of shape {self.backend.shape(value)} to variable "
                f"{self.name!r} of shape {self.shape}."
            )
        self._value = value

    @property
    def shape(self) -> tuple:
        return self.backend.shape(self._value)

    @property
    def dtype(self) -> str:
        return self.backend.dtype(self._value)

    def numpy(self) -> np.ndarray:
        return self.backend.to_numpy(self._value)

    def __repr__(self):
        return (
            f"<Variable {self.name!r} shape={self.shape} dtype={self.dtype} "
            f"backend={self.backend.name!r}>"
        )


def _value_of(x):
    return x.value if isinstance(x, Variable) else x


def _binary(function, reflected=False):
    """The operator on the values, with the full dispatch of Python's `operator` module."""

    def method(self, other):
        if reflected:
            return function(_value_of(other), self.value)
        return function(self.value, _value_of(other))

    return method


def _unary(function):
    def method(self, *args):
        return function(self.value, *args)

    return method


# Comparisons stay out: Variables hash and compare by identity (they are dict keys).
for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    setattr(Variable, f"__{_name}__", _binary(getattr(operator, _name)))
    setattr(Variable, f"__r{_name}__", _binary(getattr(operator, _name), reflected=True))
Variable.__neg__ = _unary(operator.neg)
Variable.__pos__ = _unary(operator.pos)
Variable.__abs__ = _unary(operator.abs)
Variable.__getitem__ = _unary(operator.getitem)


def _default_dtype(array: np.ndarray) -> str:
    if array.dtype.kind == "f":
        return "float32" if array.dtype == np.float64 else str(array.dtype)
    return str(array.dtype)


class StateScope:
    """Variable -> array overrides for the duration of a pure call; collects assignments."""

    def __init__(self, values: dict):
        self.values = dict(values)
        self.assigned: set = set()


def _current_scope():
    stack = _local.scopes
    return stack[-1] if stack else None


@contextlib.contextmanager
def state_scope(values: dict):
    """Read `values[v]` for each Variable v in the block; assignments stay in the scope."""
    stack = _local.scopes
    scope = StateScope(values)
    stack.append(scope)
    try:
        yield scope
    finally:
        stack.pop()


def one_step_state():
    """A block in which no training step commits (fit may run in another thread, as the
    dashboard's does): Variables read in it all hold the same step's state."""
    return STATE_LOCK


def holding_one_step_state(function):
    """Run `function` in `one_step_state()`."""

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with STATE_LOCK:
            return function(*args, **kwargs)

    return wrapped


def read_values(variables) -> list:
    """The arrays of a list of variables, for a step (outside any StateScope)."""
    return [variable._value for variable in variables]


def write_values(variables, values) -> None:
    """Give each variable its new array from a step (same backend, shape and dtype; unchecked)."""
    for variable, value in zip(variables, values):
        variable._value = value
