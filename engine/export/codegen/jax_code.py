"""JAX: the model as a pure `init(key) -> params` and `apply(params, *inputs) -> outputs`.

Only jax.numpy and jax.lax; no layer library. `apply` computes at inference: Dropout passes
values through, BatchNormalization uses its moving statistics.
"""

from __future__ import annotations

from engine.export import activation_code
from engine.export.codegen import functional_code, source
from engine.export.codegen.functional_code import Dialect, forget_bias_split, initializer_of
from engine.export.program import Program

DIALECT = Dialect(
    framework="JAX",
    activations=activation_code.JAX,
    templates={
        "max_pool": "apply_max_pooling({x}, {window}, {strides}, {padding})",
        "average_pool": "apply_average_pooling({x}, {window}, {strides}, {padding})",
        "mean": "jnp.mean({x}, axis={axes}{keep})",
        "max": "jnp.max({x}, axis={axes}{keep})",
        "reshape": "{x}.reshape({x}.shape[0], {sizes})",
        "take": "jnp.take({table}, {x}, axis=0)",
        "concatenate": "jnp.concatenate({x}, axis={axis})",
        "repeat": "jnp.repeat({x}, {times}, axis={axis})",
        "transpose": "jnp.transpose({x}, {axes})",
        "pad": "jnp.pad({x}, {pads})",
        "upsample_bilinear": "upsample_bilinear({x}, {rows}, {columns})",
        "leaky_relu": "jax.nn.leaky_relu({x}, negative_slope={slope})",
        "elu": "jax.nn.elu({x}, alpha={alpha})",
        "softmax": "jax.nn.softmax({x}, axis={axis})",
        "float": "jnp.asarray({x}, jnp.float32)",
        "sum": "jnp.sum({x}, axis={axes})",
        "one_hot": "jax.nn.one_hot({x}, {depth})",
        "bucket": "bucketize({x}, {boundaries})",
        "array": "jnp.array({values}, jnp.float32)",
        "resize": "resize_images({x}, {height}, {width}, {method})",
        "maximum": "jnp.maximum({x}, {y})",
        "minimum": "jnp.minimum({x}, {y})",
        "einsum": "jnp.einsum",
        "l2_normalize": "l2_normalize({x}, {axis})",
    },
    helpers={
        **activation_code.JAX_HELPERS,
        "apply_einsum_dense": [
            "def apply_einsum_dense(p, x, equation):",
            '    """einsum(equation, x, kernel) plus bias, as Keras\'s EinsumDense."""',
            '    return jnp.einsum(equation, x, p["kernel"]) + p.get("bias", 0.0)',
        ],
        "l2_normalize": [
            "def l2_normalize(x, axis):",
            '    """x over its L2 norm along `axis`, the norm kept at least 1e-7."""',
            "    norm = jnp.sqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))",
            "    return x / jnp.maximum(norm, 1e-7)",
        ],
        "upsample_bilinear": [
            "def upsample_bilinear(x, rows, columns):",
            '    """Channels-last x resized by whole factors, between pixel centres."""',
            "    batch, height, width, channels = x.shape",
            '    return jax.image.resize(x, (batch, height * rows, width * columns, channels), '
            '"bilinear")',
        ],
        "resize_images": [
            "def resize_images(x, height, width, method):",
            '    """Channels-last images resized at half-pixel centres, without antialiasing."""',
            "    size = (x.shape[0], height, width, x.shape[3])",
            "    return jax.image.resize(x, size, method, antialias=False)",
        ],
        "bucketize": [
            "def bucketize(x, boundaries):",
            '    """How many of the increasing `boundaries` are at or below each value."""',
            "    above = jnp.asarray(x, jnp.float32)[..., None] >= jnp.array(boundaries)",
            "    return jnp.sum(above, axis=-1)",
        ],
        "apply_normalization": [
            "def apply_normalization(p, x, shape, invert):",
            '    """Keras\'s Normalization: by the mean and standard deviation (at least 1e-7)."""',
            "    x = jnp.asarray(x, jnp.float32)",
            '    mean = jnp.reshape(jnp.asarray(p["mean"], x.dtype), shape)',
            '    variance = jnp.reshape(jnp.asarray(p["variance"], x.dtype), shape)',
            "    deviation = jnp.maximum(jnp.sqrt(variance), 1e-07)",
            "    return mean + x * deviation if invert else (x - mean) / deviation",
        ],
        "apply_dense": [
            "def apply_dense(p, x):",
            '    """x @ kernel + bias, over the last axis."""',
            '    return x @ p["kernel"] + p.get("bias", 0.0)',
        ],
        "apply_relu": [
            "def apply_relu(x, negative_slope, max_value, threshold):",
            '    """Keras\'s ReLU: x above threshold, at most max_value; a slope below."""',
            "    y = x * (x > threshold).astype(x.dtype) if threshold else jax.nn.relu(x)",
            "    if max_value is not None:",
            "        y = jnp.clip(y, 0.0, max_value)",
            "    return y - negative_slope * jax.nn.relu(threshold - x)",
        ],
        "apply_prelu": [
            "def apply_prelu(p, x):",
            '    """x for x >= 0, alpha * x below, alpha learned per position."""',
            '    return jax.nn.relu(x) - p["alpha"] * jax.nn.relu(-x)',
        ],
        "apply_conv": [
            "def apply_conv(p, x, strides, padding, dilation):",
            '    """Channels-last convolution, kernel laid out (*window, in / groups, out), plus '
            'bias."""',
            '    spatial = "DHW"[5 - x.ndim:]',
            '    layout = (f"N{spatial}C", spatial + "IO", f"N{spatial}C")',
            "    y = jax.lax.conv_general_dilated(",
            '        x, p["kernel"], strides, padding, rhs_dilation=dilation, '
            "dimension_numbers=layout,",
            '        feature_group_count=x.shape[-1] // p["kernel"].shape[-2],',
            "    )",
            '    return y + p.get("bias", 0.0)',
        ],
        "apply_depthwise_conv": [
            "def apply_depthwise_conv(p, x, strides, padding, dilation):",
            '    """Each channel of x convolved on its own: the kernel (*window, in, multiplier) '
            'as a',
            '    grouped one, (*window, 1, in * multiplier), plus bias."""',
            '    kernel = p["kernel"].reshape(*p["kernel"].shape[:-2], 1, -1)',
            '    return apply_conv({**p, "kernel": kernel}, x, strides, padding, dilation)',
        ],
        "apply_separable_conv": [
            "def apply_separable_conv(p, x, strides, padding, dilation):",
            '    """A depthwise convolution of x, then a pointwise one, plus bias."""',
            '    y = apply_depthwise_conv({"kernel": p["depthwise_kernel"]}, x, strides, padding, '
            'dilation)',
            '    pointwise = {"kernel": p["pointwise_kernel"], "bias": p.get("bias", 0.0)}',
            '    return apply_conv(pointwise, y, (1,) * len(strides), "VALID", (1,) * '
            'len(strides))',
        ],
        "apply_conv_transpose": [
            "def apply_conv_transpose(p, x, strides, crops, dilation):",
            '    """Channels-last transposed convolution, kernel laid out (*window, out, in): '
            'the',
            "    convolution of x spread out by the strides with the flipped kernel, (before, "
            "after)",
            '    cells of its full output cropped (negative: zeros added), plus bias."""',
            '    spatial = "DHW"[5 - x.ndim:]',
            '    layout = (f"N{spatial}C", spatial + "OI", f"N{spatial}C")',
            '    kernel = jnp.flip(p["kernel"], tuple(range(len(strides))))',
            "    pads = [((k - 1) * d - before, (k - 1) * d + after)",
            "            for k, d, (before, after) in zip(kernel.shape, dilation, crops)]",
            "    y = jax.lax.conv_general_dilated(",
            "        x, kernel, (1,) * len(strides), pads, lhs_dilation=strides, "
            "rhs_dilation=dilation,",
            "        dimension_numbers=layout,",
            "    )",
            '    return y + p.get("bias", 0.0)',
        ],
        "apply_max_pooling": [
            "def apply_max_pooling(x, window, strides, padding):",
            '    """The largest value of each window of channels-last x."""',
            "    dims, steps = (1, *window, 1), (1, *strides, 1)",
            "    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, dims, steps, padding)",
        ],
        "apply_average_pooling": [
            "def apply_average_pooling(x, window, strides, padding):",
            '    """The mean of each window of channels-last x; padded cells are left out."""',
            "    dims, steps = (1, *window, 1), (1, *strides, 1)",
            "    total = jax.lax.reduce_window(x, 0.0, jax.lax.add, dims, steps, padding)",
            "    count = jax.lax.reduce_window(jnp.ones_like(x), 0.0, jax.lax.add, dims, steps, "
            "padding)",
            "    return total / count",
        ],
        "apply_batch_normalization": [
            "def apply_batch_normalization(p, x, axis, epsilon):",
            '    """Normalise each feature along `axis` by the moving mean and variance."""',
            "    shape = [1] * x.ndim",
            "    shape[axis] = -1",
            '    inverse = 1.0 / jnp.sqrt(p["moving_variance"].reshape(shape) + epsilon)',
            '    if "gamma" in p:',
            '        inverse = inverse * p["gamma"].reshape(shape)',
            '    y = (x - p["moving_mean"].reshape(shape)) * inverse',
            '    return y + p["beta"].reshape(shape) if "beta" in p else y',
        ],
        "apply_unit_normalization": [
            "def apply_unit_normalization(x, axes):",
            '    """x over its L2 norm along `axes`, the norm kept at least 1e-12."""',
            "    squares = jnp.sum(jnp.square(x), axis=axes, keepdims=True)",
            "    return x * jnp.minimum(jax.lax.rsqrt(squares), 1e12)",
        ],
        "apply_rms_normalization": [
            "def apply_rms_normalization(p, x, axes, epsilon):",
            '    """x over its root mean square along `axes`, times the scale."""',
            "    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]",
            "    mean_square = jnp.mean(jnp.square(x), axis=axes, keepdims=True)",
            '    return x * jax.lax.rsqrt(mean_square + epsilon) * p["scale"].reshape(shape)',
        ],
        "apply_group_normalization": [
            "def apply_group_normalization(p, x, axis, groups, epsilon):",
            '    """Normalise each sample over each group of the channels along `axis`."""',
            "    shape = [x.shape[a] if a == axis else 1 for a in range(x.ndim)]",
            "    grouped = x.reshape(*x.shape[:axis], groups, -1, *x.shape[axis + 1:])",
            "    axes = tuple(a for a in range(1, grouped.ndim) if a != axis)",
            "    mean = jnp.mean(grouped, axis=axes, keepdims=True)",
            "    variance = jnp.mean(jnp.square(grouped - mean), axis=axes, keepdims=True)",
            "    y = ((grouped - mean) * jax.lax.rsqrt(variance + epsilon)).reshape(x.shape)",
            '    if "gamma" in p:',
            '        y = y * p["gamma"].reshape(shape)',
            '    return y + p["beta"].reshape(shape) if "beta" in p else y',
        ],
        "apply_layer_normalization": [
            "def apply_layer_normalization(p, x, axes, epsilon):",
            '    """Normalise each sample over `axes` by its own mean and variance."""',
            "    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]",
            "    mean = jnp.mean(x, axis=axes, keepdims=True)",
            "    inverse = 1.0 / jnp.sqrt(jnp.var(x, axis=axes, keepdims=True) + epsilon)",
            '    if "gamma" in p:',
            '        inverse = inverse * p["gamma"].reshape(shape)',
            "    y = (x - mean) * inverse",
            '    return y + p["beta"].reshape(shape) if "beta" in p else y',
        ],
        "apply_multi_head_attention": [
            "def apply_multi_head_attention(p, query, value, key=None):",
            '    """Keras\'s MultiHeadAttention: softmax(q k / sqrt(key_dim)) v per head."""',
            "    key = value if key is None else key",
            '    q = jnp.einsum("btd,dhk->bthk", query, p["query_kernel"]) + '
            'p.get("query_bias", 0.0)',
            '    k = jnp.einsum("bsd,dhk->bshk", key, p["key_kernel"]) + p.get("key_bias", 0.0)',
            '    v = jnp.einsum("bsd,dhv->bshv", value, p["value_kernel"]) + '
            'p.get("value_bias", 0.0)',
            "    q = q * (1.0 / math.sqrt(q.shape[-1]))",
            '    scores = jax.nn.softmax(jnp.einsum("bthk,bshk->bhts", q, k), axis=-1)',
            '    heads = jnp.einsum("bhts,bshv->bthv", scores, v)',
            '    output = jnp.einsum("bthv,hvo->bto", heads, p["attention_output_kernel"])',
            '    return output + p.get("attention_output_bias", 0.0)',
        ],
        "scan_over_time": [
            "def scan_over_time(cell, state, x, go_backwards):",
            '    """Run `cell(state, x_t) -> state` along axis 1 of x.',
            "",
            "    Returns (the first state at every step, stacked on axis 1; the final state).",
            '    """',
            "    sequence = jnp.swapaxes(x, 0, 1)",
            "    if go_backwards:",
            "        sequence = sequence[::-1]",
            "",
            "    def step(state, x_t):",
            "        state = cell(state, x_t)",
            "        return state, state[0]",
            "",
            "    state, outputs = jax.lax.scan(step, state, sequence)",
            "    return jnp.swapaxes(outputs, 0, 1), state",
        ],
        "apply_simple_rnn": [
            "def apply_simple_rnn(p, x, activation=jnp.tanh, go_backwards=False):",
            '    """Keras\'s SimpleRNN: h = activation(x_t W + b + h U)."""',
            '    zeros = jnp.zeros((x.shape[0], p["recurrent_kernel"].shape[0]), x.dtype)',
            "",
            "    def cell(state, x_t):",
            "        (h,) = state",
            '        z = x_t @ p["kernel"] + p.get("bias", 0.0) + h @ p["recurrent_kernel"]',
            "        return (activation(z),)",
            "",
            "    return scan_over_time(cell, (zeros,), x, go_backwards)",
        ],
        "apply_lstm": [
            "def apply_lstm(p, x, activation=jnp.tanh, recurrent_activation=jax.nn.sigmoid,",
            "               go_backwards=False):",
            '    """Keras\'s LSTM: gates i, f, c, o in blocks of the kernels\' last axis."""',
            '    zeros = jnp.zeros((x.shape[0], p["recurrent_kernel"].shape[0]), x.dtype)',
            "",
            "    def cell(state, x_t):",
            "        h, c = state",
            '        z = x_t @ p["kernel"] + p.get("bias", 0.0) + h @ p["recurrent_kernel"]',
            "        i, f, g, o = jnp.split(z, 4, axis=-1)",
            "        i, f, o = recurrent_activation(i), recurrent_activation(f), "
            "recurrent_activation(o)",
            "        c = f * c + i * activation(g)",
            "        return o * activation(c), c",
            "",
            "    return scan_over_time(cell, (zeros, zeros), x, go_backwards)",
        ],
        "apply_conv_lstm": [
            "def apply_conv_lstm(p, x, strides, padding, dilation, activation=jnp.tanh,",
            "                    recurrent_activation=jax.nn.sigmoid, go_backwards=False):",
            '    """Keras\'s ConvLSTM: the LSTM\'s gates i, f, c, o from a convolution of each '
            'frame',
            '    and one of h (strides 1, "SAME"), in blocks of the kernels\' last axis."""',
            "    ones = (1,) * len(strides)",
            '    recurrent = {"kernel": p["recurrent_kernel"]}',
            '    first = apply_conv({"kernel": p["kernel"]}, x[:, 0], strides, padding, dilation)',
            '    zeros = jnp.zeros_like(first[..., :p["recurrent_kernel"].shape[-2]])',
            "",
            "    def cell(state, x_t):",
            "        h, c = state",
            "        z = apply_conv(p, x_t, strides, padding, dilation)",
            '        z = z + apply_conv(recurrent, h, ones, "SAME", ones)',
            "        i, f, g, o = jnp.split(z, 4, axis=-1)",
            "        i, f, o = recurrent_activation(i), recurrent_activation(f), "
            "recurrent_activation(o)",
            "        c = f * c + i * activation(g)",
            "        return o * activation(c), c",
            "",
            "    return scan_over_time(cell, (zeros, zeros), x, go_backwards)",
        ],
        "apply_gru": [
            "def apply_gru(p, x, activation=jnp.tanh, recurrent_activation=jax.nn.sigmoid,",
            "              reset_after=True, go_backwards=False):",
            '    """Keras\'s GRU: gates z, r, h; reset_after applies r after the recurrent '
            'product."""',
            '    zeros = jnp.zeros((x.shape[0], p["recurrent_kernel"].shape[0]), x.dtype)',
            "    if reset_after:",
            '        input_bias, recurrent_bias = p.get("bias", (0.0, 0.0))',
            "    else:",
            '        input_bias, recurrent_bias = p.get("bias", 0.0), 0.0',
            '    u_z, u_r, u_h = jnp.split(p["recurrent_kernel"], 3, axis=-1)',
            "",
            "    def cell(state, x_t):",
            "        (h,) = state",
            '        x_z, x_r, x_h = jnp.split(x_t @ p["kernel"] + input_bias, 3, axis=-1)',
            "        if reset_after:",
            '            recurrent = h @ p["recurrent_kernel"] + recurrent_bias',
            "            h_z, h_r, h_h = jnp.split(recurrent, 3, axis=-1)",
            "            z, r = recurrent_activation(x_z + h_z), recurrent_activation(x_r + h_r)",
            "            candidate = activation(x_h + r * h_h)",
            "        else:",
            "            z, r = recurrent_activation(x_z + h @ u_z), "
            "recurrent_activation(x_r + h @ u_r)",
            "            candidate = activation(x_h + (r * h) @ u_h)",
            "        return (z * h + (1.0 - z) * candidate,)",
            "",
            "    return scan_over_time(cell, (zeros,), x, go_backwards)",
        ],
    },
)

