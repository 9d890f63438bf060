"""Variables: named, backend-owned arrays that layers, optimizers and metrics keep between steps.

A Variable holds one array of its backend, with Keras 3's constructor and methods. Inside a
`StateScope` (how a compiled training step runs a model or a metric as a pure function of its
state: the engine's StatelessScope) reading `.value` gives the scope's array and `assign`
records the new value in the scope instead of changing the variable. Every live variable is
known to the engine, so switching backend can move them all.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import threading
import weakref

import numpy as np

from engine import backend as backends
from engine import initializers, naming

_live = weakref.WeakSet()

# Held while a training step writes its results into Variables (and, where the step updates
# arrays in place, while it runs): a block that reads many Variables from another thread
# holds it too, and so sees one step's complete state (`one_step_state`).
STATE_LOCK = threading.RLock()

AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")
SYNCHRONIZATIONS = ("none", "on_read", "on_write", "auto")


class _ThreadScopes(threading.local):
    """Each thread's stack of state scopes (a fresh, empty one in a new thread)."""

    def __init__(self):
        self.scopes = []
        self.autocast = None  # the float dtype variables are read as in a mixed layer's call


_local = _ThreadScopes()


def live_variables() -> list[Variable]:
    """Every Variable that is still referenced somewhere."""
    return list(_live)


