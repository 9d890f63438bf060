"""Walking a symbolic graph: which nodes a model runs, in which order, and its layers' order.

The order follows Keras 3's functional models (depth from the outputs, ties broken by the
order a depth-first walk from the outputs meets the layers), so `model.layers` and
`model.get_weights()` list things exactly as Keras does for the same graph. Op nodes
(engine/layers/op_node.py) are run and ordered like layer calls, but, as in Keras, their
Operations are not layers of the model.
"""

from __future__ import annotations

from engine.errors import GraphError
from engine.layers.input_layer import InputLayer
from engine.layers.node import SymbolicTensor
from engine.layers.op_node import Operation


def check_tensors(tensors, role: str) -> list[SymbolicTensor]:
    """`tensors` as a list of SymbolicTensors, or a GraphError saying what was given."""
    flat = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    if not flat:
        raise GraphError(f"A model needs at least one tensor in its {role}.")
    for tensor in flat:
        if not isinstance(tensor, SymbolicTensor):
            raise GraphError(
                f"Model {role} must be symbolic tensors from layers.Input(...) or a layer "
                f"call, got {type(tensor).__name__}."
            )
    return flat


def walk(inputs: list[SymbolicTensor], outputs: list[SymbolicTensor]):
    """(nodes in execution order, layers in Keras's order) of the graph from inputs to outputs."""
    for tensor in inputs:
        if not isinstance(tensor.node.layer, InputLayer):
            raise GraphError(
                f"Model inputs must come from layers.Input(...); {tensor!r} is the output of "
                f"layer {tensor.node.layer.name!r}."
            )
    postorder, layer_index = _postorder(inputs, outputs)

    node_depth, layer_depth = {}, {}
    for node in reversed(postorder):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.layer, 0))
        node_depth[node] = layer_depth[node.layer] = depth
        for parent in node.parents:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))

    for tensor in inputs:  # inputs the outputs do not use still belong to the model
        layer_index.setdefault(tensor.node.layer, len(layer_index))
        layer_depth.setdefault(tensor.node.layer, max(layer_depth.values(), default=0) + 1)

    order = {node: i for i, node in enumerate(postorder)}
    nodes = sorted(postorder, key=lambda n: (-node_depth[n], order[n]))
    input_layers = [t.node.layer for t in inputs]
    layers = input_layers + sorted(
        (layer for layer in layer_index
         if layer not in input_layers and not isinstance(layer, Operation)),
        key=lambda layer: (-layer_depth[layer], layer_index[layer]),
    )
    runnable = [n for n in nodes if not isinstance(n.layer, InputLayer)]
    return runnable, layers


def _postorder(inputs: list[SymbolicTensor], outputs: list[SymbolicTensor]):
    """(nodes in depth-first postorder from the outputs, layer -> the order the walk meets it).

    An explicit stack instead of recursion, so a chain of any length can be walked."""
    input_ids = {id(t) for t in inputs}
    finished, in_progress, postorder, layer_index = set(), set(), [], {}
    stack = [(tensor, None) for tensor in reversed(outputs)]
    while stack:
        tensor, parents = stack[-1]
        node = tensor.node
        if parents is None:  # the first time the walk meets this tensor
            if node in finished:
                stack.pop()
                continue
            if node in in_progress:
                raise GraphError(f"The graph has a cycle through layer {node.layer.name!r}.")
            layer_index.setdefault(node.layer, len(layer_index))
            in_progress.add(node)
            parents = iter(() if id(tensor) in input_ids else _inputs_to_walk(node))
            stack[-1] = (tensor, parents)
        parent = next(parents, None)
        if parent is not None:
            stack.append((parent, None))
            continue
        stack.pop()
        in_progress.discard(node)
        finished.add(node)
        postorder.append(node)
    return postorder, layer_index


def _inputs_to_walk(node) -> list[SymbolicTensor]:
    """The tensors a node is computed from; an Input that is not a model input is an error."""
    if isinstance(node.layer, InputLayer):
        raise GraphError(
            f"The outputs depend on Input {node.layer.name!r}, which is not among the "
            "model's inputs. Add it to Model(inputs=[...])."
        )
    return node.input_tensors
