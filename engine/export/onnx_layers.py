"""Each engine layer as ONNX ops, from the `onnx` translation registered in its own file.

`layer_ops(kind)(builder, step) -> [output tensor names]` runs a layer's translation with TOOLKIT,
the helpers here, as its `onnx` argument. The ops follow the engine's own arithmetic
(layers/*.py) step by step, so results agree to float32 rounding. Spatial layers move channels
first for ONNX's Conv and pooling and back.
"""

from __future__ import annotations

import types

from engine.export import activation_code
from engine.export.errors import ExportError
from engine.export.program import named_weights, same_padding
from engine.layers.declaration import translation

_CHANNELS = {3: ([0, 2, 1], [0, 2, 1]), 4: ([0, 3, 1, 2], [0, 2, 3, 1]),
             5: ([0, 4, 1, 2, 3], [0, 2, 3, 4, 1])}
# Activations ONNX's recurrent ops take, by engine name.
_RECURRENT_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu",
                          "softplus": "Softplus"}


def activation(b, name, x, hint):
    """The engine activation `name` of tensor x."""
    return activation_code.to_onnx(b, name, x, hint)


def _affine(b, x, kernel, bias, hint):
    y = b.op("MatMul", [x, b.constant(f"{hint}/kernel", kernel)], f"{hint}/matmul")
    return y if bias is None else b.op("Add", [y, b.constant(f"{hint}/bias", bias)], hint)


def _channels_first(b, x, rank, hint):
    return b.op("Transpose", [x], f"{hint}/channels_first", perm=_CHANNELS[rank][0])


def _channels_last(b, x, rank, hint):
    return b.op("Transpose", [x], f"{hint}/channels_last", perm=_CHANNELS[rank][1])


def _padding(step, windows, strides, dilations) -> dict:
    """ONNX pads (all befores, then all afters) for the layer's padding."""
    if step.layer.padding == "valid":
        return {}
    pads = same_padding(step.input_shape, windows, strides, dilations)
    if pads is None:  # sizes known only at run time: ONNX pads as TensorFlow does
        return {"auto_pad": "SAME_UPPER"}
    return {"pads": [p[0] for p in pads] + [p[1] for p in pads]}


def _normalize(b, step, x, mean, inverse, beta):
    """(x - mean) * inverse + beta, as the engine's ops.normalize_by_moments computes."""
    y = b.op("Mul", [b.op("Sub", [x, mean], f"{step.name}/centered"), inverse],
             f"{step.name}/scaled")
    return y if beta is None else b.op("Add", [y, beta], f"{step.name}/shifted")


def layer_ops(kind: str):
    """`ops(builder, step) -> [output tensor names]` for layer class `kind`: its registered
    `onnx` translation given TOOLKIT; None when it has none."""
    translate = translation(kind, "onnx")
    if translate is None:
        return None
    return lambda builder, step: translate(builder, step, TOOLKIT)

# What a layer's ONNX translation is given as `onnx` (engine/layers/declaration.py).
TOOLKIT = types.SimpleNamespace(
    ExportError=ExportError,
    RECURRENT_ACTIVATIONS=_RECURRENT_ACTIVATIONS,
    activation=activation,
    affine=_affine,
    channels_first=_channels_first,
    channels_last=_channels_last,
    named_weights=named_weights,
    normalize=_normalize,
    padding=_padding,
)
