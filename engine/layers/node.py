"""The symbolic graph: tensors that carry only a shape, and the calls that make them.

Calling a layer, or an `engine.ops` function (engine/layers/op_node.py), on SymbolicTensors
records a Node (what was called, which input tensors, which output tensors) instead of
computing anything; `engine.Model(inputs, outputs)` walks these nodes back from its outputs.
"""

from __future__ import annotations

import itertools

from engine import tree
from engine.symbolic import SymbolicTensor, is_symbolic

__all__ = ["Node", "SymbolicTensor", "is_symbolic"]

_node_ids = itertools.count()


class Node:
    """One call of a layer (or of an op: then `layer` is its op_node.Operation) in the graph.

    `args` is the tuple of positional tensor arguments the layer was called with, each a
    SymbolicTensor or a list of them (Concatenate takes one list, MultiHeadAttention takes
    query, value and key as separate arguments); an op's are its tensors, in the order its
    Operation takes them. `outputs` is the flat list of tensors the call returned;
    `returns_list` says whether the call returned them as a list. `dtype` is every output's
    dtype, or a list of one per output. `kwargs` are the tensor keyword arguments, by name
    (LSTM's initial_state=[h, c]), each a tensor or a list of them.
    """

    def __init__(self, layer, args, output_shapes, dtype, returns_list, kwargs=None):
        self.id = next(_node_ids)
        self.layer = layer
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.returns_list = returns_list
        dtypes = dtype if isinstance(dtype, list) else [dtype] * len(output_shapes)
        self.outputs = [
            SymbolicTensor(shape, dtype, node=self, index=i)
            for i, (shape, dtype) in enumerate(zip(output_shapes, dtypes))
        ]

    @property
    def input_tensors(self) -> list[SymbolicTensor]:
        return tree.flatten([*self.args, *self.kwargs.values()])

    @property
    def parents(self) -> list[Node]:
        return [t.node for t in self.input_tensors]

    def returned(self):
        """What the layer call returned: one tensor, or the list of them."""
        return list(self.outputs) if self.returns_list else self.outputs[0]
