"""TensorFlow: the model as a `tf.Module` holding its weights as tf.Variables.

Only core TensorFlow (tf.nn, tf.linalg, tf.scan); no Keras. Calling the module computes at
inference: Dropout passes values through, BatchNormalization uses its moving statistics.
"""

from __future__ import annotations

from engine.export import activation_code
from engine.export.codegen import functional_code, jax_code, source
from engine.export.codegen.functional_code import Dialect, forget_bias_split, initializer_of
from engine.export.program import Program


def _from_jax(name: str, replacements: dict) -> list[str]:
    """A JAX helper's source, respelled in TensorFlow (the helpers differ only in op names)."""
    lines = []
    for line in jax_code.DIALECT.helpers[name]:
        for old, new in replacements.items():
            line = line.replace(old, new)
        lines.append(line)
    return lines


_SPELLING = {
    "jnp.einsum": "tf.einsum",
    "jnp.split": "tf.split",
    "jnp.tanh": "tf.tanh",
    "jax.nn.sigmoid": "tf.sigmoid",
    "jax.nn.softmax": "tf.nn.softmax",
    "jnp.zeros((x.shape[0],": "tf.zeros((tf.shape(x)[0],",
    ", x.dtype)": ")",
}

DIALECT = Dialect(
    framework="TensorFlow",
    activations=activation_code.TENSORFLOW,
    templates={
        "max_pool": "tf.nn.max_pool({x}, {window}, {strides}, {padding})",
        "average_pool": "tf.nn.avg_pool({x}, {window}, {strides}, {padding})",
        "mean": "tf.reduce_mean({x}, axis={axes}{keep})",
        "max": "tf.reduce_max({x}, axis={axes}{keep})",
        "reshape": "tf.reshape({x}, (tf.shape({x})[0], {sizes}))",
        "take": "tf.gather({table}, {x}, axis=0)",
        "concatenate": "tf.concat({x}, axis={axis})",
        "repeat": "tf.repeat({x}, {times}, axis={axis})",
        "transpose": "tf.transpose({x}, {axes})",
        "pad": "tf.pad({x}, {pads})",
        "upsample_bilinear": "upsample_bilinear({x}, {rows}, {columns})",
        "leaky_relu": "tf.nn.leaky_relu({x}, alpha={slope})",
        "elu": "apply_elu({x}, {alpha})",
        "softmax": "apply_softmax({x}, {axis})",
        "float": "tf.cast({x}, tf.float32)",
        "sum": "tf.reduce_sum({x}, axis={axes})",
        "one_hot": "tf.one_hot(tf.cast({x}, tf.int32), {depth})",
        "bucket": "bucketize({x}, {boundaries})",
        "array": "tf.constant({values}, tf.float32)",
        "resize": "resize_images({x}, {height}, {width}, {method})",
        "maximum": "tf.maximum({x}, {y})",
        "minimum": "tf.minimum({x}, {y})",
        "einsum": "tf.einsum",
        "l2_normalize": "l2_normalize({x}, {axis})",
    },
    helpers={
        **activation_code.TENSORFLOW_HELPERS,
        "apply_einsum_dense": _from_jax("apply_einsum_dense", _SPELLING),
        "l2_normalize": _from_jax("l2_normalize", {
            "jnp.sqrt": "tf.sqrt", "jnp.sum": "tf.reduce_sum", "jnp.square": "tf.square",
            "jnp.maximum": "tf.maximum"}),
        "upsample_bilinear": [
            "def upsample_bilinear(x, rows, columns):",
            '    """Channels-last x resized by whole factors, between pixel centres."""',
            '    return tf.image.resize(x, tf.shape(x)[1:3] * (rows, columns), "bilinear")',
        ],
        "apply_dense": [
            "def apply_dense(p, x):",
            '    """x @ kernel + bias, over the last axis."""',
            '    return tf.tensordot(x, p["kernel"], 1) + p.get("bias", 0.0)',
        ],
        "apply_relu": [
            "def apply_relu(x, negative_slope, max_value, threshold):",
            '    """Keras\'s ReLU: x above threshold, at most max_value; a slope below."""',
            "    y = x * tf.cast(x > threshold, x.dtype) if threshold else tf.nn.relu(x)",
            "    if max_value is not None:",
            "        y = tf.clip_by_value(y, 0.0, max_value)",
            "    return y - negative_slope * tf.nn.relu(threshold - x)",
        ],
        "apply_prelu": _from_jax("apply_prelu", {"jax.nn.relu": "tf.nn.relu"}),
        "resize_images": [
            "def resize_images(x, height, width, method):",
            '    """Channels-last images resized at half-pixel centres, without antialiasing."""',
            "    return tf.image.resize(x, (height, width), method)",
        ],
        "bucketize": [
            "def bucketize(x, boundaries):",
            '    """How many of the increasing `boundaries` are at or below each value."""',
            "    above = tf.cast(x, tf.float32)[..., None] >= tf.constant(boundaries)",
            "    return tf.reduce_sum(tf.cast(above, tf.int32), axis=-1)",
        ],
        "apply_normalization": _from_jax("apply_normalization", {
            "jnp.asarray(x, jnp.float32)": "tf.cast(x, tf.float32)", "jnp.asarray": "tf.cast",
            "jnp.reshape": "tf.reshape", "jnp.maximum": "tf.maximum", "jnp.sqrt": "tf.sqrt"}),
        "apply_elu": [
            "def apply_elu(x, alpha):",
            '    """x for x > 0, alpha * (exp(x) - 1) below."""',
            "    return tf.where(x > 0.0, x, alpha * tf.math.expm1(tf.minimum(x, 0.0)))",
        ],
        "apply_softmax": [
            "def apply_softmax(x, axis):",
            '    """exp(x) / sum(exp(x)) over `axis`: an axis or a tuple of them."""',
            "    return tf.exp(x - tf.reduce_logsumexp(x, axis=axis, keepdims=True))",
        ],
        "apply_conv": [
            "def apply_conv(p, x, strides, padding, dilation):",
            '    """Channels-last convolution, kernel laid out (*window, in / groups, out), plus '
            'bias;',
            "    grouped 3-D convolution runs group by group, which TensorFlow's CPU kernels "
            'lack."""',
            '    kernel = p["kernel"]',
            "    groups = x.shape[-1] // kernel.shape[-2]",
            "    if x.shape.rank == 5 and groups > 1:",
            "        pairs = zip(tf.split(x, groups, axis=-1), tf.split(kernel, groups, axis=-1))",
            "        y = tf.concat([tf.nn.convolution(a, b, strides, padding, dilations=dilation)",
            "                       for a, b in pairs], axis=-1)",
            "    else:",
            "        y = tf.nn.convolution(x, kernel, strides, padding, dilations=dilation)",
            '    return y + p.get("bias", 0.0)',
        ],
        "apply_depthwise_conv": [
            "def apply_depthwise_conv(p, x, strides, padding, dilation):",
            '    """Each channel of x convolved on its own: the kernel (*window, in, multiplier) '
            'as a',
            '    grouped one, (*window, 1, in * multiplier), plus bias."""',
            '    kernel = tf.reshape(p["kernel"], [*p["kernel"].shape[:-2], 1, -1])',
            '    return apply_conv({**p, "kernel": kernel}, x, strides, padding, dilation)',
        ],
        "apply_separable_conv": _from_jax("apply_separable_conv", {}),  # the same source
        "apply_conv_transpose": [
            "def apply_conv_transpose(p, x, strides, crops, dilation):",
            '    """Channels-last transposed convolution, kernel laid out (*window, out, in): '
            'every',
            "    cell the kernel reaches, then (before, after) cells cropped (negative after: "
            "zeros",
            '    added), plus bias."""',
            '    kernel = p["kernel"]',
            "    wholes = [(n - 1) * s + (k - 1) * d + 1",
            "              for n, s, k, d in zip(x.shape[1:-1], strides, kernel.shape, dilation)]",
            "    y = tf.nn.conv_transpose(x, kernel, [tf.shape(x)[0], *wholes, kernel.shape[-2]], "
            "strides,",
            '                             "VALID", dilations=dilation)',
            "    kept = [slice(before, whole + min(after, 0))",
            "            for (before, after), whole in zip(crops, wholes)]",
            "    y = tf.pad(y[(slice(None), *kept, slice(None))],",
            "               [(0, 0), *[(0, max(after, 0)) for _, after in crops], (0, 0)])",
            '    return y + p.get("bias", 0.0)',
        ],
        "apply_batch_normalization": [
            "def apply_batch_normalization(p, x, axis, epsilon):",
            '    """Normalise each feature along `axis` by the moving mean and variance."""',
            "    shape = [1] * x.ndim",
            "    shape[axis] = -1",
            '    inverse = 1.0 / tf.sqrt(tf.reshape(p["moving_variance"], shape) + epsilon)',
            '    if "gamma" in p:',
            '        inverse = inverse * tf.reshape(p["gamma"], shape)',
            '    y = (x - tf.reshape(p["moving_mean"], shape)) * inverse',
            '    return y + tf.reshape(p["beta"], shape) if "beta" in p else y',
        ],
        "apply_unit_normalization": [
            "def apply_unit_normalization(x, axes):",
            '    """x over its L2 norm along `axes`, the norm kept at least 1e-12."""',
            "    squares = tf.reduce_sum(tf.square(x), axis=axes, keepdims=True)",
            "    return x * tf.minimum(tf.math.rsqrt(squares), 1e12)",
        ],
        "apply_rms_normalization": [
            "def apply_rms_normalization(p, x, axes, epsilon):",
            '    """x over its root mean square along `axes`, times the scale."""',
            "    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]",
            "    mean_square = tf.reduce_mean(tf.square(x), axis=axes, keepdims=True)",
            '    return x * tf.math.rsqrt(mean_square + epsilon) * tf.reshape(p["scale"], shape)',
        ],
        "apply_group_normalization": [
            "def apply_group_normalization(p, x, axis, groups, epsilon):",
            '    """Normalise each sample over each group of the channels along `axis`."""',
            "    shape = [x.shape[a] if a == axis else 1 for a in range(x.ndim)]",
            "    sizes = tf.shape(x)",
            "    grouped_sizes = tf.concat([sizes[:axis], [groups, -1], sizes[axis + 1:]], 0)",
            "    grouped = tf.reshape(x, grouped_sizes)",
            "    axes = [a for a in range(1, x.ndim + 1) if a != axis]",
            "    mean, variance = tf.nn.moments(grouped, axes, keepdims=True)",
            "    y = tf.reshape((grouped - mean) * tf.math.rsqrt(variance + epsilon), sizes)",
            '    if "gamma" in p:',
            '        y = y * tf.reshape(p["gamma"], shape)',
            '    return y + tf.reshape(p["beta"], shape) if "beta" in p else y',
        ],
        "apply_layer_normalization": [
            "def apply_layer_normalization(p, x, axes, epsilon):",
            '    """Normalise each sample over `axes` by its own mean and variance."""',
            "    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]",
            "    mean, variance = tf.nn.moments(x, axes, keepdims=True)",
            "    inverse = 1.0 / tf.sqrt(variance + epsilon)",
            '    if "gamma" in p:',
            '        inverse = inverse * tf.reshape(p["gamma"], shape)',
            "    y = (x - mean) * inverse",
            '    return y + tf.reshape(p["beta"], shape) if "beta" in p else y',
        ],
        "apply_multi_head_attention": _from_jax("apply_multi_head_attention", _SPELLING),
        "scan_over_time": [
            "def scan_over_time(cell, state, x, go_backwards):",
            '    """Run `cell(state, x_t) -> state` along axis 1 of x.',
            "",
            "    Returns (the first state at every step, stacked on axis 1; the final state).",
            '    """',
            "    time_first = (1, 0, *range(2, x.shape.rank))",
            "    sequence = tf.transpose(x, time_first)",
            "    if go_backwards:",
            "        sequence = tf.reverse(sequence, [0])",
            "    states = tf.scan(cell, sequence, initializer=state)",
            "    return tf.transpose(states[0], time_first), tuple(s[-1] for s in states)",
        ],
        "apply_simple_rnn": _from_jax("apply_simple_rnn", _SPELLING),
        "apply_lstm": _from_jax("apply_lstm", _SPELLING),
        "apply_conv_lstm": _from_jax("apply_conv_lstm", {
            **_SPELLING, "jnp.zeros_like": "tf.zeros_like"}),
        "apply_gru": _from_jax("apply_gru", {
            **_SPELLING,
            'p.get("bias", (0.0, 0.0))': 'tf.unstack(p["bias"]) if "bias" in p else (0.0, 0.0)',
        }),
    },
)

