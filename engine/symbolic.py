"""SymbolicTensor: a placeholder for a batch of arrays in a functional graph (what `Input`
returns and a layer call on placeholders returns).

Python's operators and indexing on it call the `engine.ops` function Keras 3 calls
(`x + y` is `ops.add(x, y)`, `x[:, 0]` is `ops.getitem(x, (slice(None), 0))`), and any
`engine.ops` function given one records an op node in the graph (engine/layers/op_node.py).
This module imports no engine module that imports `engine.ops`, so `engine.ops` can
recognise these tensors.
"""

from __future__ import annotations

import importlib

from engine import tree


class SymbolicTensor:
    """Shape (None for unknown sizes), dtype, and the graph node that makes it."""

    # NumPy hands `array + tensor` to the tensor's reflected operator instead of looping
    __array_ufunc__ = None
    # the bool SymbolicTensor of its mask, where a layer gave it one (engine/layers/masks.py)
    _keras_mask = None

    def __init__(self, shape, dtype="float32", node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.node = node
        self.index = index

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self):
        source = f", from {self.node.layer.name!r}" if self.node is not None else ""
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}{source}>"

    def __getitem__(self, key):
        return _ops().getitem(self, key)

    def __pos__(self):
        return self

    def __iter__(self):
        raise TypeError(
            f"A SymbolicTensor {self.shape} has no values to iterate over; index it instead "
            "(x[:, 0]) or split it with an op."
        )

    def __bool__(self):
        raise TypeError(
            "A SymbolicTensor has no value to be true or false; compare with ops.where or "
            "ops.greater inside the graph instead of Python's `if`."
        )

    def reshape(self, *shape):
        """As NumPy's method and Keras's: x.reshape((-1, 4)) or x.reshape(-1, 4)."""
        return _ops().reshape(self, shape[0] if len(shape) == 1 else shape)


def is_symbolic(structure) -> bool:
    """Whether any leaf of `structure` is a SymbolicTensor."""
    return any(isinstance(leaf, SymbolicTensor) for leaf in tree.flatten(structure))


def _ops():
    # engine.ops imports this module, so it is looked up when an operator runs
    return importlib.import_module("engine.ops")


def _binary(op_name: str, reflected: bool = False):
    def operator(self, other):
        op = getattr(_ops(), op_name)
        return op(other, self) if reflected else op(self, other)

    operator.__name__ = f"__{'r' if reflected else ''}{op_name}__"
    return operator


def _unary(op_name: str):
    def operator(self):
        return getattr(_ops(), op_name)(self)

    return operator


# Python's operator -> the engine op, as Keras 3's KerasTensor maps them. `==` stays identity
# (tensors are dict keys and list members), as in Keras; `!=` is ops.not_equal, as in Keras.
_BINARY = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "floordiv": "floor_divide", "mod": "mod", "pow": "power", "matmul": "matmul",
    "and": "logical_and", "or": "logical_or",
}
_COMPARISONS = {
    "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal", "ne": "not_equal",
}
_UNARY = {"neg": "negative", "abs": "abs", "invert": "logical_not"}

for _python_name, _op_name in _BINARY.items():
    setattr(SymbolicTensor, f"__{_python_name}__", _binary(_op_name))
    setattr(SymbolicTensor, f"__r{_python_name}__", _binary(_op_name, reflected=True))
for _python_name, _op_name in _COMPARISONS.items():
    setattr(SymbolicTensor, f"__{_python_name}__", _binary(_op_name))
for _python_name, _op_name in _UNARY.items():
    setattr(SymbolicTensor, f"__{_python_name}__", _unary(_op_name))
