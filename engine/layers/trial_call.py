"""Calling a layer to learn something (its output shapes; the weights of layers it holds that
build on their first call) while every value it already has stays as it is.

A layer without `compute_output_shape`, called on SymbolicTensors, is called on zeros twice,
unknown sizes (None) as 2 and then as 3: an output size that follows them is unknown too. Its
Variables are read from a state scope, so whatever the call assigns (BatchNormalization's
statistics, a seed) stays in the scope. It runs on the layer's backend: layers it holds that
build on their first call make their real weights there, as they would on a first real call.
"""

from __future__ import annotations

import contextlib
import pathlib
import sysconfig
import traceback

import numpy as np

from engine import backend as backends
from engine import tree
from engine.errors import LayerShapeError
from engine.layers import call_context
from engine.variables import state_scope

_TRIAL_SIZES = (2, 3)


@contextlib.contextmanager
def unchanged_state(layer):
    """A block in which `layer`'s Variables are read from, and assigned in, a throwaway scope."""
    with state_scope({v: v.value for v in layer.variables}):
        yield


def output_shapes(layer, symbolic_inputs):
    """The output shape (or list of shapes) of `layer.call` on inputs like `symbolic_inputs`
    (positional arguments: SymbolicTensors or lists of them), batch and unknown sizes None."""

    def call(*zeros):
        # nothing of the trial stays: neither assignments nor the losses its call adds
        with unchanged_state(layer), call_context.loss_collection():
            return layer.call(*zeros)

    try:
        shapes, _, returns_list = trial_outputs(call, layer.backend or backends.active(),
                                                symbolic_inputs)
    except Exception as error:
        raise _trial_error(layer, symbolic_inputs, error) from error
    return shapes if returns_list else shapes[0]


def trial_outputs(function, backend, symbolic_inputs):
    """(shapes, dtypes, returns_list) of what `function(*arrays)` returns on `backend` for
    zeros like `symbolic_inputs` (SymbolicTensors or lists of them): one shape and dtype per
    output, sizes that follow the trial sizes None; whether it returned a list or tuple."""
    runs = []
    for size in _TRIAL_SIZES:
        zeros = tree.map_structure(lambda t, n=size: _zeros(backend, t, n), symbolic_inputs)
        with backends.using(backend):
            returned = function(*zeros)
        outputs = returned if isinstance(returned, (list, tuple)) else [returned]
        runs.append([backend.shape(o) for o in outputs])
    shapes = [
        tuple(a if a == b else None for a, b in zip(first, second))
        for first, second in zip(*runs)
    ]
    return shapes, [backend.dtype(o) for o in outputs], isinstance(returned, (list, tuple))


def _zeros(backend, tensor, size):
    shape = tuple(size if d is None else d for d in tensor.shape)
    return backend.convert(np.zeros(shape, dtype=tensor.dtype), tensor.dtype)


def _trial_error(layer, symbolic_inputs, error) -> LayerShapeError:
    shapes = tree.map_structure(lambda t: t.shape, symbolic_inputs)
    return LayerShapeError(
        layer,
        f"it has no compute_output_shape, so its call() was tried on zeros of the input "
        f"shapes (unknown sizes as {_TRIAL_SIZES[0]}) and failed at {_failure_site(error)}: "
        f"{type(error).__name__}: {error}. Fix call() for these shapes, or give the layer a "
        "compute_output_shape(input_shape).",
        shapes[0] if len(shapes) == 1 else shapes,
    )


def _failure_site(error) -> str:
    """file:line of the innermost frame of the traceback in the user's code (outside the
    engine, the standard library and installed packages), else of the innermost frame."""
    frames = traceback.extract_tb(error.__traceback__)
    library = [pathlib.Path(__file__).parents[1]] + [
        pathlib.Path(sysconfig.get_paths()[key]) for key in ("stdlib", "purelib", "platlib")
    ]
    users = [f for f in frames if not any(pathlib.Path(f.filename).is_relative_to(d)
                                          for d in library)]
    frame = (users or frames)[-1]
    return f"{frame.filename}:{frame.lineno}"
