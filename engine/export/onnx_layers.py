"""Each engine layer as ONNX ops: `LAYERS[kind](builder, step) -> [output tensor names]`.

The ops follow the engine's own arithmetic (layers/*.py) step by step, so results agree to
float32 rounding. Spatial layers move channels first for ONNX's Conv and pooling and back.
"""

from __future__ import annotations

import math

import numpy as np

from engine.export.errors import ExportError
from engine.export.program import named_weights, same_padding

_CHANNELS = {3: ([0, 2, 1], [0, 2, 1]), 4: ([0, 3, 1, 2], [0, 2, 3, 1])}
# Activations ONNX's recurrent ops take, by engine name.
_RECURRENT_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu",
                          "softplus": "Softplus"}


def activation(b, name, x, hint):
    """The engine activation `name` of tensor x."""
    simple = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid", "softplus": "Softplus"}
    if name == "linear":
        return x
    if name in simple:
        return b.op(simple[name], [x], hint)
    if name == "leaky_relu":
        return b.op("LeakyRelu", [x], hint, alpha=0.2)
    if name == "softmax":
        return b.op("Softmax", [x], hint, axis=-1)
    if name in ("silu", "swish"):
        return b.op("Mul", [x, b.op("Sigmoid", [x], f"{hint}/sigmoid")], hint)
    if name == "gelu":  # exact: x * (1 + erf(x / sqrt(2))) / 2
        erf = b.op("Erf", [b.op("Mul", [x, b.constant("inv_sqrt2", 1 / math.sqrt(2))],
                                f"{hint}/scaled")], f"{hint}/erf")
        half = b.op("Mul", [x, b.constant("half", 0.5)], f"{hint}/half")
        return b.op("Mul", [half, b.op("Add", [erf, b.constant("one", 1.0)], f"{hint}/one_plus")],
                    hint)
    raise ExportError(f"Activation {name!r} has no ONNX translation yet.")


def _affine(b, x, kernel, bias, hint):
    y = b.op("MatMul", [x, b.constant(f"{hint}/kernel", kernel)], f"{hint}/matmul")
    return y if bias is None else b.op("Add", [y, b.constant(f"{hint}/bias", bias)], hint)


def _dense(b, step):
    layer, w = step.layer, named_weights(step.layer)
    y = _affine(b, step.args[0], w["kernel"], w.get("bias"), step.name)
    return [activation(b, layer.activation, y, f"{step.name}/activation")]


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


def _conv(b, step):
    layer, w = step.layer, named_weights(step.layer)
    rank = len(step.input_shape)
    kernel = w["kernel"].transpose((rank - 1, rank - 2, *range(rank - 2)))
    inputs = [_channels_first(b, step.args[0], rank, step.name),
              b.constant(f"{step.name}/kernel", kernel)]
    if "bias" in w:
        inputs.append(b.constant(f"{step.name}/bias", w["bias"]))
    y = b.op("Conv", inputs, f"{step.name}/conv", kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), dilations=list(layer.dilation_rate),
             **_padding(step, layer.kernel_size, layer.strides, layer.dilation_rate))
    y = _channels_last(b, y, rank, step.name)
    return [activation(b, layer.activation, y, f"{step.name}/activation")]


def _pooling(op_type, **extra):
    def emit(b, step):
        layer = step.layer
        x = _channels_first(b, step.args[0], 4, step.name)
        y = b.op(op_type, [x], f"{step.name}/pool", kernel_shape=list(layer.pool_size),
                 strides=list(layer.strides),
                 **_padding(step, layer.pool_size, layer.strides, (1, 1)), **extra)
        return [_channels_last(b, y, 4, step.name)]

    return emit


def _global_average_pooling(b, step):
    keep = int(step.layer.keepdims)
    return [b.op("ReduceMean", [step.args[0]], step.name, axes=[1, 2], keepdims=keep)]


