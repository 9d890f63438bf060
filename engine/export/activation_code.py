"""Every engine activation (engine/activations.py) in the code of each framework and in ONNX.

A code translation is an expression template with one "{}" for the input; an activation a
framework lacks is a helper function, written into the generated file when its code calls it.
Helpers and ONNX graphs compute as engine/activations.py does, so exports agree with the engine
to float rounding.
"""

from __future__ import annotations

import math

import numpy as np

from engine.activations import SELU_ALPHA, SELU_SCALE

TORCH = {
    "linear": "{}",
    "relu": "torch.relu({})",
    "leaky_relu": "F.leaky_relu({}, 0.2)",
    "gelu": "F.gelu({})",
    "silu": "F.silu({})",
    "swish": "F.silu({})",
    "tanh": "torch.tanh({})",
    "sigmoid": "torch.sigmoid({})",
    "softmax": "torch.softmax({}, dim=-1)",
    "softplus": "F.softplus({})",
    "celu": "F.celu({})",
    "elu": "F.elu({})",
    "exponential": "torch.exp({})",
    "glu": "F.glu({}, dim=-1)",
    "hard_shrink": "F.hardshrink({}, 0.5)",
    "hard_sigmoid": "F.hardsigmoid({})",
    "hard_silu": "F.hardswish({})",
    "hard_swish": "F.hardswish({})",
    "hard_tanh": "F.hardtanh({})",
    "log_sigmoid": "F.logsigmoid({})",
    "log_softmax": "torch.log_softmax({}, dim=-1)",
    "mish": "F.mish({})",
    "relu6": "F.relu6({})",
    "selu": "F.selu({})",
    "soft_shrink": "F.softshrink({}, 0.5)",
    "softsign": "F.softsign({})",
    "sparse_plus": "sparse_plus({})",
    "sparse_sigmoid": "torch.clamp(({} + 1.0) / 2.0, 0.0, 1.0)",
    "sparsemax": "sparsemax({})",
    "squareplus": "squareplus({})",
    "tanh_shrink": "F.tanhshrink({})",
}

JAX = {
    "linear": "{}",
    "relu": "jax.nn.relu({})",
    "leaky_relu": "jax.nn.leaky_relu({}, negative_slope=0.2)",
    "gelu": "jax.nn.gelu({}, approximate=False)",
    "silu": "jax.nn.silu({})",
    "swish": "jax.nn.silu({})",
    "tanh": "jnp.tanh({})",
    "sigmoid": "jax.nn.sigmoid({})",
    "softmax": "jax.nn.softmax({}, axis=-1)",
    "softplus": "jax.nn.softplus({})",
    "celu": "jax.nn.celu({})",
    "elu": "jax.nn.elu({})",
    "exponential": "jnp.exp({})",
    "glu": "jax.nn.glu({})",
    "hard_shrink": "hard_shrink({})",
    "hard_sigmoid": "jax.nn.hard_sigmoid({})",
    "hard_silu": "jax.nn.hard_silu({})",
    "hard_swish": "jax.nn.hard_silu({})",
    "hard_tanh": "jax.nn.hard_tanh({})",
    "log_sigmoid": "jax.nn.log_sigmoid({})",
    "log_softmax": "jax.nn.log_softmax({}, axis=-1)",
    "mish": "jax.nn.mish({})",
    "relu6": "jax.nn.relu6({})",
    "selu": "jax.nn.selu({})",
    "soft_shrink": "soft_shrink({})",
    "softsign": "jax.nn.soft_sign({})",
    "sparse_plus": "jax.nn.sparse_plus({})",
    "sparse_sigmoid": "jax.nn.sparse_sigmoid({})",
    "sparsemax": "sparsemax({})",
    "squareplus": "jax.nn.squareplus({})",
    "tanh_shrink": "tanh_shrink({})",
}

