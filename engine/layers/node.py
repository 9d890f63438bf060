"""The symbolic graph: tensors that carry only a shape, and the layer calls that make them.

Calling a layer on SymbolicTensors records a Node (which layer, which input tensors, which
output tensors) instead of computing anything; `engine.Model(inputs, outputs)` walks these
nodes back from its outputs.
"""

from __future__ import annotations

import itertools

from engine import tree

_node_ids = itertools.count()


class SymbolicTensor:
    """A placeholder for a batch of arrays: shape (None for unknown sizes) and dtype."""

    def __init__(self, shape, dtype="float32", node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.node = node
        self.index = index

    @property
    def rank(self) -> int:
        return len(self.shape)

    def __repr__(self):
        source = f", from {self.node.layer.name!r}" if self.node is not None else ""
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}{source}>"


class Node:
    """One call of a layer in the graph.

    `args` is the tuple of positional tensor arguments the layer was called with, each a
    SymbolicTensor or a list of them (Concatenate takes one list, MultiHeadAttention takes
    query, value and key as separate arguments). `outputs` is the flat list of tensors the
    call returned; `returns_list` says whether the call returned them as a list.
    """

    def __init__(self, layer, args, output_shapes, dtype, returns_list):
        self.id = next(_node_ids)
        self.layer = layer
        self.args = tuple(args)
        self.returns_list = returns_list
        self.outputs = [
            SymbolicTensor(shape, dtype, node=self, index=i)
            for i, shape in enumerate(output_shapes)
        ]

    @property
    def input_tensors(self) -> list[SymbolicTensor]:
        return tree.flatten(list(self.args))

    @property
    def parents(self) -> list[Node]:
        return [t.node for t in self.input_tensors]

    def returned(self):
        """What the layer call returned: one tensor, or the list of them."""
        return list(self.outputs) if self.returns_list else self.outputs[0]


def is_symbolic(structure) -> bool:
    """Whether any leaf of `structure` is a SymbolicTensor."""
    return any(isinstance(leaf, SymbolicTensor) for leaf in tree.flatten(structure))