def _reshape(b, step):
    shape = b.constant(f"{step.name}/shape", [0, *step.layer.target_shape], np.int64)
    return [b.op("Reshape", [step.args[0], shape], step.name)]


def _normalize(b, step, x, mean, inverse, beta):
    """(x - mean) * inverse + beta, as the engine's ops.normalize_by_moments computes."""
    y = b.op("Mul", [b.op("Sub", [x, mean], f"{step.name}/centered"), inverse],
             f"{step.name}/scaled")
    return y if beta is None else b.op("Add", [y, beta], f"{step.name}/shifted")


def _batch_normalization(b, step):
    layer, w = step.layer, named_weights(step.layer)
    rank = len(step.input_shape)
    shape = [1] * rank
    shape[layer.axis % rank] = -1
    inverse = (1.0 / np.sqrt(w["moving_variance"] + np.float32(layer.epsilon))).astype(np.float32)
    if "gamma" in w:
        inverse = inverse * w["gamma"]
    beta = b.constant(f"{step.name}/beta", w["beta"].reshape(shape)) if "beta" in w else None
    mean = b.constant(f"{step.name}/moving_mean", w["moving_mean"].reshape(shape))
    inverse = b.constant(f"{step.name}/inverse", inverse.reshape(shape))
    return [_normalize(b, step, step.args[0], mean, inverse, beta)]


def _layer_normalization(b, step):
    layer, w = step.layer, named_weights(step.layer)
    rank = len(step.input_shape)
    axes = list(layer._axes(step.input_shape))
    shape = [step.input_shape[a] if a in axes else 1 for a in range(rank)]
    x, name = step.args[0], step.name
    mean = b.op("ReduceMean", [x], f"{name}/mean", axes=axes, keepdims=1)
    centered = b.op("Sub", [x, mean], f"{name}/deviation")
    variance = b.op("ReduceMean", [b.op("Mul", [centered, centered], f"{name}/square")],
                    f"{name}/variance", axes=axes, keepdims=1)
    epsilon = b.constant(f"{name}/epsilon", layer.epsilon)
    root = b.op("Sqrt", [b.op("Add", [variance, epsilon], f"{name}/plus_epsilon")], f"{name}/std")
    inverse = b.op("Reciprocal", [root], f"{name}/inverse")
    if "gamma" in w:
        gamma = b.constant(f"{name}/gamma", w["gamma"].reshape(shape))
        inverse = b.op("Mul", [inverse, gamma], f"{name}/inverse_gamma")
    beta = b.constant(f"{name}/beta", w["beta"].reshape(shape)) if "beta" in w else None
    return [_normalize(b, step, x, mean, inverse, beta)]


def _embedding(b, step):
    table = b.constant(f"{step.name}/embeddings", named_weights(step.layer)["embeddings"])
    ids = b.op("Cast", [step.args[0]], f"{step.name}/ids", to=7)  # 7: INT64
    return [b.op("Gather", [table, ids], step.name, axis=0)]


def _merge(op_type):
    def emit(b, step):
        total, *rest = step.args[0]
        for i, other in enumerate(rest):
            total = b.op(op_type, [total, other], f"{step.name}/{i}")
        return [total]

    return emit


