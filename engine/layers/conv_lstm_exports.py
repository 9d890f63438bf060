"""How ConvLSTM1D/2D/3D export: PyTorch's generated `ConvLSTMLoop`, JAX's and TensorFlow's
`apply_conv_lstm`, and ONNX's convolutions written out once per time step (ONNX's LSTM op
has no convolutions). Weights keep Keras's layout everywhere."""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.layers.convolution import torch_kernel
from engine.layers.recurrent import loop_keywords, loop_targets


def conv_lstm_exports() -> dict:
    """The translations, for `exports`."""
    return {"torch": _to_torch, "torch_weights": _torch_weights, "arrays": _to_arrays,
            "onnx": _to_onnx}


def _to_torch(step, torch):
    layer = step.layer
    arguments = [str(step.input_shape[-1]), str(layer.filters),
                 *(f"{name}={torch.literal(tuple(getattr(layer, name)))}"
                   for name in ("kernel_size", "strides", "dilation_rate")),
                 f"padding={torch.literal(layer.padding)}",
                 *loop_keywords(layer, torch.function, use_bias=True)]
    init = torch.module(step, "ConvLSTMLoop", arguments)
    target, after = loop_targets(layer, step.outputs)
    pad = torch.INDENT
    forward = [f"{pad}{target} = self.{step.name}({step.args[0]})", *(pad + a for a in after)]
    return torch.Emitted(init, forward, ("ConvLSTMLoop",))


def _torch_weights(step, torch):
    return torch.named_weights(step.layer)  # the loop keeps Keras's names and layout


def _to_arrays(step, code):
    """`apply_conv_lstm` returns (every step's output, final states); pick what the layer
    returns."""
    layer = step.layer
    arguments = [code.params(step), step.args[0], f"strides={code.shape(layer.strides)}",
                 f"padding={code.literal(layer.padding.upper())}",
                 f"dilation={code.shape(layer.dilation_rate)}",
                 *loop_keywords(layer, code.function, use_bias=False)]
    target, after = loop_targets(layer, step.outputs)
    return code.lines(f"{target} = apply_conv_lstm", arguments) + [
        f"{code.indent}{line}" for line in after]


def _to_onnx(b, step, onnx):
    layer, w = step.layer, onnx.named_weights(step.layer)
    name, time = step.name, step.input_shape[1]
    if time is None:
        raise onnx.ExportError(
            f"Layer {layer.name!r} ({type(layer).__name__}) is written out in ONNX step by "
            "step (ONNX's LSTM op has no convolutions), which needs a fixed number of time "
            f"steps; its input has shape {step.input_shape}. Give the model's Input a fixed "
            "length."
        )
    frames = dataclasses.replace(step, arg_shapes=[(None, *step.input_shape[2:])])
    window = dict(kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
                  dilations=list(layer.dilation_rate),
                  **onnx.padding(frames, layer.kernel_size, layer.strides, layer.dilation_rate))
    recurrent = dict(kernel_shape=list(layer.kernel_size), auto_pad="SAME_UPPER")
    kernel = [b.constant(f"{name}/kernel", torch_kernel(w["kernel"]))]
    if "bias" in w:
        kernel.append(b.constant(f"{name}/bias", w["bias"]))
    recurrent_kernel = b.constant(f"{name}/recurrent_kernel", torch_kernel(w["recurrent_kernel"]))
    rank = layer.rank + 2  # of a frame
    h = c = None
    outputs = []
    for t in (reversed(range(time)) if layer.go_backwards else range(time)):
        hint = f"{name}/step{t}"
        x_t = b.op("Gather", [step.args[0], b.constant(f"{name}/t", t, np.int64)],
                   f"{hint}/x", axis=1)
        z = b.op("Conv", [onnx.channels_first(b, x_t, rank, hint), *kernel], f"{hint}/conv",
                 **window)
        if h is not None:  # h and c start at zero: the first step has no recurrent term
            z = b.op("Add", [z, b.op("Conv", [h, recurrent_kernel], f"{hint}/recurrent_conv",
                                     **recurrent)], f"{hint}/z")
        h, c = _onnx_gates(b, onnx, layer, z, c, hint)
        outputs.append(onnx.channels_last(b, h, rank, f"{hint}/h"))
    states = [outputs[-1], onnx.channels_last(b, c, rank, f"{name}/c")]
    if layer.return_sequences:
        axis = b.constant(f"{name}/time_axis", [1], np.int64)
        output = b.op("Concat", [b.op("Unsqueeze", [o, axis], f"{name}/output") for o in outputs],
                      f"{name}/sequence", axis=1)
    else:
        output = states[0]
    return [output, *states] if layer.return_state else [output]


def _onnx_gates(b, onnx, layer, z, c, hint):
    """The new (h, c), channels first, from z's gate blocks i, f, c, o (channel axis 1);
    c None is zero."""
    i, f, g, o = b.op("Split", [z], f"{hint}/gates", outputs=4, axis=1)
    i, f, o = (onnx.activation(b, layer.recurrent_activation, v, f"{hint}/gate")
               for v in (i, f, o))
    new = b.op("Mul", [i, onnx.activation(b, layer.activation, g, f"{hint}/candidate")],
               f"{hint}/new")
    if c is not None:
        new = b.op("Add", [b.op("Mul", [f, c], f"{hint}/kept"), new], f"{hint}/c")
    h = b.op("Mul", [o, onnx.activation(b, layer.activation, new, f"{hint}/c_out")], f"{hint}/h")
    return h, new