TENSORFLOW = {
    "linear": "{}",
    "relu": "tf.nn.relu({})",
    "leaky_relu": "tf.nn.leaky_relu({}, alpha=0.2)",
    "gelu": "tf.nn.gelu({}, approximate=False)",
    "silu": "tf.nn.silu({})",
    "swish": "tf.nn.silu({})",
    "tanh": "tf.tanh({})",
    "sigmoid": "tf.sigmoid({})",
    "softmax": "tf.nn.softmax({}, axis=-1)",
    "softplus": "tf.nn.softplus({})",
    "celu": "celu({})",
    "elu": "tf.nn.elu({})",
    "exponential": "tf.exp({})",
    "glu": "glu({})",
    "hard_shrink": "hard_shrink({})",
    "hard_sigmoid": "hard_sigmoid({})",
    "hard_silu": "hard_silu({})",
    "hard_swish": "hard_silu({})",
    "hard_tanh": "tf.clip_by_value({}, -1.0, 1.0)",
    "log_sigmoid": "tf.math.log_sigmoid({})",
    "log_softmax": "tf.nn.log_softmax({}, axis=-1)",
    "mish": "mish({})",
    "relu6": "tf.nn.relu6({})",
    "selu": "tf.nn.selu({})",
    "soft_shrink": "soft_shrink({})",
    "softsign": "tf.nn.softsign({})",
    "sparse_plus": "sparse_plus({})",
    "sparse_sigmoid": "tf.clip_by_value(({} + 1.0) / 2.0, 0.0, 1.0)",
    "sparsemax": "sparsemax({})",
    "squareplus": "squareplus({})",
    "tanh_shrink": "tanh_shrink({})",
}


def _helper(name: str, doc: str, *body: str) -> list[str]:
    return [f"def {name}(x):", f'    """{doc}"""', *(f"    {line}" for line in body)]


_SPARSEMAX_DOC = ("Keras's sparsemax over the last axis: x_j is in the support when "
                  "1 + k_j x_j > S_j,\n    with k_j the count and S_j the sum of the x_i >= x_j.")

TORCH_HELPERS = {
    "sparse_plus": _helper(
        "sparse_plus", "0 below -1, x above 1, (x + 1)^2 / 4 between.",
        "return torch.where(x <= -1.0, 0.0, torch.where(x >= 1.0, x, (x + 1.0) ** 2 / 4.0))"),
    "squareplus": _helper("squareplus", "(x + sqrt(x^2 + 4)) / 2.",
                          "return (x + torch.sqrt(x * x + 4.0)) / 2.0"),
    "sparsemax": _helper(
        "sparsemax", _SPARSEMAX_DOC,
        "others = x.unsqueeze(-1)",
        "larger = (others >= x.unsqueeze(-2)).to(x.dtype)",
        "count, greater_sum = larger.sum(-2), (larger * others).sum(-2)",
        "support = (1.0 + count * x > greater_sum).to(x.dtype)",
        "tau = ((support * x).sum(-1, keepdim=True) - 1.0) / support.sum(-1, keepdim=True)",
        "return torch.relu(x - tau)"),
}

JAX_HELPERS = {
    "hard_shrink": _helper("hard_shrink", "x where |x| > 0.5, else 0.",
                           "return jnp.where(jnp.abs(x) > 0.5, x, 0.0)"),
    "soft_shrink": _helper(
        "soft_shrink", "x moved toward 0 by 0.5, and 0 within it.",
        "return jnp.where(x > 0.5, x - 0.5, jnp.where(x < -0.5, x + 0.5, 0.0))"),
    "tanh_shrink": _helper("tanh_shrink", "x - tanh(x).", "return x - jnp.tanh(x)"),
    "sparsemax": _helper(
        "sparsemax", _SPARSEMAX_DOC,
        "others = jnp.expand_dims(x, -1)",
        "larger = (others >= jnp.expand_dims(x, -2)).astype(x.dtype)",
        "count, greater_sum = larger.sum(-2), (larger * others).sum(-2)",
        "support = (1.0 + count * x > greater_sum).astype(x.dtype)",
        "tau = ((support * x).sum(-1, keepdims=True) - 1.0) / support.sum(-1, keepdims=True)",
        "return jax.nn.relu(x - tau)"),
}

