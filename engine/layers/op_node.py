"""Op nodes: an `engine.ops` function applied to symbolic tensors, as a node of the graph.

`x + y`, `x[:, :3]` and `ops.relu(x)` on SymbolicTensors reach `record`, which makes an
Operation (the op's name and its non-tensor arguments, each tensor replaced by its place
among the node's inputs) and a Node for it, as Keras 3 does for its ops. Output shapes and
dtypes come from running the op on zeros (engine/layers/trial_call.py) on the NumPy backend:
every install has it, it follows the same contract, and it runs a small op in microseconds
where a compiling backend takes milliseconds. An Operation runs
where a layer would in the model's call; it holds no weights, so `model.layers` leaves it
out, as Keras's does. In a graph spec it is the op's name from `GRAPH_OPS` (nothing else is
ever called) and its arguments as JSON (`to_json`, `from_json`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from engine import backend as backends
from engine import naming, ops, tree
from engine.errors import EngineError
from engine.layers import trial_call
from engine.layers.node import Node, SymbolicTensor

# engine.ops functions that are not computations on a graph's tensors: conversions to and
# from the host, a backend's facts, training and inspection internals
_NOT_GRAPH_OPS = frozenset({
    "scan", "value_and_grad", "jit", "convert", "convert_to_tensor", "to_numpy",
    "cond", "while_loop", "custom_gradient", "switch", "fori_loop", "map", "vectorized_map",
    "associative_scan", "vectorize", "is_tensor", "jvp",
    "convert_to_numpy", "step_input", "from_dlpack", "is_array", "shape", "dtype",
    "stored_dtype", "devices", "default_device", "summary_statistics", "squared_norms",
    "even_samples", "histogram", "adam_update", "tap", "tap_zeros", "gradient_leaf",
})
# The ops a graph may hold as nodes: the allowlist a graph spec may name.
GRAPH_OPS = frozenset(name for name in ops.__all__ if name not in _NOT_GRAPH_OPS)

# Ops that, given a symbolic tensor, answer from what it knows, as Keras's do
_STATIC = {"shape": lambda x: x.shape, "dtype": lambda x: x.dtype}

# Keras's op names where they differ from the engine's (node names, summary)
_KERAS_NAMES = {"getitem": "get_item", "abs": "absolute", "avg_pool": "average_pool"}

# What an op's non-tensor argument may be, besides NumPy arrays: what a spec can write
_LEAF_TYPES = (type(None), bool, int, float, str, slice, type(Ellipsis))


class OpNodeError(EngineError, ValueError):
    """An op cannot be a node of a functional graph with these arguments."""


@dataclasses.dataclass(frozen=True)
class TensorSlot:
    """Where the node's `index`-th input tensor goes in the op's arguments."""

    index: int


class Operation:
    """An `engine.ops` function called once in a graph, with its non-tensor arguments.

    It answers what the model's call, its graph walk and its summary ask of a node's layer:
    a name, `call(*tensors)`, `compute_output_shape(*shapes)`, and no weights.
    """

    def __init__(self, op_name: str, args, kwargs, input_dtypes, name=None):
        self.op_name = op_name
        self.name = name or naming.unique_name(_KERAS_NAMES.get(op_name, op_name))
        self.args, self.kwargs = args, kwargs
        self.input_dtypes = list(input_dtypes)
        self.node = None

    @property
    def type_name(self) -> str:
        """Keras's class name for the op ("GetItem", "Relu"), as its summary shows it."""
        name = _KERAS_NAMES.get(self.op_name, self.op_name)
        return "".join(part[:1].upper() + part[1:] for part in name.split("_"))

    trainable_weights = non_trainable_weights = weights = variables = property(lambda self: [])

    def count_params(self) -> int:
        return 0

    def call_kwargs(self, kwargs: dict) -> dict:
        """An op takes no `training` flag."""
        return {}

    def call(self, *tensors):
        """The op on `tensors` (arrays of the active backend) and the recorded arguments."""
        backend = backends.active()

        def fill(leaf):
            if isinstance(leaf, TensorSlot):
                return tensors[leaf.index]
            return backend.convert(leaf) if isinstance(leaf, np.ndarray) else leaf

        args, kwargs = tree.map_structure(fill, [self.args, self.kwargs])
        return vars(ops)[self.op_name](*args, **kwargs)

    def compute_output_shape(self, *shapes):
        tensors = [SymbolicTensor(s, d) for s, d in zip(shapes, self.input_dtypes)]
        shapes, _, returns_list = _trial(self, tensors)
        return shapes if returns_list else shapes[0]

    def to_json(self, ref) -> dict:
        """The node's spec entry fields: the op, its name and its arguments, each input
        tensor written as `{"tensor": ref(tensor)}`."""
        tensors = self.node.args

        def encode(value):
            if isinstance(value, TensorSlot):
                return {"tensor": ref(tensors[value.index])}
            if isinstance(value, list):
                return [encode(v) for v in value]
            if isinstance(value, tuple):
                return {"tuple": [encode(v) for v in value]}
            if isinstance(value, dict):
                return {key: encode(v) for key, v in value.items()}
            if isinstance(value, slice):
                return {"slice": [value.start, value.stop, value.step]}
            if value is Ellipsis:
                return {"ellipsis": True}
            if isinstance(value, np.ndarray):
                return {"array": value.tolist(), "dtype": value.dtype.name}
            return value

        return {"op": self.op_name, "name": self.name, "args": encode(self.args),
                "kwargs": encode(self.kwargs)}

    def __repr__(self):
        return f"<Operation ops.{self.op_name} name={self.name!r}>"


