"""The neutral op namespace: what layers, losses and optimizers call.

Each op of the backend contract (engine/backend/contract.py) is here under the same name and
runs on the active backend; Variables passed in are read first. A few ops composed from the
contract (variance, moments, normalisation) live here too, written once for every backend.
"""

from __future__ import annotations

import functools as _functools
import inspect as _inspect
import sys as _sys

from engine.backend import active
from engine.backend.contract import Backend
from engine.keras_namespaces import missing_attribute, op_groups
from engine.symbolic import SymbolicTensor, is_symbolic
from engine.variables import Variable

# Contract methods whose arguments hold callables or structures rather than arrays.
_PASS_THROUGH = {"value_and_grad", "jit"}


def read(value):
    if isinstance(value, Variable):
        return value.value
    if isinstance(value, (list, tuple)) and _holds_variables(value):
        return type(value)(read(v) for v in value)
    return value


# What an op cannot hand the backend as it is: Variables are read first, and symbolic
# tensors make the call a node of a functional graph (engine/layers/op_node.py).
_NOT_ARRAYS = (Variable, SymbolicTensor)


def _holds_variables(values) -> bool:
    """Whether any of `values`, or of the lists and tuples among them, is a Variable or a
    SymbolicTensor (loops, not generators: this runs for every op call)."""
    for value in values:
        if isinstance(value, _NOT_ARRAYS):
            return True
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, _NOT_ARRAYS):
                    return True
    return False


def _record(name, args, kwargs):
    """The call as a node of a functional graph, for a call that holds symbolic tensors."""
    from engine.layers import op_node

    return op_node.record(name, args, kwargs)


def graph_aware(function):
    """An op composed here that, given symbolic tensors, is recorded as one graph node."""

    @_functools.wraps(function)
    def op(*args, **kwargs):
        if (_holds_variables(args) or kwargs and _holds_variables(kwargs.values())) and (
                is_symbolic([args, kwargs])):
            return _record(function.__name__, args, kwargs)
        return function(*args, **kwargs)

    return op


def _make_op(name):
    contract = getattr(Backend, name)

    if name in _PASS_THROUGH:

        def op(*args, **kwargs):
            return getattr(active(), name)(*args, **kwargs)
    else:

        def op(*args, **kwargs):
            # most calls (all of them inside a step) pass no Variable: nothing to read
            if _holds_variables(args):
                if is_symbolic([args, kwargs]):
                    return _record(name, args, kwargs)
                args = [read(a) for a in args]
            if kwargs and _holds_variables(kwargs.values()):
                if is_symbolic([args, kwargs]):
                    return _record(name, args, kwargs)
                kwargs = {k: read(v) for k, v in kwargs.items()}
            return getattr(active(), name)(*args, **kwargs)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = contract.__doc__
    op.__signature__ = _inspect.signature(contract).replace(
        parameters=list(_inspect.signature(contract).parameters.values())[1:]
    )
    return op


_CONTRACT_OPS = [
    name for name, member in vars(Backend).items() if callable(member) and not name.startswith("_")
]
for _name in _CONTRACT_OPS:
    globals()[_name] = _make_op(_name)


@graph_aware
def var(x, axis=None, keepdims=False):
    """Population variance (divides by N), as Keras computes it."""
    return moments(x, axis, keepdims)[1]


@graph_aware
def moments(x, axis, keepdims=False):
    """(mean, variance) over `axis`; the mean is taken once and serves both."""
    b, x = active(), read(x)
    mean = b.mean(x, axis=axis, keepdims=True)
    variance = b.mean(b.square(b.subtract(x, mean)), axis=axis, keepdims=keepdims)
    return (mean if keepdims else b.reshape(mean, b.shape(variance))), variance


@graph_aware
def normalize_by_moments(x, mean, variance, epsilon, scale=None, offset=None):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, as batch and layer norm use."""
    b = active()
    x, mean, variance, scale, offset = (read(v) for v in (x, mean, variance, scale, offset))
    inverse = b.divide(1.0, b.sqrt(b.add(variance, epsilon)))
    if scale is not None:
        inverse = b.multiply(inverse, scale)
    out = b.multiply(b.subtract(x, mean), inverse)
    return b.add(out, offset) if offset is not None else out


@graph_aware
def true_divide(x1, x2):
    """x1 / x2: Keras's name for divide, and the op of Python's `/` on symbolic tensors."""
    return active().divide(read(x1), read(x2))


@graph_aware
def floor_divide(x1, x2):
    """floor(x1 / x2), as Keras's floor_divide and Python's `//` (on floats)."""
    b = active()
    return b.floor(b.divide(read(x1), read(x2)))


@graph_aware
def mod(x1, x2):
    """x1 - floor(x1 / x2) * x2: the remainder with the sign of x2, as Keras's mod and `%`."""
    b = active()
    x1, x2 = read(x1), read(x2)
    return b.subtract(x1, b.multiply(b.floor(b.divide(x1, x2)), x2))


# Keras's names for the contract ops that the contract names otherwise
_KERAS_ALIASES = {
    "convert_to_tensor": "convert", "convert_to_numpy": "to_numpy", "average_pool": "avg_pool",
}
for _alias, _name in _KERAS_ALIASES.items():
    globals()[_alias] = globals()[_name]

from engine.composed_ops import COMPOSED as _COMPOSED  # noqa: E402 (they compose the above)

globals().update(_COMPOSED)

__all__ = [
    *_CONTRACT_OPS, "var", "moments", "normalize_by_moments", "true_divide", "floor_divide", "mod",
    *_KERAS_ALIASES, *_COMPOSED,
]

globals().update(op_groups(_sys.modules[__name__]))  # nn, numpy, linalg, image, core
__getattr__ = missing_attribute(__name__)