TENSORFLOW_HELPERS = {
    "celu": _helper("celu", "max(x, 0) + min(0, exp(x) - 1).",
                    "return tf.nn.relu(x) + tf.exp(tf.minimum(x, 0.0)) - 1.0"),
    "glu": _helper("glu", "a * sigmoid(b) for the halves a, b of the last axis.",
                   "a, b = tf.split(x, 2, axis=-1)", "return a * tf.sigmoid(b)"),
    "hard_sigmoid": _helper("hard_sigmoid", "relu6(x + 3) / 6.",
                            "return tf.clip_by_value(x / 6.0 + 0.5, 0.0, 1.0)"),
    "hard_silu": _helper("hard_silu", "x * relu6(x + 3) / 6.",
                         "return x * tf.clip_by_value(x / 6.0 + 0.5, 0.0, 1.0)"),
    "hard_shrink": _helper("hard_shrink", "x where |x| > 0.5, else 0.",
                           "return tf.where(tf.abs(x) > 0.5, x, 0.0)"),
    "soft_shrink": _helper(
        "soft_shrink", "x moved toward 0 by 0.5, and 0 within it.",
        "return tf.where(x > 0.5, x - 0.5, tf.where(x < -0.5, x + 0.5, 0.0))"),
    "tanh_shrink": _helper("tanh_shrink", "x - tanh(x).", "return x - tf.tanh(x)"),
    "mish": _helper("mish", "x * tanh(softplus(x)).", "return x * tf.tanh(tf.nn.softplus(x))"),
    "sparse_plus": _helper(
        "sparse_plus", "0 below -1, x above 1, (x + 1)^2 / 4 between.",
        "return tf.where(x <= -1.0, 0.0, tf.where(x >= 1.0, x, tf.square(x + 1.0) / 4.0))"),
    "squareplus": _helper("squareplus", "(x + sqrt(x^2 + 4)) / 2.",
                          "return (x + tf.sqrt(tf.square(x) + 4.0)) / 2.0"),
    "sparsemax": _helper(
        "sparsemax", _SPARSEMAX_DOC,
        "others = tf.expand_dims(x, -1)",
        "larger = tf.cast(others >= tf.expand_dims(x, -2), x.dtype)",
        "count = tf.reduce_sum(larger, -2)",
        "greater_sum = tf.reduce_sum(larger * others, -2)",
        "support = tf.cast(1.0 + count * x > greater_sum, x.dtype)",
        "tau = (tf.reduce_sum(support * x, -1, keepdims=True) - 1.0) / tf.reduce_sum(",
        "    support, -1, keepdims=True)",
        "return tf.nn.relu(x - tau)"),
}

# Names the helpers give themselves in generated code (engine/export/program.py reserves them)
HELPER_NAMES = frozenset(TORCH_HELPERS) | frozenset(JAX_HELPERS) | frozenset(TENSORFLOW_HELPERS)


# ------------------------------------------------------------------------------------ ONNX
# Activations that are one ONNX op (opset 17), with its attributes.
_ONNX_OPS = {
    "relu": ("Relu", {}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "softplus": ("Softplus", {}),
    "softsign": ("Softsign", {}),
    "exponential": ("Exp", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": 0.2}),
    "elu": ("Elu", {"alpha": 1.0}),
    "celu": ("Celu", {"alpha": 1.0}),
    "selu": ("Selu", {"alpha": SELU_ALPHA, "gamma": SELU_SCALE}),
    "hard_sigmoid": ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}),
    "hard_silu": ("HardSwish", {}),
    "hard_swish": ("HardSwish", {}),
    "hard_shrink": ("Shrink", {"lambd": 0.5, "bias": 0.0}),
    "soft_shrink": ("Shrink", {"lambd": 0.5, "bias": 0.5}),
    "softmax": ("Softmax", {"axis": -1}),
    "log_softmax": ("LogSoftmax", {"axis": -1}),
}
_ONNX_CLIPS = {"hard_tanh": (-1.0, 1.0), "relu6": (0.0, 6.0)}