class Variable:
    """An array on one backend, with Keras 3's constructor: `Variable(initializer, shape=None,
    dtype=None, trainable=True, autocast=True, aggregation="none", synchronization="auto",
    name=None)`. `initializer` is the initial value (an array or a number), or an initializer
    (a name, an Initializer, a function (shape, dtype) -> array) drawn for `shape`.

    Arithmetic, ordering comparisons and indexing (`x @ v + b`, `-v`, `v < 0`, `v[0]`)
    compute with its value, as Keras's variables do. `==` and hashing stay by identity:
    Variables are the keys of every state mapping. `name` is the full path the engine gives
    it (a layer's weight is "dense/kernel"), which `path` also gives. With `autocast` (as
    Keras), a float variable read inside an `autocasting` block (a mixed precision layer's
    call) gives its value cast to that block's dtype; `backend` picks one other than the
    active backend.
    """

    # NumPy must hand `ndarray + Variable` to Variable.__radd__ (a backend array, read from the
    # active state scope), not make an object array or a NumPy array of the stored value.
    __array_ufunc__ = None
    # A layer's add_weight sets these (Keras's attributes): a penalty that joins the layer's
    # losses, and a projection applied after each optimizer update.
    regularizer = None
    constraint = None

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, *, backend=None):
        name = _checked_name(name, type(self))
        aggregation = _checked_choice("aggregation", aggregation, AGGREGATIONS, name)
        synchronization = _checked_choice(
            "synchronization", synchronization, SYNCHRONIZATIONS, name)
        dtype = None if dtype is None else standardize_dtype(dtype)
        array = _initial_array(initializer, shape, dtype, name)
        self.backend = backends.get_backend(backend) if backend else backends.active()
        self._value = self.backend.convert(array, dtype or _default_dtype(array))
        self.name = name
        self._trainable = bool(trainable)
        self._autocast = bool(autocast)
        self.aggregation = aggregation
        self.synchronization = synchronization
        _live.add(self)

    # TensorFlow's nest sees a Variable as its value: tf.GradientTape.gradient(loss,
    # self.trainable_variables) in a train_step written for TensorFlow then differentiates with
    # respect to the values the step computed with, and gives back those gradients.
    def __tf_flatten__(self):
        return None, (self.value,)

    @classmethod
    def __tf_unflatten__(cls, metadata, components):
        return components[0]

    @property
    def value(self):
        """The array: the active state scope's, if it holds this variable, else the stored one;
        inside an `autocasting` block, cast to its dtype (a float variable with autocast)."""
        scope = _current_scope()
        value = scope.values[self] if scope is not None and self in scope.values else self._value
        if _local.autocast is not None and self._autocast:
            return _autocast(self.backend, value, _local.autocast)
        return value

    def assign(self, value):
        """Replace the value (in the active StateScope, if it holds this variable); returns
        the new value, cast to the variable's dtype. Its shape must be the variable's."""
        value = self._checked(value)
        scope = _current_scope()
        if scope is not None and self in scope.values:
            scope.values[self] = value
            scope.assigned.add(self)
        else:
            self._value = value
        return value

    def assign_add(self, value):
        """`assign(self + value)`; returns the new value."""
        return self.assign(self + value)

    def assign_sub(self, value):
        """`assign(self - value)`; returns the new value."""
        return self.assign(self - value)

    def _checked(self, value):
        value = self.backend.convert(_value_of(value), self.dtype)
        shape = self.backend.shape(value)
        if len(shape) != len(self.shape) or any(
            size is not None and size != own for size, own in zip(shape, self.shape)
        ):
            raise ValueError(
                f"Cannot assign a value of shape {shape} to variable {self.name!r} of shape "
                f"{self.shape}: the shape of a variable is fixed; assign an array of shape "
                f"{self.shape}."
            )
        return value

    @property
    def shape(self) -> tuple:
        return self.backend.shape(self._value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> str:
        return self.backend.dtype(self._value)

    @property
    def path(self) -> str:
        """Where the variable sits in its model ("dense/kernel"): the engine's `name`."""
        return self.name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        from engine.layers import tracking  # which weights train is cached by the layers

        self._trainable = bool(value)
        tracking.changed()

    def numpy(self) -> np.ndarray:
        """A NumPy copy of the value (the active state scope's, as `value`)."""
        return self.backend.to_numpy(self.value)

    def __array__(self, dtype=None, copy=None):
        """The value as NumPy, outside a step. Inside one (a state scope holding the
        variable) the value is the framework's, never a NumPy constant: a framework's operator
        then defers to the Variable's own (`tf_tensor * v`), which keeps the gradient."""
        scope = _current_scope()
        if scope is not None and self in scope.values:
            raise TypeError(
                f"Variable {self.name!r} is read inside a step, where its value is an array of "
                "the backend: compute with it (v.value, or engine.ops), not with NumPy."
            )
        return np.asarray(self.backend.to_numpy(self._value), dtype=dtype)

    def __bool__(self):
        raise TypeError(
            f"Variable {self.name!r} cannot be used as a boolean, as in Keras: compare its "
            "value explicitly (ops.all(v > 0)) or read it with v.numpy()."
        )

    def __int__(self):
        return int(self._scalar())

    def __float__(self):
        return float(self._scalar())

    def _scalar(self):
        if self.ndim:
            raise TypeError(
                f"Only scalar variables can be converted to Python numbers; {self.name!r} has "
                f"shape {self.shape}. Index it first (v[0]) or use v.numpy()."
            )
        return self.numpy()

    def __repr__(self):
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
            f"backend={self.backend.name}, value={self.backend.to_numpy(self._value)}>"
        )


def _value_of(x):
    return x.value if isinstance(x, Variable) else x


# Operators that are ops of the backends' contract run as the variable's backend runs them
# (the dtype rules of every engine op); the rest, and operands of other kinds (a symbolic
# tensor answers with its own operator), use Python's operator on the value.
_BACKEND_OPERATORS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide", "pow": "power",
    "matmul": "matmul", "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
    "and": "logical_and", "or": "logical_or",  # logical, as Keras's `&` and `|` are
}
_PYTHON_OPERATORS = {"and": operator.and_, "or": operator.or_}
_NUMBERS = (int, float, bool, np.ndarray, np.generic)


def _binary(name, reflected=False):
    backend_operator = _BACKEND_OPERATORS.get(name)
    python_operator = _PYTHON_OPERATORS.get(name) or getattr(operator, name)

    def method(self, other):
        other = _value_of(other)
        operands = (other, self.value) if reflected else (self.value, other)
        if backend_operator and (isinstance(other, _NUMBERS) or self.backend.is_array(other)):
            return getattr(self.backend, backend_operator)(*operands)
        return python_operator(*operands)

    return method


