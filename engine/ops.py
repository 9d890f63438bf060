"""The neutral op namespace: what layers, losses and optimizers call.

Each op of the backend contract (engine/backend/contract.py) is here under the same name and
runs on the active backend; Variables passed in are read first. A few ops composed from the
contract (variance, moments, normalisation) live here too, written once for every backend.
"""

from __future__ import annotations

import inspect as _inspect
import sys as _sys

from engine.backend import active
from engine.backend.contract import Backend
from engine.keras_namespaces import missing_attribute, op_groups
from engine.variables import Variable

# Contract methods whose arguments hold callables or structures rather than arrays.
_PASS_THROUGH = {"scan", "value_and_grad", "jit"}


def _read(value):
    if isinstance(value, Variable):
        return value.value
    if isinstance(value, (list, tuple)) and _holds_variables(value):
        return type(value)(_read(v) for v in value)
    return value


def _holds_variables(values) -> bool:
    """Whether any of `values`, or of the lists and tuples among them, is a Variable (loops,
    not generators: this runs for every op call)."""
    for value in values:
        if isinstance(value, Variable):
            return True
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Variable):
                    return True
    return False


def _make_op(name):
    contract = getattr(Backend, name)

    if name in _PASS_THROUGH:

        def op(*args, **kwargs):
            return getattr(active(), name)(*args, **kwargs)
    else:

        def op(*args, **kwargs):
            # most calls (all of them inside a step) pass no Variable: nothing to read
            if _holds_variables(args):
                args = [_read(a) for a in args]
            if kwargs and _holds_variables(kwargs.values()):
                kwargs = {k: _read(v) for k, v in kwargs.items()}
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


def var(x, axis=None, keepdims=False):
    """Population variance (divides by N), as Keras computes it."""
    return moments(x, axis, keepdims)[1]


def moments(x, axis, keepdims=False):
    """(mean, variance) over `axis`; the mean is taken once and serves both."""
    b, x = active(), _read(x)
    mean = b.mean(x, axis=axis, keepdims=True)
    variance = b.mean(b.square(b.subtract(x, mean)), axis=axis, keepdims=keepdims)
    return (mean if keepdims else b.reshape(mean, b.shape(variance))), variance


def normalize_by_moments(x, mean, variance, epsilon, scale=None, offset=None):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, as batch and layer norm use."""
    b = active()
    x, mean, variance, scale, offset = (_read(v) for v in (x, mean, variance, scale, offset))
    inverse = b.divide(1.0, b.sqrt(b.add(variance, epsilon)))
    if scale is not None:
        inverse = b.multiply(inverse, scale)
    out = b.multiply(b.subtract(x, mean), inverse)
    return b.add(out, offset) if offset is not None else out


# Keras's names for the contract ops that the contract names otherwise
_KERAS_ALIASES = {
    "convert_to_tensor": "convert", "convert_to_numpy": "to_numpy", "average_pool": "avg_pool",
}
for _alias, _name in _KERAS_ALIASES.items():
    globals()[_alias] = globals()[_name]

__all__ = [*_CONTRACT_OPS, "var", "moments", "normalize_by_moments", *_KERAS_ALIASES]

globals().update(op_groups(_sys.modules[__name__]))  # nn, numpy, linalg, image, core
__getattr__ = missing_attribute(__name__)