def to_onnx(b, name, x, hint):
    """The ONNX tensor of activation `name` of tensor x, built with the ONNX builder `b`."""
    if name == "linear":
        return x
    if name in _ONNX_OPS:
        op_type, attributes = _ONNX_OPS[name]
        return b.op(op_type, [x], hint, **attributes)
    if name in _ONNX_CLIPS:
        low, high = _ONNX_CLIPS[name]
        return _clip(b, x, low, high, hint)
    return _ONNX_COMPOSED[name](_Ops(b, hint), x)


def _clip(b, x, low, high, hint):
    return b.op("Clip", [x, b.constant(f"{hint}/low", low), b.constant(f"{hint}/high", high)],
                hint)


class _Ops:
    """Arithmetic on ONNX tensor names, each op named after the activation's hint."""

    def __init__(self, b, hint):
        self.b, self.hint = b, hint

    def __getattr__(self, op_type):
        return lambda *inputs, **attributes: self.b.op(
            op_type, [self._tensor(v) for v in inputs], f"{self.hint}/{op_type.lower()}",
            **attributes)

    def _tensor(self, value):
        if isinstance(value, str):
            return value
        return self.b.constant(f"{self.hint}/constant", value)

    def axes(self, *axes):
        return self.b.constant(f"{self.hint}/axes", list(axes), np.int64)


def _gelu(o, x):  # exact: x * (1 + erf(x / sqrt(2))) / 2
    return o.Mul(o.Mul(x, 0.5), o.Add(o.Erf(o.Mul(x, 1 / math.sqrt(2))), 1.0))


def _sparse_plus(o, x):
    middle = o.Div(o.Mul(o.Add(x, 1.0), o.Add(x, 1.0)), 4.0)
    return o.Where(o.LessOrEqual(x, -1.0), 0.0, o.Where(o.GreaterOrEqual(x, 1.0), x, middle))


def _glu(o, x):
    first, second = o.b.op("Split", [x], f"{o.hint}/split", outputs=2, axis=-1)
    return o.Mul(first, o.Sigmoid(second))


def _sparsemax(o, x):
    others = o.Unsqueeze(x, o.axes(-1))
    larger = o.Cast(o.GreaterOrEqual(others, o.Unsqueeze(x, o.axes(-2))), to=1)
    count = o.ReduceSum(larger, o.axes(-2), keepdims=0)
    greater_sum = o.ReduceSum(o.Mul(larger, others), o.axes(-2), keepdims=0)
    support = o.Cast(o.Greater(o.Add(o.Mul(count, x), 1.0), greater_sum), to=1)
    size = o.ReduceSum(support, o.axes(-1), keepdims=1)
    tau = o.Div(o.Sub(o.ReduceSum(o.Mul(support, x), o.axes(-1), keepdims=1), 1.0), size)
    return o.Relu(o.Sub(x, tau))


_ONNX_COMPOSED = {
    "silu": lambda o, x: o.Mul(x, o.Sigmoid(x)),
    "swish": lambda o, x: o.Mul(x, o.Sigmoid(x)),
    "gelu": _gelu,
    "log_sigmoid": lambda o, x: o.Neg(o.Softplus(o.Neg(x))),
    "tanh_shrink": lambda o, x: o.Sub(x, o.Tanh(x)),
    "mish": lambda o, x: o.Mul(x, o.Tanh(o.Softplus(x))),
    "squareplus": lambda o, x: o.Mul(o.Add(x, o.Sqrt(o.Add(o.Mul(x, x), 4.0))), 0.5),
    "sparse_sigmoid": lambda o, x: _clip(o.b, o.Mul(o.Add(x, 1.0), 0.5), 0.0, 1.0,
                                         f"{o.hint}/clip"),
    "sparse_plus": _sparse_plus,
    "glu": _glu,
    "sparsemax": _sparsemax,
}
