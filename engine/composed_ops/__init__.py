"""keras.ops functions written once from the backend contract's ops, for every backend.

Each composes contract ops (engine/backend/contract.py), so it runs, differentiates and
compiles wherever they do, and a functional model records it as one op node. engine.ops
exports COMPOSED beside the contract's own ops.
"""

from __future__ import annotations

from engine.composed_ops import (
    arithmetic,
    axis_patterns,
    control_flow,
    creation,
    ctc,
    distances,
    fourier,
    image,
    linalg,
    math_ops,
    nan_reductions,
    nn,
    normalization_and_crossentropy,
    numpy_extra,
    shapes,
    spatial,
)

# Every composed op, by name: the public functions each module defines.
COMPOSED = {
    name: function
    for module in (arithmetic, creation, shapes, linalg, nn, image, spatial, control_flow,
                   numpy_extra, nan_reductions, math_ops, normalization_and_crossentropy, ctc,
                   axis_patterns, distances, fourier)
    for name, function in vars(module).items()
    if callable(function) and not name.startswith("_") and not isinstance(function, type)
    and getattr(function, "__module__", None) == module.__name__
}