def _multi_head_attention(b, step):
    """Heads as (batch, heads, seq, dim) tensors: MatMul, Softmax, MatMul."""
    layer, w = step.layer, named_weights(step.layer)
    query, value = step.args[0], step.args[1]
    key = step.args[2] if len(step.args) > 2 else value
    heads, name = layer.num_heads, step.name

    def project(x, part, perm):
        kernel = w[f"{part}_kernel"]
        bias = w.get(f"{part}_bias")
        y = _affine(b, x, kernel.reshape(kernel.shape[0], -1),
                    None if bias is None else bias.reshape(-1), f"{name}/{part}")
        if part == "query":  # the engine scales the projected query by 1 / sqrt(key_dim)
            y = b.op("Mul", [y, b.constant(f"{name}/scale", 1.0 / math.sqrt(layer.key_dim))],
                     f"{name}/query_scaled")
        split = b.constant(f"{name}/{part}_heads", [0, 0, heads, -1], np.int64)
        y = b.op("Reshape", [y, split], f"{name}/{part}_split")
        return b.op("Transpose", [y], f"{name}/{part}_by_head", perm=perm)

    q = project(query, "query", [0, 2, 1, 3])
    k = project(key, "key", [0, 2, 3, 1])
    v = project(value, "value", [0, 2, 1, 3])
    scores = b.op("Softmax", [b.op("MatMul", [q, k], f"{name}/logits")], f"{name}/scores",
                  axis=-1)
    attended = b.op("Transpose", [b.op("MatMul", [scores, v], f"{name}/attended")],
                    f"{name}/by_time", perm=[0, 2, 1, 3])
    merged = b.op("Reshape", [attended, b.constant(f"{name}/merge", [0, 0, -1], np.int64)],
                  f"{name}/merged")
    kernel = w["attention_output_kernel"]
    return [_affine(b, merged, kernel.reshape(-1, kernel.shape[-1]),
                    w.get("attention_output_bias"), f"{name}/output")]


# ONNX's gate blocks as indices into Keras's: LSTM is (i, o, f, c) where Keras has (i, f, c, o).
_GATE_ORDER = {"SimpleRNN": [0], "LSTM": [0, 3, 1, 2], "GRU": [0, 1, 2]}
_ONNX_OP = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _recurrent(b, step):
    layer = step.layer
    names = [layer.activation] + ([] if type(layer).__name__ == "SimpleRNN"
                                  else [layer.recurrent_activation])
    if all(n in _RECURRENT_ACTIVATIONS for n in names):
        return _recurrent_op(b, step)
    return _unrolled(b, step)


def _recurrent_op(b, step):
    """ONNX's own RNN, LSTM or GRU op."""
    layer, w = step.layer, named_weights(step.layer)
    kind, name, units = type(layer).__name__, step.name, layer.units
    order = _GATE_ORDER[kind]

    def reorder(matrix):
        blocks = np.split(matrix, len(order), axis=-1)
        return np.concatenate([blocks[i] for i in order], axis=-1)

    x = b.op("Transpose", [step.args[0]], f"{name}/time_major", perm=[1, 0, 2])
    if layer.go_backwards:
        x = b.op("Slice", [x, *(b.constant(f"{name}/{n}", [v], np.int64) for n, v in
                                (("start", -1), ("end", -(2**63)), ("axis", 0), ("step", -1)))],
                 f"{name}/reversed")
    inputs = [x, b.constant(f"{name}/W", reorder(w["kernel"]).T[None]),
              b.constant(f"{name}/R", reorder(w["recurrent_kernel"]).T[None])]
    if "bias" in w:
        bias = w["bias"]
        both = bias if bias.ndim == 2 else np.stack([bias, np.zeros_like(bias)])
        inputs.append(b.constant(f"{name}/B", np.concatenate([reorder(r) for r in both])[None]))
    names = [_recurrent_activation(layer, "recurrent_activation")] if kind != "SimpleRNN" else []
    names += [_recurrent_activation(layer, "activation")] * (2 if kind == "LSTM" else 1)
    extra = {"linear_before_reset": int(layer.reset_after)} if kind == "GRU" else {}
    outputs = b.op(_ONNX_OP[kind], inputs, f"{name}/{_ONNX_OP[kind].lower()}",
                   outputs=1 + layer.state_count, hidden_size=units, activations=names, **extra)
    sequence, *states = outputs
    states = [b.op("Squeeze", [s, b.constant(f"{name}/state_axis", [0], np.int64)],
                   f"{name}/state") for s in states]
    if layer.return_sequences:
        squeezed = b.op("Squeeze", [sequence, b.constant(f"{name}/direction_axis", [1], np.int64)],
                        f"{name}/sequence_time_major")
        output = b.op("Transpose", [squeezed], f"{name}/sequence", perm=[1, 0, 2])
    else:
        output = states[0]
    return [output, *states] if layer.return_state else [output]