def record(op_name: str, args, kwargs, name=None):
    """`ops.<op_name>(*args, **kwargs)` on symbolic tensors: a new op node's output(s)."""
    tensors = [leaf for leaf in tree.flatten([args, kwargs]) if isinstance(leaf, SymbolicTensor)]
    if op_name in _STATIC:
        return _STATIC[op_name](tensors[0])
    if op_name not in GRAPH_OPS:
        raise OpNodeError(
            f"ops.{op_name} cannot take symbolic tensors: it is not a computation a functional "
            "graph can hold. Call it on arrays, or use it inside a layer's call()."
        )
    slots = iter(range(len(tensors)))
    args, kwargs = tree.map_structure(
        lambda leaf: TensorSlot(next(slots)) if isinstance(leaf, SymbolicTensor)
        else _constant(op_name, leaf),
        [list(args), dict(kwargs)],
    )
    operation = Operation(op_name, args, kwargs, [t.dtype for t in tensors], name)
    shapes, dtypes, returns_list = _trial(operation, tensors)
    operation.node = Node(operation, tensors, shapes, dtypes, returns_list)
    return operation.node.returned()


def _constant(op_name, value):
    """A non-tensor argument as the operation keeps it: NumPy scalars as Python numbers,
    NumPy arrays copied, floats as float32 and integers as int32 (as layers take arrays)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        kind = {"f": "float32", "i": "int32", "u": "int32"}.get(value.dtype.kind, value.dtype)
        return np.array(value, dtype=kind)
    if isinstance(value, _LEAF_TYPES):
        return value
    raise OpNodeError(
        f"ops.{op_name} got a {type(value).__name__} beside symbolic tensors; in a functional "
        "graph an op's other arguments must be Python numbers, strings, slices, None or NumPy "
        "arrays of numbers or bools (weights belong in a layer)."
    )


def _trial(operation, tensors):
    try:
        return trial_call.trial_outputs(operation.call, backends.get_backend("numpy"), tensors)
    except Exception as error:
        shapes = ", ".join(f"{t.shape} {t.dtype}" for t in tensors)
        raise OpNodeError(
            f"ops.{operation.op_name} cannot take symbolic tensors of shapes {shapes} with "
            f"these arguments (tried on zeros, unknown sizes as 2): {type(error).__name__}: "
            f"{error}"
        ) from error


def from_json(value, lookup):
    """An op's argument as `to_json` wrote it; `lookup(ref)` gives the tensor of a reference.
    Raises ValueError for anything `to_json` does not write."""
    if isinstance(value, list):
        return [from_json(v, lookup) for v in value]
    if not isinstance(value, dict):
        if not isinstance(value, (type(None), bool, int, float, str)):
            raise ValueError(f"{value!r} is not an op argument")
        return value
    tags = {"tensor", "tuple", "slice", "ellipsis"}
    if len(value) == 1 and value.keys() <= tags:
        (tag, content), = value.items()
        if tag == "tensor":
            return lookup(content)
        if tag == "tuple" and isinstance(content, list):
            return tuple(from_json(v, lookup) for v in content)
        if tag == "slice" and isinstance(content, list) and len(content) == 3 and all(
                v is None or isinstance(v, int) for v in content):
            return slice(*content)
        if tag == "ellipsis" and content is True:
            return Ellipsis
    if value.keys() == {"array", "dtype"} and value["dtype"] in _ARRAY_DTYPES:
        return np.array(value["array"], dtype=value["dtype"])
    raise ValueError(f"{value!r} is not an op argument")


_ARRAY_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint32", "float16", "float32",
     "float64"}
)
