"""How a layer's call honours its dtype policy (engine/dtype_policies.py), as Keras's does.

Float inputs are cast to the layer's compute dtype where either is a 16-bit float (so a
float32 layer after float16 ones, Keras's `Activation("softmax", dtype="float32")`, gets
float32), and during the call float variables read as the compute dtype (`autocasting`)
where the layer computes mixed, or runs inside another layer's mixed call. A layer with
`autocast = False` (LayerNormalization, as Keras's) takes its inputs and weights as they are.
Float32 layers pay nothing while no mixed layer lives: a graph finds which of its nodes cast
(`casting_nodes`) from its tensors' dtypes once, and an eager call looks at its inputs'
dtypes only while mixed precision is in use.
"""

from __future__ import annotations

import contextlib

from engine import backend as backends
from engine import ops
from engine.dtype_policies import in_use, refuse_numpy
from engine.variables import autocast_dtype, autocasting

HALF_FLOATS = frozenset({"float16", "bfloat16"})
FLOATS = frozenset({"float16", "bfloat16", "float32", "float64"})


def casts(dtype: str, compute_dtype: str) -> bool:
    """Whether a layer computing in `compute_dtype` casts a float input of `dtype`."""
    return (dtype != compute_dtype and dtype in FLOATS and compute_dtype in FLOATS
            and (dtype in HALF_FLOATS or compute_dtype in HALF_FLOATS))


def involved(layer, input_dtypes) -> bool:
    """Whether calling `layer` on inputs of these dtypes casts anything."""
    return layer.compute_dtype != layer.dtype or (
        layer.autocast and any(casts(d, layer.compute_dtype) for d in input_dtypes))


def cast_inputs(layer, backend, inputs):
    """`inputs` (a list of arrays or lists of arrays) cast to the layer's compute dtype where
    `casts` says so, while mixed precision is in use (else nothing is looked at)."""
    if not layer.autocast or not in_use():
        return inputs
    target = layer.compute_dtype

    def cast(x):
        if isinstance(x, list):
            return [cast(item) for item in x]
        return backend.cast(x, target) if casts(backend.dtype(x), target) else x

    return [cast(x) for x in inputs]


def computing(layer, backend):
    """The block a layer's call runs in: its float variables read as its compute dtype where
    it is mixed (or inside a mixed call, whose reads it sets to its own dtype). A mixed layer
    refuses the NumPy backend."""
    mixed = layer.compute_dtype != layer.dtype
    if mixed:
        refuse_numpy(layer, backend.name)
    current = autocast_dtype()
    if current is None and not mixed:
        return contextlib.nullcontext()
    target = layer.compute_dtype if layer.autocast and layer.compute_dtype in FLOATS else None
    return contextlib.nullcontext() if target == current else autocasting(target)


def casting_nodes(nodes) -> frozenset:
    """The ids of a graph's layer nodes whose calls cast (`involved`), from the dtypes of
    their symbolic inputs."""
    found = set()
    for node in nodes:
        layer = node.layer
        if getattr(layer, "compute_dtype", None) is None:  # an op node: ops cast nothing
            continue
        tensors = [t for a in node.args for t in (a if isinstance(a, list) else [a])]
        if involved(layer, [t.dtype for t in tensors]):
            found.add(id(node))
    return frozenset(found)


def honouring(run, casting):
    """A graph's `run(node, args, tensors)` with each layer node's inputs cast and its call in
    `computing`, where any node casts (`casting`, from `casting_nodes`); else `run` itself."""
    if not casting:
        return run

    def run_node(node, args, tensors):
        layer = node.layer
        if getattr(layer, "compute_dtype", None) is None:
            return run(node, args, tensors)
        backend = backends.active()
        with computing(layer, backend):
            return run(node, cast_inputs(layer, backend, args), tensors)

    return run_node


def upcast(x):
    """A 16-bit float `x` as float32, else `x`: normalisation layers take their statistics in
    float32, as Keras's do."""
    return ops.cast(x, "float32") if ops.dtype(x) in HALF_FLOATS else x


def downcast(layer, y):
    """A normalisation layer's float32 result `y` in its 16-bit compute dtype, else `y`."""
    return ops.cast(y, layer.compute_dtype) if layer.compute_dtype in HALF_FLOATS else y
