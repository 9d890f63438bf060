"""Which tensors a capture records for a model, the names they go by and how they connect.

A tensor is a model input or an output of a node (one layer call). A node is named after its
layer ("dense_1"); a layer called more than once gets the call's number ("dense_1:1"), and
a call with several outputs numbers them ("lstm[1]"). Each trainable weight belongs to the
first tensor of the layer that owns it, and so does each non-trainable float weight (a
BatchNormalization's moving mean and variance).
"""

from __future__ import annotations

import dataclasses

from engine.models.tracing import functional_view


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    name: str
    layer: str
    layer_class: str
    shape: tuple  # None for sizes that vary (the batch)
    activation: str  # the layer's activation ("relu", "tanh", ...), "linear" when it has none
    inputs: tuple  # names of the tensors this one is computed from
    weights: tuple  # names of the trainable weights that belong to this tensor
    single_output: bool  # whether it is its node's only output
    non_trainable: tuple = ()  # names of its non-trainable weights (BatchNormalization's moving
    # statistics, frozen layers' weights)


@dataclasses.dataclass(frozen=True)
class Layout:
    inputs: tuple  # TensorInfo of the model inputs
    outputs: tuple  # TensorInfo of every node output, in the order the model computes them
    weights: tuple  # trainable weight names, in `model.trainable_weights` order
    weight_owners: tuple  # for each weight, the tensor it belongs to
    model_outputs: tuple  # names of the model's outputs
    non_trainable_weights: tuple = ()  # float non-trainable weight names, in the order of
    # `model.non_trainable_variables` (which also holds random-seed states, left out here)
    non_trainable_owners: tuple = ()  # for each, the tensor it belongs to

    @property
    def tensors(self) -> tuple:
        """Inputs, then node outputs: the order activations are summarised in."""
        return self.inputs + self.outputs

    @property
    def weighted(self) -> list[TensorInfo]:
        """Node outputs of layers with trainable weights, first to last."""
        return [t for t in self.outputs if t.weights]

    def to_dict(self) -> dict:
        return {
            "inputs": [dataclasses.asdict(t) for t in self.inputs],
            "outputs": [dataclasses.asdict(t) for t in self.outputs],
            "weights": list(self.weights),
            "model_outputs": list(self.model_outputs),
            "non_trainable_weights": list(self.non_trainable_weights),
        }


def describe(model) -> Layout:
    """The Layout of a functional or Sequential model's graph, or of a subclassed model's
    call traced into one (engine/models/tracing.py), its weights in the model's own order."""
    graph = functional_view(model)
    graph.require_graph()
    names = {id(t): t.node.layer.name for t in graph.inputs}
    inputs = tuple(
        TensorInfo(names[id(t)], names[id(t)], "InputLayer", t.shape, "linear", (), (), True)
        for t in graph.inputs
    )
    calls = {}
    for node in graph.nodes:
        calls.setdefault(node.layer, []).append(node)
    trainable = model.trainable_weights
    frozen = [v for v in model.non_trainable_variables if is_float(v)]
    weight_names = _weight_names(trainable + frozen)
    owners = {}
    outputs = []
    for node in graph.nodes:
        base = node.layer.name
        if len(calls[node.layer]) > 1:
            base = f"{base}:{calls[node.layer].index(node)}"
        sources = tuple(names[id(t)] for t in node.input_tensors)
        single = len(node.outputs) == 1
        for index, tensor in enumerate(node.outputs):
            name = base if single else f"{base}[{index}]"
            names[id(tensor)] = name
            owned = ([], [])
            if index == 0:
                for kind, weights in enumerate(
                    (node.layer.trainable_weights, node.layer.non_trainable_weights)
                ):
                    for weight in weights:
                        if id(weight) in weight_names and id(weight) not in owners:
                            owners[id(weight)] = name
                            owned[kind].append(weight_names[id(weight)])
            outputs.append(
                TensorInfo(
                    name,
                    node.layer.name,
                    type(node.layer).__name__,
                    tensor.shape,
                    getattr(node.layer, "activation", None) or "linear",
                    sources,
                    tuple(owned[0]),
                    single,
                    tuple(owned[1]),
                )
            )
    return Layout(
        inputs=inputs,
        outputs=tuple(outputs),
        weights=tuple(weight_names[id(w)] for w in trainable),
        weight_owners=tuple(owners.get(id(w)) for w in trainable),
        model_outputs=tuple(names[id(t)] for t in graph.outputs),
        non_trainable_weights=tuple(weight_names[id(v)] for v in frozen),
        non_trainable_owners=tuple(owners.get(id(v)) for v in frozen),
    )


def is_float(variable) -> bool:
    return variable.dtype.startswith(("float", "bfloat"))


def _weight_names(weights) -> dict:
    """id(weight) -> a name unique within the model (its Variable name, numbered if repeated)."""
    names, used = {}, set()
    for weight in weights:
        name, count = weight.name, 1
        while name in used:
            name, count = f"{weight.name}#{count}", count + 1
        used.add(name)
        names[id(weight)] = name
    return names