# Initializer name -> (line that makes it inside init, or None; expression of key and shape).
_INITIALIZERS = {
    "zeros": (None, "jnp.zeros({shape})"),
    "ones": (None, "jnp.ones({shape})"),
    "random_uniform": (None, "jax.random.uniform({key}, {shape}, minval=-0.05, maxval=0.05)"),
    "random_normal": (None, "0.05 * jax.random.normal({key}, {shape})"),
    "truncated_normal": ("jax.nn.initializers.truncated_normal(0.05)", None),
    **{
        name: (f"jax.nn.initializers.{name}()", None)
        for name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                     "lecun_uniform", "lecun_normal", "orthogonal")
    },
}


def generate(program: Program, framework: str = "jax") -> str:
    body, helpers = functional_code.calls(program, DIALECT, depth=1)
    apply = [
        *source.lines("def apply", ["params", *(n for n, _ in program.inputs)], 0, tail=":"),
        '    """The model\'s outputs for a batch of inputs (inference)."""',
        *body,
        *source.returns(program.outputs, 1),
    ]
    docstring = (
        f"Model {program.model_name!r} in JAX, generated by Model Workbench.\n\n"
        "`init(key)` draws fresh parameters as Keras initialises them; `apply(params, ...)`\n"
        'computes the outputs. `model.export_weights("jax")` gives the trained parameters.\n'
    )
    imports = [("import math", "math"), ("", ""), ("import jax", "jax"),
               ("import jax.numpy as jnp", "jnp")]
    blocks = [*(DIALECT.helpers[h] for h in helpers), _init(program), apply]
    return source.module(docstring, imports, blocks)


def weights(program: Program, framework: str = "jax") -> dict:
    return functional_code.weights(program)


def _init(program) -> list[str]:
    makers, draws = {}, [0]

    def value(layer, key, shape):
        name = initializer_of(layer, key)
        units = forget_bias_split(layer, key)
        if units is not None:  # Keras's unit_forget_bias: the forget gate's block starts at one
            parts = [draw(name, (units,)), f"jnp.ones(({units},))", draw(name, (2 * units,))]
            return f"jnp.concatenate([{', '.join(parts)}])"
        return draw(name, shape)

    def draw(name, shape):
        maker, expression = _INITIALIZERS[name]
        if expression is None or "{key}" in expression:
            draws[0] += 1
        if maker is not None:
            makers[name] = f"    {name} = {maker}"
            expression = f"{name}({{key}}, {{shape}})"
        return expression.format(key="next(keys)", shape=source.shape(shape))

    literal = functional_code.initial_values(program, value, depth=1, head="return ")
    head = ["def init(key):", '    """Fresh parameters, drawn as Keras initialises them."""']
    if draws[0]:
        head.append(f"    keys = iter(jax.random.split(key, {draws[0]}))")
    return [*head, *makers.values(), *literal]