_VARIANCE_SCALING = {
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "he_normal": (2.0, "fan_in", "normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "normal"),
}
_INITIALIZERS = {
    "zeros": "tf.zeros({shape})",
    "ones": "tf.ones({shape})",
    "random_uniform": "tf.random.uniform({shape}, -0.05, 0.05)",
    "random_normal": "tf.random.normal({shape}, stddev=0.05)",
    "truncated_normal": "tf.random.truncated_normal({shape}, stddev=0.05)",
    "orthogonal": "orthogonal({shape})",
    **{
        name: f'variance_scaling({{shape}}, {scale}, "{mode}", "{distribution}")'
        for name, (scale, mode, distribution) in _VARIANCE_SCALING.items()
    },
}
_INITIALIZER_HELPERS = {
    "variance_scaling": [
        "def variance_scaling(shape, scale, mode, distribution):",
        '    """Keras\'s variance-scaling draw; kernels are (*window, fan_in, fan_out)."""',
        "    receptive = math.prod(shape[:-2])",
        "    fan_in = shape[-2] * receptive if len(shape) > 1 else shape[0]",
        "    fan_out = shape[-1] * receptive",
        '    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]',
        "    variance = scale / max(1.0, fan)",
        '    if distribution == "uniform":',
        "        limit = math.sqrt(3.0 * variance)",
        "        return tf.random.uniform(shape, -limit, limit)",
        "    stddev = math.sqrt(variance) / 0.8796256610342398  # of the normal before truncation",
        "    return tf.random.truncated_normal(shape, stddev=stddev)",
    ],
    "orthogonal": [
        "def orthogonal(shape):",
        '    """A random (semi-)orthogonal matrix of `shape`, as Keras\'s initializer draws."""',
        "    rows, cols = math.prod(shape[:-1]), shape[-1]",
        "    q, r = tf.linalg.qr(tf.random.normal((max(rows, cols), min(rows, cols))))",
        "    q = q * tf.sign(tf.linalg.diag_part(r))",
        "    return tf.reshape(tf.transpose(q) if rows < cols else q, shape)",
    ],
}


def generate(program: Program, framework: str = "tensorflow") -> str:
    body, helpers = functional_code.calls(program, DIALECT, depth=2)
    initial, initializer_helpers = _initial(program)
    inputs = ["self", *(n for n, _ in program.inputs)]
    pad = source.INDENT
    module = [
        f"class {source.class_name(program.model_name)}(tf.Module):",
        f'{pad}"""The model: weights in `self.params`; call it on a batch to predict."""',
        "",
        f"{pad}def __init__(self, name=None):",
        f"{pad * 2}super().__init__(name=name)",
        *initial,
        f"{pad * 2}self.params = tf.nest.map_structure(tf.Variable, initial)",
        "",
        f"{pad}def load_weights(self, weights):",
        f'{pad * 2}"""Assign arrays shaped like `params`: export_weights("tensorflow")."""',
        f"{pad * 2}tf.nest.map_structure(lambda v, w: v.assign(w), self.params, weights)",
        "",
        f"{pad}@tf.function",
        *source.lines("def __call__", inputs, 1, tail=":"),
        f'{pad * 2}"""The model\'s outputs for a batch of inputs (inference)."""',
        *([f"{pad * 2}params = self.params"] if "params[" in "".join(body) else []),
        *body,
        *source.returns(program.outputs, 2),
    ]
    docstring = (
        f"Model {program.model_name!r} in TensorFlow, generated by Model Workbench.\n\n"
        "The module starts from fresh weights drawn as Keras draws them;\n"
        '`module.load_weights(model.export_weights("tensorflow"))` loads the trained ones.\n'
    )
    imports = [("import math", "math"), ("", ""), ("import tensorflow as tf", "tf")]
    blocks = [*(_INITIALIZER_HELPERS[h] for h in initializer_helpers),
              *(DIALECT.helpers[h] for h in helpers), module]
    return source.module(docstring, imports, blocks)


def weights(program: Program, framework: str = "tensorflow") -> dict:
    return functional_code.weights(program)


def _initial(program):
    """(lines assigning `initial`, the initializer helpers they call)."""
    used = []

    def draw(name, shape):
        expression = _INITIALIZERS[name]
        used.extend(h for h in _INITIALIZER_HELPERS if expression.startswith(f"{h}("))
        return expression.format(shape=source.shape(shape))

    def value(layer, key, shape):
        name = initializer_of(layer, key)
        units = forget_bias_split(layer, key)
        if units is None:
            return draw(name, shape)
        # Keras's unit_forget_bias: the forget gate's block starts at one
        parts = [draw(name, (units,)), f"tf.ones(({units},))", draw(name, (2 * units,))]
        return f"tf.concat([{', '.join(parts)}], 0)"

    lines = functional_code.initial_values(program, value, depth=2, head="initial = ")
    return lines, list(dict.fromkeys(used))