def _recurrent_activation(layer, attribute):
    return _RECURRENT_ACTIVATIONS[getattr(layer, attribute)]


def _unrolled(b, step):
    """The cell written out once per time step, for activations ONNX's RNN ops lack."""
    layer, w = step.layer, named_weights(step.layer)
    name, time = step.name, step.input_shape[1]
    if time is None:
        raise ExportError(
            f"Layer {layer.name!r} has activation={layer.activation!r}, which ONNX's recurrent "
            "ops lack, so it is written out step by step, which needs a fixed number of time "
            f"steps; its input has shape {step.input_shape}. Give the model's Input a fixed "
            "length, or use tanh, sigmoid, relu or softplus."
        )
    bias = w.get("bias")
    biases = (bias[0], bias[1]) if bias is not None and bias.ndim == 2 else (bias, None)
    weights = {"kernel": w["kernel"], "recurrent_kernel": w["recurrent_kernel"],
               "input_bias": biases[0], "recurrent_bias": biases[1]}
    x = step.args[0]
    batch = b.op("Slice", [b.op("Shape", [x], f"{name}/shape"),
                           b.constant(f"{name}/zero", [0], np.int64),
                           b.constant(f"{name}/one", [1], np.int64)], f"{name}/batch")
    size = b.op("Concat", [batch, b.constant(f"{name}/units", [layer.units], np.int64)],
                f"{name}/state_shape", axis=0)
    zeros = b.op("ConstantOfShape", [size], f"{name}/zeros",
                 value=b.numpy_helper.from_array(np.zeros(1, np.float32)))
    states, outputs = [zeros] * layer.state_count, []
    for t in (reversed(range(time)) if layer.go_backwards else range(time)):
        x_t = b.op("Gather", [x, b.constant(f"{name}/t", t, np.int64)], f"{name}/x{t}", axis=1)
        states = _CELLS[type(layer).__name__](b, layer, weights, x_t, states, f"{name}/step{t}")
        outputs.append(states[0])
    if layer.return_sequences:
        axis = b.constant(f"{name}/time_axis", [1], np.int64)
        steps = [b.op("Unsqueeze", [o, axis], f"{name}/output") for o in outputs]
        output = b.op("Concat", steps, f"{name}/sequence", axis=1)
    else:
        output = states[0]
    return [output, *states] if layer.return_state else [output]


def _project(b, x, weights, kernel, bias, hint):
    """x @ weights[kernel] (+ weights[bias]), with constants made on first use."""
    y = b.op("MatMul", [x, _weight(b, weights, kernel, hint)], f"{hint}/{kernel}")
    if bias is None or weights.get(bias) is None:
        return y
    return b.op("Add", [y, _weight(b, weights, bias, hint)], f"{hint}/{bias}")


def _weight(b, weights, key, hint):
    """The ONNX constant for weights[key], made once and remembered in `weights`."""
    if not isinstance(weights[key], str):
        weights[key] = b.constant(f"{hint.split('/')[0]}/{key}", weights[key])
    return weights[key]


def _simple_rnn_cell(b, layer, weights, x_t, states, hint):
    z = b.op("Add", [_project(b, x_t, weights, "kernel", "input_bias", hint),
                     _project(b, states[0], weights, "recurrent_kernel", None, hint)], f"{hint}/z")
    return [activation(b, layer.activation, z, f"{hint}/h")]


