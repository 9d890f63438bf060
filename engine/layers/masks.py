"""Keras's masks: which time steps of a padded batch are real, carried beside the tensors.

A layer makes a mask in `compute_mask(inputs, previous_mask)` (Embedding(mask_zero=True),
Masking); a layer whose `call` has a `mask` parameter receives its input's mask (an
argument `x` of a layer called on several tensors receives it as `x_mask`: MultiHeadAttention's
`query_mask`); a layer that `supports_masking` hands `compute_mask`'s result to its outputs,
and one that does not drops the mask, as Keras 3 does. Eager outputs carry their mask as
`_keras_mask`, as Keras's do; a functional model passes masks from node to node itself
(`MaskFlow`), so they also flow inside compiled steps; a symbolic tensor's `_keras_mask` is a
bool SymbolicTensor of the mask's shape, so a graph knows statically where masks are.
"""

from __future__ import annotations

import functools
import inspect
import warnings
import weakref

import numpy as np

from engine import backend as backends
from engine import ops, tree
from engine.symbolic import SymbolicTensor

_MASK_ATTRIBUTE = "_keras_mask"


class MaskedNumpyArray(np.ndarray):
    """A view of a NumPy array that can carry `_keras_mask` (an ndarray has no attributes)."""

    _keras_mask = None


# masks of arrays that refuse attributes (JAX tracers), by id, dropped with the array
_held_masks: dict[int, object] = {}


def get_keras_mask(x):
    """The mask `x` carries, or None."""
    mask = getattr(x, _MASK_ATTRIBUTE, None)
    return mask if mask is not None else _held_masks.get(id(x))


def set_keras_mask(x, mask):
    """`x` carrying `mask`: `x` itself, or for a NumPy array a view of it that can carry one."""
    if mask is None:
        return x
    if type(x) is np.ndarray:
        x = x.view(MaskedNumpyArray)
    try:
        setattr(x, _MASK_ATTRIBUTE, mask)
    except AttributeError:
        try:
            weakref.finalize(x, _held_masks.pop, id(x), None)
        except TypeError:  # neither attributes nor weak references (a NumPy scalar)
            return x
        _held_masks[id(x)] = mask
    return x


def plain(x):
    """`x` as the backend's own array: a MaskedNumpyArray becomes an ndarray again, so that
    NumPy results computed from it are not MaskedNumpyArrays."""
    return x.view(np.ndarray) if isinstance(x, MaskedNumpyArray) else x


def masks_of(structure):
    """The masks of a tensor argument (one tensor or a list of them), None where none."""
    return tree.map_structure(get_keras_mask, structure)


def _present(masks) -> bool:
    return any(m is not None for m in tree.flatten(masks))


# ------------------------------------------------------------------------ calling a layer
@functools.cache
def _call_parameters(layer_class) -> frozenset:
    return frozenset(inspect.signature(layer_class.call).parameters)


