"""Python operators on Traced arrays (`a + b`, `-x`, `a @ b`, `x[1:]`, `a < b`).

Each routes to the backend's primitive, so `loss = (y - t) ** 2` records the same graph as
`square(subtract(y, t))`. Reflected forms (`2 * x`) swap the operands back.
"""

from __future__ import annotations

from engine.backend.numpy import elementwise as ew
from engine.backend.numpy.indexing import getitem
from engine.backend.numpy.linalg import matmul
from engine.backend.numpy.traced import Traced

_BINARY = {
    "add": ew.add,
    "sub": ew.subtract,
    "mul": ew.multiply,
    "truediv": ew.divide,
    "pow": ew.power,
    "matmul": matmul,
}
_COMPARISONS = {
    "__lt__": ew.less,
    "__le__": ew.less_equal,
    "__gt__": ew.greater,
    "__ge__": ew.greater_equal,
    "__eq__": ew.equal,
    "__ne__": ew.not_equal,
}


# Methods must be functions (primitives are callable objects, which Python would not bind).
def _method(op):
    def method(self, *others):
        if any(_defers(other) for other in others):
            return NotImplemented
        return op(self, *others)

    return method


def _defers(other) -> bool:
    """Whether `other` asks NumPy-like arrays to let its own operator run, as an engine
    Variable does (`__array_ufunc__ = None`, NumPy's protocol for that)."""
    return not isinstance(other, Traced) and getattr(type(other), "__array_ufunc__", 0) is None


def _reflected(op):
    return lambda self, other: op(other, self)


for _name, _op in _BINARY.items():
    setattr(Traced, f"__{_name}__", _method(_op))
    setattr(Traced, f"__r{_name}__", _reflected(_op))
for _name, _op in _COMPARISONS.items():
    setattr(Traced, _name, _method(_op))
Traced.__neg__ = _method(ew.negative)
Traced.__abs__ = _method(ew.absolute)
Traced.__getitem__ = _method(getitem)
# __eq__ is elementwise, as on np.ndarray, so Traced arrays are unhashable like them.
Traced.__hash__ = None