def _lstm_cell(b, layer, weights, x_t, states, hint):
    h, c = states
    z = b.op("Add", [_project(b, x_t, weights, "kernel", "input_bias", hint),
                     _project(b, h, weights, "recurrent_kernel", None, hint)], f"{hint}/z")
    i, f, g, o = b.op("Split", [z], f"{hint}/gates", outputs=4, axis=-1)
    i, f, o = (activation(b, layer.recurrent_activation, v, f"{hint}/gate") for v in (i, f, o))
    g = activation(b, layer.activation, g, f"{hint}/candidate")
    c = b.op("Add", [b.op("Mul", [f, c], f"{hint}/kept"), b.op("Mul", [i, g], f"{hint}/new")],
             f"{hint}/c")
    return [b.op("Mul", [o, activation(b, layer.activation, c, f"{hint}/c_out")], f"{hint}/h"), c]


def _gru_cell(b, layer, weights, x_t, states, hint):
    (h,) = states
    x_z, x_r, x_h = b.op("Split", [_project(b, x_t, weights, "kernel", "input_bias", hint)],
                         f"{hint}/x_gates", outputs=3, axis=-1)
    gate = layer.recurrent_activation
    if layer.reset_after:
        recurrent = _project(b, h, weights, "recurrent_kernel", "recurrent_bias", hint)
        h_z, h_r, h_h = b.op("Split", [recurrent], f"{hint}/h_gates", outputs=3, axis=-1)
        z = activation(b, gate, b.op("Add", [x_z, h_z], f"{hint}/z_in"), f"{hint}/z")
        r = activation(b, gate, b.op("Add", [x_r, h_r], f"{hint}/r_in"), f"{hint}/r")
        reset = b.op("Mul", [r, h_h], f"{hint}/reset")
    else:
        for i, part in enumerate(("u_z", "u_r", "u_h")):
            if part not in weights:
                weights[part] = np.split(weights["recurrent_kernel"], 3, axis=-1)[i]
        z_in = b.op("Add", [x_z, _project(b, h, weights, "u_z", None, hint)], f"{hint}/z_in")
        r_in = b.op("Add", [x_r, _project(b, h, weights, "u_r", None, hint)], f"{hint}/r_in")
        z, r = activation(b, gate, z_in, f"{hint}/z"), activation(b, gate, r_in, f"{hint}/r")
        reset = _project(b, b.op("Mul", [r, h], f"{hint}/r_h"), weights, "u_h", None, hint)
    candidate = activation(b, layer.activation, b.op("Add", [x_h, reset], f"{hint}/h_in"),
                           f"{hint}/candidate")
    one_minus_z = b.op("Sub", [b.constant(f"{hint}/one", 1.0), z], f"{hint}/one_minus_z")
    return [b.op("Add", [b.op("Mul", [z, h], f"{hint}/kept"),
                         b.op("Mul", [one_minus_z, candidate], f"{hint}/new")], f"{hint}/h")]


_CELLS = {"SimpleRNN": _simple_rnn_cell, "LSTM": _lstm_cell, "GRU": _gru_cell}


LAYERS = {
    "Dense": _dense,
    "Conv1D": _conv,
    "Conv2D": _conv,
    "MaxPooling2D": _pooling("MaxPool"),
    "AveragePooling2D": _pooling("AveragePool", count_include_pad=0),
    "GlobalAveragePooling2D": _global_average_pooling,
    "Flatten": lambda b, step: [b.op("Flatten", [step.args[0]], step.name, axis=1)],
    "Reshape": _reshape,
    "Dropout": lambda b, step: [step.args[0]],
    "BatchNormalization": _batch_normalization,
    "LayerNormalization": _layer_normalization,
    "Embedding": _embedding,
    "Activation": lambda b, step: [activation(b, step.layer.activation, step.args[0], step.name)],
    "Add": _merge("Add"),
    "Multiply": _merge("Mul"),
    "Concatenate": lambda b, step: [b.op("Concat", step.args[0], step.name,
                                         axis=step.layer.axis)],
    "MultiHeadAttention": _multi_head_attention,
    "SimpleRNN": _recurrent,
    "LSTM": _recurrent,
    "GRU": _recurrent,
}