@functools.cache
def _positional_names(layer_class) -> tuple:
    parameters = list(inspect.signature(layer_class.call).parameters.values())[1:]
    return tuple(p.name for p in parameters
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def call_kwargs(layer, arg_masks: list, kwargs: dict) -> dict:
    """`kwargs` with the masks `layer.call` takes and was not given: `mask` for a layer called
    on one tensor argument, `<argument>_mask` for one called on several (Keras's rule)."""
    if not _present(arg_masks):
        return kwargs
    parameters = _call_parameters(type(layer))
    if len(arg_masks) == 1:
        if "mask" in parameters and kwargs.get("mask") is None:
            return {**kwargs, "mask": arg_masks[0]}
        return kwargs
    added = {}
    for name, masks in zip(_positional_names(type(layer)), arg_masks):
        key = f"{name}_mask"
        if key in parameters and kwargs.get(key) is None and _present(masks):
            added[key] = masks
    return {**kwargs, **added} if added else kwargs


def previous_mask(arg_masks: list, kwargs: dict):
    """The mask `compute_mask` is given: the call's `mask`, else its first argument's."""
    given = kwargs.get("mask")
    if given is not None:
        return given
    return arg_masks[0] if _present(arg_masks[:1]) else None


def output_masks(layer, first_arg, previous, outputs: list) -> list:
    """One mask (or None) per output: the one it already carries, else `compute_mask`'s
    when the layer supports masking; nothing for a layer that does not."""
    carried = [get_keras_mask(o) for o in outputs]
    if all(m is not None for m in carried) or not getattr(layer, "supports_masking", False):
        return carried
    if previous is None and not makes_masks(layer):
        return carried
    computed = _one_per_output(layer.compute_mask(first_arg, previous), len(outputs))
    return [c if c is not None else m for c, m in zip(carried, computed)]


def _one_per_output(masks, count: int) -> list:
    """compute_mask's result as a list: one mask goes to the first output (Keras's rule)."""
    if isinstance(masks, (list, tuple)):
        return list(masks)
    return [masks] + [None] * (count - 1)


def makes_masks(layer) -> bool:
    """Whether the layer's class has a `compute_mask` of its own (it may make a mask from
    inputs without one)."""
    from engine.layers.layer import Layer

    return type(layer).compute_mask is not Layer.compute_mask


def attach(outputs, masks: list):
    """`outputs` (one array or a list) carrying `masks` (one per output)."""
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(set_keras_mask(o, m) for o, m in zip(outputs, masks))
    return set_keras_mask(outputs, masks[0])


# ---------------------------------------------------------------------- symbolic calls
def symbolic_masks(layer, first_arg, previous, count: int) -> list:
    """One bool SymbolicTensor (or None) per output of a symbolic call of `layer`: the
    shapes of `compute_mask`'s result on zeros, sizes that follow the trial sizes None. A
    layer that drops a mask it was given says so, as Keras's does."""
    if not layer.supports_masking and _present(previous):
        warnings.warn(
            f"Layer {layer.name!r} ({type(layer).__name__}) was given an input with a mask but "
            "does not support masking, so the layers after it will not see the mask.",
            stacklevel=4)
    if not layer.supports_masking or (previous is None and not makes_masks(layer)):
        return [None] * count
    numpy = backends.get_backend("numpy")
    runs = []
    for size in (2, 3):
        def zeros(tensor, n=size):
            if tensor is None:
                return None
            shape = tuple(n if d is None else d for d in tensor.shape)
            return numpy.convert(np.zeros(shape, dtype=tensor.dtype), tensor.dtype)

        with backends.using(numpy):
            masks = layer.compute_mask(tree.map_structure(zeros, first_arg),
                                       tree.map_structure(zeros, previous))
        masks = _one_per_output(masks, count)
        runs.append([None if m is None else numpy.shape(m) for m in masks])
    return [
        None if a is None else SymbolicTensor(
            tuple(x if x == y else None for x, y in zip(a, b)), "bool")
        for a, b in zip(*runs)
    ]


def graph_has_masks(nodes) -> bool:
    """Whether any tensor of these nodes carries a mask, or a node is a model (whose own
    layers may make masks)."""
    from engine.models.functional import Model

    return any(isinstance(node.layer, Model) or any(
        getattr(t, _MASK_ATTRIBUTE, None) is not None for t in node.outputs) for node in nodes)


class MaskFlow:
    """The masks of a functional model's tensors in one run, by the id of their symbolic
    tensor: what a node's layer takes, and what its outputs carry."""

    def __init__(self, inputs: list, masks):
        flat = [None] * len(inputs) if masks is None else list(
            masks if isinstance(masks, (list, tuple)) else [masks])
        self._masks = {id(t): m for t, m in zip(inputs, flat) if m is not None}

    def arg_masks(self, node) -> list:
        get = self._masks.get
        return [[get(id(t)) for t in a] if isinstance(a, list) else get(id(a))
                for a in node.args]

    def record(self, node, arg_masks, kwargs, args, result) -> None:
        """Keep the masks of what `node` returned (`result`, before any hook)."""
        outputs = list(result) if node.returns_list else [result]
        masks = output_masks(node.layer, args[0], previous_mask(arg_masks, kwargs), outputs)
        for tensor, mask in zip(node.outputs, masks):
            if mask is not None:
                self._masks[id(tensor)] = mask

    def mask(self, tensor):
        return self._masks.get(id(tensor))


# ------------------------------------------------------------------ helpers for layers
def all_true_like(x):
    """A bool array of `x`'s shape, all True (NaN included), with no shape needed."""
    return ops.logical_or(ops.equal(x, x), ops.not_equal(x, x))


def any_along(mask, axis):
    """Whether any value of `mask` along `axis` is True."""
    return ops.greater(ops.max(ops.cast(mask, "float32"), axis=axis), 0.0)


def recurrent_output_masks(layer, previous_mask, state_count: int):
    """A recurrent layer's output masks, as Keras's RNN.compute_mask: the input's mask for a
    returned sequence, none for the last output alone, none for each returned state."""
    mask = None if previous_mask is None else tree.flatten(previous_mask)[0]
    output = mask if layer.return_sequences else None
    return [output] + [None] * state_count if layer.return_state else output


def joined(first, second):
    """Both masks (True where both are), either one where the other is None."""
    if first is None or second is None:
        return second if first is None else first
    return ops.logical_and(ops.cast(first, "bool"), ops.cast(second, "bool"))


def used_masks(node) -> list[str]:
    """Which of a graph node's arguments carry a mask its layer's call takes ("mask" for
    its only argument, "<argument>_mask" for one of several), by argument name."""
    layer = node.layer
    if not hasattr(layer, "supports_masking"):  # an op node
        return []
    parameters = _call_parameters(type(layer))
    names = _positional_names(type(layer))
    used = []
    for index, argument in enumerate(node.args):
        if not _present(masks_of(argument)):
            continue
        name = names[index] if index < len(names) else f"argument {index}"
        if ("mask" if len(node.args) == 1 else f"{name}_mask") in parameters:
            used.append(name)
    return used