def _unary(function):
    def method(self, *args):
        return function(self.value, *args)

    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
              "and", "or", "xor"):
    setattr(Variable, f"__{_name}__", _binary(_name))
    setattr(Variable, f"__r{_name}__", _binary(_name, reflected=True))
for _name in ("lt", "le", "gt", "ge"):
    setattr(Variable, f"__{_name}__", _binary(_name))
for _name in ("neg", "abs", "invert", "getitem"):
    setattr(Variable, f"__{_name}__", _unary(getattr(operator, _name)))
Variable.__pos__ = _unary(lambda value: value)  # TensorFlow's tensors have no unary +


def standardize_dtype(dtype) -> str:
    """A dtype name of the backends' contract from a name, a NumPy or framework dtype, or a
    Python type (float is float32 and int is int32, as in Keras)."""
    name = {float: "float32", int: "int32", bool: "bool"}.get(dtype)
    if name is None:
        name = str(getattr(dtype, "name", dtype)).rsplit(".", 1)[-1]
    if name not in backends.DTYPES:
        raise ValueError(
            f"Unknown dtype {dtype!r}: a variable's dtype is one of {', '.join(backends.DTYPES)}."
        )
    return name


def _default_dtype(array: np.ndarray) -> str:
    """A value's own dtype, with 64-bit floats and ints as 32-bit ones, as Keras (on JAX)
    stores them."""
    return {"float64": "float32", "int64": "int32"}.get(array.dtype.name, array.dtype.name)


def _initial_array(initializer, shape, dtype, name) -> np.ndarray:
    """The initial value as a NumPy array: the given value, or the initializer's draw."""
    if isinstance(initializer, str) or callable(initializer):
        if shape is None:
            raise ValueError(
                f"Variable {name!r}: an initializer ({initializer!r}) needs shape=, the shape "
                "to draw: Variable(initializer, shape=(3, 4))."
            )
        shape = tuple(shape)
        # reshaped: the initializers' arrays are at least 1-d, where a variable may be 0-d
        return initializers.initialize(initializer, shape, dtype or "float32").reshape(shape)
    array = initializer.numpy() if isinstance(initializer, Variable) else np.asarray(initializer)
    if shape is not None and tuple(shape) != array.shape:
        raise ValueError(
            f"Variable {name!r}: shape={tuple(shape)} does not match the initial value's shape "
            f"{array.shape}. Leave shape out, or pass a value of that shape."
        )
    return array


def _checked_name(name, variable_class) -> str:
    """`name`, or Keras's default for an unnamed variable: variable, variable_1, ..."""
    if name is None:
        return naming.unique_name(naming.snake_case(variable_class.__name__))
    if not isinstance(name, str) or not name:
        raise ValueError(f"A variable's name must be a non-empty string, got {name!r}.")
    return name


def _checked_choice(argument, value, choices, name) -> str:
    value = "none" if value is None else value
    if value not in choices:
        raise ValueError(
            f"Variable {name!r}: invalid {argument}={value!r}; choose one of "
            f"{', '.join(map(repr, (None, *choices)))}."
        )
    return value


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


@contextlib.contextmanager
def autocasting(dtype):
    """Read float variables (those made with autocast=True) as `dtype` in the block; None
    reads them as they are. What the block assigns is stored in each variable's own dtype."""
    previous, _local.autocast = _local.autocast, dtype
    try:
        yield
    finally:
        _local.autocast = previous


def autocast_dtype():
    """The dtype of the enclosing `autocasting` block (None: none, or one that casts nothing)."""
    return _local.autocast


_FLOATS = frozenset({"float16", "bfloat16", "float32", "float64"})


def _autocast(backend, value, dtype):
    own = backend.dtype(value)
    return backend.cast(value, dtype) if own != dtype and own in _FLOATS else value


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
