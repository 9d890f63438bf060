"""Shape inference without weights: what a layer call returns, and how many parameters it has.

`infer` makes and calls a layer with its weights recorded as WeightSpecs (shape and dtype
only): `build` still checks its inputs and raises the same errors, but no array is allocated
and nothing is drawn from the initializer stream. The layer is made inside and dropped, so
it can never reach a model or see real arrays.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeightSpec:
    """A weight as shape inference records it: what `add_weight` would make, without a value."""

    name: str
    shape: tuple
    dtype: str
    trainable: bool


@dataclass(frozen=True)
class Inference:
    """What a layer call would return: one shape and dtype per output, and the parameters."""

    output_shapes: tuple
    dtypes: tuple
    params: int


class _ThreadState(threading.local):
    """Each thread's own switch, so a model built in another thread meanwhile gets weights."""

    def __init__(self):
        self.inferring = False


_state = _ThreadState()


def inferring() -> bool:
    """Whether this thread is inside `infer`: a new weight must then be a WeightSpec."""
    return _state.inferring


def weight_spec(name: str, shape, dtype: str, trainable: bool) -> WeightSpec:
    """The spec of a weight; the dtype as NumPy names it (an unknown one fails as it would)."""
    return WeightSpec(name, tuple(int(d) for d in shape), np.dtype(dtype).name, bool(trainable))


def infer(layer_class, config: dict, *inputs) -> Inference:
    """What `layer_class.from_config(config)` called on `inputs` (SymbolicTensors, or lists of
    them, as the layer takes them) returns; an InputLayer takes no inputs.

    Errors are the layer's own: a bad config or inputs that don't fit raise as a real call would.
    """
    with _inferring():
        layer = layer_class.from_config(config)
        # an InputLayer is built when made, and its output is the tensor it holds
        returned = layer.output if not inputs and layer.built else layer(*inputs)
    outputs = returned if isinstance(returned, list) else [returned]
    return Inference(
        tuple(t.shape for t in outputs), tuple(t.dtype for t in outputs), layer.count_params()
    )


@contextlib.contextmanager
def _inferring():
    outer = _state.inferring
    _state.inferring = True
    try:
        yield
    finally:
        _state.inferring = outer
