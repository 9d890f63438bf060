"""An independent float64 NumPy reference for the ops of the backend contract.

Plain, obvious NumPy, written without looking at any backend: the conformance suite compares
every backend against these functions, and their gradients against `numerical_gradients`.
Names and signatures follow engine/backend/contract.py, so a test function written against
"a namespace of ops" runs on a backend object and on this module alike; `sum`, `max`, `min`
and `abs` therefore shadow the builtins here (use `builtins.*` for those). Callers pass float64
arrays; the functions compute in whatever precision they are given.
"""

from __future__ import annotations

import builtins
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# ----------------------------------------------------------------- creation and dtypes


def cast(x, dtype):
    return np.asarray(x).astype(dtype)


def zeros(shape, dtype=None):
    return np.zeros(shape, dtype or "float32")


def ones(shape, dtype=None):
    return np.ones(shape, dtype or "float32")


def tap_zeros(shape, dtype=None):
    return zeros(shape, dtype)


def tap(x, tap):
    return x + tap


def full(shape, value, dtype=None):
    return np.full(shape, value, dtype or "float32")


def arange(start, stop=None, step=1, dtype="int32"):
    return np.arange(start, stop, step).astype(dtype)


# ---------------------------------------------------------------------- elementwise math


def add(a, b):
    return np.add(a, b)


def subtract(a, b):
    return np.subtract(a, b)


def multiply(a, b):
    return np.multiply(a, b)


def divide(a, b):
    return np.divide(a, b)


def power(a, b):
    return np.power(a, b)


def maximum(a, b):
    return np.maximum(a, b)


def minimum(a, b):
    return np.minimum(a, b)


def negative(x):
    return np.negative(x)


def abs(x):
    return np.abs(x)


def sign(x):
    return np.sign(x)


def square(x):
    return np.square(x)


def sqrt(x):
    return np.sqrt(x)


def exp(x):
    return np.exp(x)


def log(x):
    return np.log(x)


def log1p(x):
    return np.log1p(x)


def sin(x):
    return np.sin(x)


def cos(x):
    return np.cos(x)


def erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def floor(x):
    return np.floor(x)


def clip(x, low, high):
    return np.clip(x, low, high)


def where(condition, a, b):
    return np.where(condition, a, b)


def equal(a, b):
    return np.equal(a, b)


def not_equal(a, b):
    return np.not_equal(a, b)


def greater(a, b):
    return np.greater(a, b)


def greater_equal(a, b):
    return np.greater_equal(a, b)


def less(a, b):
    return np.less(a, b)


def less_equal(a, b):
    return np.less_equal(a, b)


def logical_and(a, b):
    return np.logical_and(a, b)


def logical_or(a, b):
    return np.logical_or(a, b)


def logical_not(x):
    return np.logical_not(x)


def isfinite(x):
    return np.isfinite(x)


# --------------------------------------------------------------------------- activations


def relu(x):
    return np.maximum(x, 0.0)


def leaky_relu(x, negative_slope=0.2):
    return np.where(x >= 0, x, negative_slope * x)


def gelu(x, approximate=True):
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def silu(x):
    return x * sigmoid(x)


def tanh(x):
    return np.tanh(x)


def softplus(x):
    return np.logaddexp(0.0, x)


def softmax(x, axis=-1):
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    return x - logsumexp(x, axis=axis, keepdims=True)


# ---------------------------------------------------------------------------- reductions


def sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    peak = np.max(x, axis=axis, keepdims=True)
    result = peak + np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True))
    return result if keepdims else np.squeeze(result, axis=axis)


def argmax(x, axis=-1):
    return np.argmax(x, axis=axis).astype("int32")


def argmin(x, axis=-1):
    return np.argmin(x, axis=axis).astype("int32")


# ------------------------------------------------------------------------ linear algebra


def matmul(a, b):
    return np.matmul(a, b)


def einsum(equation, *operands):
    return np.einsum(equation, *operands)


# ------------------------------------------------------- decompositions and solves (linalg)


def cholesky(x, upper=False):
    lower = np.linalg.cholesky(x)
    return np.swapaxes(lower, -1, -2) if upper else lower


def det(x):
    return np.linalg.det(x)


def slogdet(x):
    return tuple(np.linalg.slogdet(x))


def inv(x):
    return np.linalg.inv(x)


def solve(a, b):
    if np.ndim(b) == np.ndim(a) - 1:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def solve_triangular(a, b, lower=False):
    return solve(np.tril(a) if lower else np.triu(a), b)


def eigh(x):
    return tuple(np.linalg.eigh(x))


def eig(x):
    return tuple(np.linalg.eig(x))


def qr(x, mode="reduced"):
    return tuple(np.linalg.qr(x, mode=mode))


def svd(x, full_matrices=True, compute_uv=True):
    if not compute_uv:
        return np.linalg.svd(x, compute_uv=False)
    return tuple(np.linalg.svd(x, full_matrices=full_matrices))


def lu_factor(x):
    """scipy's LU with partial pivoting, matrix by matrix."""
    import scipy.linalg

    matrices = np.reshape(x, (-1,) + np.shape(x)[-2:])
    factors = [scipy.linalg.lu_factor(m) for m in matrices]
    lu = np.stack([f[0] for f in factors]).reshape(np.shape(x))
    pivots = np.stack([f[1] for f in factors]).astype(np.int32)
    return lu, pivots.reshape(np.shape(x)[:-2] + (-1,))


# ----------------------------------------------------------------------------- shape ops


def reshape(x, shape):
    return np.reshape(x, shape)


def transpose(x, axes=None):
    return np.transpose(x, axes)


def expand_dims(x, axis):
    return np.expand_dims(x, axis)


def squeeze(x, axis):
    return np.squeeze(x, axis)


def broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


def concatenate(xs, axis=0):
    return np.concatenate(xs, axis=axis)


def stack(xs, axis=0):
    return np.stack(xs, axis=axis)


def pad(x, pad_width, value=0):
    return np.pad(x, pad_width, constant_values=value)


# ------------------------------------------------- keras.ops numerics (inverse functions, ...)


def arcsin(x):
    return np.arcsin(x)


def arccos(x):
    return np.arccos(x)


def arctan(x):
    return np.arctan(x)


def arctan2(x1, x2):
    return np.arctan2(x1, x2)


def arcsinh(x):
    return np.arcsinh(x)


def arccosh(x):
    return np.arccosh(x)


def arctanh(x):
    return np.arctanh(x)


def erfinv(x):
    """Bisection on erf over [-6, 6] to float64 resolution (inputs in (-1, 1))."""
    low, high = np.full(np.shape(x), -6.0), np.full(np.shape(x), 6.0)
    for _ in range(80):
        middle = (low + high) / 2
        below = erf(middle) < x
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return (low + high) / 2


def signbit(x):
    return np.signbit(x)


def logical_xor(x1, x2):
    return np.logical_xor(x1, x2)


def bitcast(x, dtype):
    return np.ascontiguousarray(x).view(dtype)


def integer_op(operation, x1, x2=None):
    function = getattr(np, "invert" if operation == "bitwise_invert" else operation)
    return function(x1) if x2 is None else function(x1, x2)


def cumsum(x, axis=None, dtype=None):
    return np.cumsum(x, axis=axis, dtype=dtype)


def cumprod(x, axis=None, dtype=None):
    return np.cumprod(x, axis=axis, dtype=dtype)


def sort(x, axis=-1):
    return np.sort(x, axis=axis)


def argsort(x, axis=-1):
    return np.argsort(x, axis=axis, kind="stable")


def top_k(x, k, sorted=True):
    indices = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, indices, axis=-1), indices


def in_top_k(targets, predictions, k):
    kth = np.sort(predictions, axis=-1)[:, -k]
    return predictions[np.arange(len(targets)), targets] >= kth


def searchsorted(sorted_sequence, values, side="left"):
    return np.searchsorted(sorted_sequence, values, side=side)


def bincount(x, weights=None, minlength=0, sparse=False):
    length = builtins.max(minlength, int(np.max(x)) + 1)
    if x.ndim == 2:
        rows = [bincount(r, None if weights is None else w, length) for r, w in
                zip(x, x if weights is None else weights)]
        return np.stack(rows)
    return np.bincount(x, weights, length)


def digitize(x, bins):
    return np.digitize(x, bins)


def prod(x, axis=None, keepdims=False, dtype=None):
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=dtype)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return np.quantile(x, q, axis=axis, method=method, keepdims=keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return np.percentile(x, q, axis=axis, method=method, keepdims=keepdims)


def median(x, axis=None, keepdims=False):
    return np.median(x, axis=axis, keepdims=keepdims)


def nansum(x, axis=None, keepdims=False):
    return np.nansum(x, axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    return np.nanmean(x, axis=axis, keepdims=keepdims)


def nanmax(x, axis=None, keepdims=False):
    return np.nanmax(x, axis=axis, keepdims=keepdims)


def nanmin(x, axis=None, keepdims=False):
    return np.nanmin(x, axis=axis, keepdims=keepdims)


def scatter(indices, values, shape):
    out = np.zeros(shape, np.asarray(values).dtype)
    for index, value in zip(indices, values):
        out[tuple(index)] += value
    return out


def scatter_update(inputs, indices, updates, reduction=None):
    out = np.array(inputs)
    for index, update in zip(indices, updates):
        out[tuple(index)] = out[tuple(index)] + update if reduction == "add" else update
    return out


def _block(shape, start_indices, sizes):
    starts = [builtins.min(builtins.max(int(s), 0), n - size)
              for s, n, size in zip(start_indices, shape, sizes)]
    return tuple(builtins.slice(s, s + size) for s, size in zip(starts, sizes))


def _slice_block(inputs, start_indices, shape):
    return inputs[_block(inputs.shape, start_indices, shape)]


def __getattr__(name):
    """keras.ops's `slice`, served as an attribute: a global of that name would hide Python's
    slice from the functions of this module."""
    if name == "slice":
        return _slice_block
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def slice_update(inputs, start_indices, updates):
    out = np.array(inputs)
    out[_block(inputs.shape, start_indices, updates.shape)] = updates
    return out


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    out = np.zeros((num_segments, *data.shape[1:]), data.dtype)
    for row, segment in zip(data, segment_ids):
        out[segment] += row
    return out


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    out = np.full((num_segments, *data.shape[1:]), -np.inf)
    for row, segment in zip(data, segment_ids):
        out[segment] = np.maximum(out[segment], row)
    return out


def select(condlist, choicelist, default=0):
    return np.select(condlist, choicelist, default)


# ------------------------------------------------------------------------------ indexing


def getitem(x, key):
    return x[key]


def take(x, indices, axis=0):
    return np.take(x, indices, axis=axis)


def take_along_axis(x, indices, axis):
    return np.take_along_axis(x, indices, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    hot = np.asarray(x)[..., None] == np.arange(num_classes)
    return np.moveaxis(hot, -1, axis).astype(dtype or "float32")


# -------------------------------------------------------------------- neural network ops


def _per_axis(value, rank):
    return (value,) * rank if isinstance(value, int) else tuple(value)


def _same_padding(size, window, stride, dilation=1):
    """TensorFlow's "same" rule: (before, after) so that output = ceil(size / stride)."""
    span = (window - 1) * dilation + 1
    total = builtins.max((math.ceil(size / stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _windows(x, window, strides, dilation, padding, pad_value):
    """(batch, *output, channels, *window) views of the channels-last input `x`."""
    rank = x.ndim - 2
    if padding == "same":
        pads = [
            _same_padding(x.shape[1 + i], window[i], strides[i], dilation[i]) for i in range(rank)
        ]
        x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=pad_value)
    spans = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    views = sliding_window_view(x, spans, axis=tuple(range(1, rank + 1)))
    keep_outputs = tuple(slice(None, None, s) for s in strides)
    keep_taps = tuple(slice(None, None, d) for d in dilation)
    return views[(slice(None), *keep_outputs, slice(None), *keep_taps)]


def conv(x, kernel, strides=1, padding="valid", dilation_rate=1):
    rank = x.ndim - 2
    groups = x.shape[-1] // kernel.shape[-2]
    if groups > 1:  # each group of output channels sees its own group of input channels
        pairs = zip(np.split(x, groups, axis=-1), np.split(kernel, groups, axis=-1))
        return np.concatenate(
            [conv(part, weights, strides, padding, dilation_rate) for part, weights in pairs],
            axis=-1,
        )
    window = kernel.shape[:rank]
    views = _windows(
        x, window, _per_axis(strides, rank), _per_axis(dilation_rate, rank), padding, 0.0
    )
    spatial, taps = "pqr"[:rank], "klm"[:rank]
    return np.einsum(f"b{spatial}c{taps},{taps}cf->b{spatial}f", views, kernel)


def _transposed_axis(size, kernel, stride, dilation, padding, extra):
    """Keras's output size of one axis of conv_transpose, and where input cell 0's first tap
    lands (minus the cells cropped before)."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        return (size - 1) * stride + span + (builtins.max(span, stride) - span
                                              if extra is None else extra), 0
    if extra is None:
        out, total = size * stride, stride + span - 2
    else:
        out, total = (size - 1) * stride + span % 2 + extra, span + span % 2 - 2 + extra
    return out, span - 1 - builtins.min(math.ceil(total / 2), span - 1)


def conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    """Every input cell scattered through every kernel tap (*kernel, out, in)."""
    rank = x.ndim - 2
    strides, dilation = _per_axis(strides, rank), _per_axis(dilation_rate, rank)
    extras = (output_padding,) * rank if output_padding is None else _per_axis(output_padding,
                                                                              rank)
    axes = [_transposed_axis(x.shape[1 + a], kernel.shape[a], strides[a], dilation[a], padding,
                             extras[a]) for a in range(rank)]
    out = np.zeros((x.shape[0], *(size for size, _ in axes), kernel.shape[-2]))
    for cell in np.ndindex(*x.shape[1:-1]):
        for tap in np.ndindex(*kernel.shape[:rank]):
            target = tuple(c * s + t * d - before for c, s, t, d, (_, before) in
                           zip(cell, strides, tap, dilation, axes))
            if all(0 <= i < size for i, (size, _) in zip(target, axes)):
                out[(slice(None), *target)] += x[(slice(None), *cell)] @ kernel[tap].T
    return out


def depthwise_conv(x, kernel, strides=1, padding="valid", dilation_rate=1):
    """Channel c convolved by kernel[..., c, m] gives output channel c * multiplier + m."""
    channels = [
        conv(x[..., c : c + 1], kernel[..., c : c + 1, :], strides, padding, dilation_rate)
        for c in range(x.shape[-1])
    ]
    return np.concatenate(channels, axis=-1)


def separable_conv(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   dilation_rate=1):
    return conv(depthwise_conv(x, depthwise_kernel, strides, padding, dilation_rate),
                pointwise_kernel)


def _pool(x, pool_size, strides, padding, pad_value, reduce):
    rank = x.ndim - 2
    window = _per_axis(pool_size, rank)
    strides = window if strides is None else _per_axis(strides, rank)
    views = _windows(x, window, strides, (1,) * rank, padding, pad_value)
    return reduce(views, axis=tuple(range(-rank, 0)))


def max_pool(x, pool_size, strides=None, padding="valid"):
    return _pool(x, pool_size, strides, padding, -np.inf, np.max)


def avg_pool(x, pool_size, strides=None, padding="valid"):
    # padded cells are NaN, which nanmean leaves out of the mean
    return _pool(x, pool_size, strides, padding, np.nan, np.nanmean)


# ---------------------------------------------------------------------------- layer math


def dense(x, kernel, bias=None):
    return x @ kernel + (0.0 if bias is None else bias)


def lstm(sequences, h, c, kernel, recurrent_kernel, bias=None, go_backwards=False):
    steps = range(sequences.shape[1])
    outputs = []
    for t in reversed(steps) if go_backwards else steps:
        z = sequences[:, t] @ kernel + h @ recurrent_kernel + (0.0 if bias is None else bias)
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def layer_norm(x, axis, epsilon, scale=None, offset=None):
    mean = np.mean(x, axis=axis, keepdims=True)
    variance = np.mean((x - mean) ** 2, axis=axis, keepdims=True)
    broadcastable = [n if a in axis else 1 for a, n in enumerate(x.shape)]
    out = (x - mean) / np.sqrt(variance + epsilon)
    out = out if scale is None else out * np.reshape(scale, broadcastable)
    return out if offset is None else out + np.reshape(offset, broadcastable)


def summary_statistics(tensors):
    rows = []
    for x in tensors:
        x = np.asarray(x, np.float64)
        deviations = x - x.mean()
        rows.append([x.mean(), np.sum(deviations**2), np.sum(np.abs(x)), x.min(), x.max()])
    return np.array(rows)


def even_samples(tensors, strides, length):
    rows = np.full((len(tensors), length), np.nan)
    for row, x, step in zip(rows, tensors, strides):
        taken = np.ravel(x)[::step]
        row[: taken.size] = taken
    return rows


def squared_norms(tensors, minus=None):
    others = [0.0] * len(tensors) if minus is None else minus
    return np.array([vdot(np.subtract(x, m), np.subtract(x, m)) for x, m in zip(tensors, others)])


def vdot(a, b):
    return np.dot(np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64))


def histogram(x, low, high, bins):
    counts = np.zeros((len(x), bins))
    for row, (values, lo, hi) in enumerate(zip(np.asarray(x, np.float64), low, high)):
        if not (np.isfinite(lo) and np.isfinite(hi)):
            continue
        inside = values[(values >= lo) & (values <= hi)]
        if lo == hi:
            counts[row, -1] = len(inside)
            continue
        bin_of = np.minimum(np.floor((inside - lo) / (hi - lo) * bins), bins - 1).astype(int)
        counts[row] = np.bincount(bin_of, minlength=bins)
    return counts


def sparse_softmax_crossentropy(labels, logits):
    return -np.take_along_axis(log_softmax(logits), np.asarray(labels)[..., None], -1)[..., 0]


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None, dropout=0.0,
                          seed=None, keep=None):
    """`keep` (batch, heads, target, source) is the dropout mask to apply, when testing one."""
    group = query.shape[2] // key.shape[2]
    key, value = np.repeat(key, group, axis=2), np.repeat(value, group, axis=2)
    scale = 1.0 / np.sqrt(query.shape[-1]) if scale is None else scale
    logits = np.einsum("bthk,bshk->bhts", query, key) * scale
    logits = logits if bias is None else logits + bias
    allowed = np.ones(logits.shape, bool) if mask is None else np.broadcast_to(mask, logits.shape)
    if is_causal:
        allowed = allowed & np.tri(*logits.shape[-2:], dtype=bool)
    logits = np.where(allowed, logits, -0.7 * np.finfo(np.float32).max)
    weights = softmax(logits, axis=-1)
    if keep is not None:
        weights = weights * keep / (1.0 - dropout)
    return np.einsum("bhts,bshv->bthv", weights, value)


# -------------------------------------------------------------------------------- images


def resize(images, size, interpolation="bilinear"):
    """Point by point: bilinear between the two nearest half-pixel centres (edges clamped),
    or the pixel holding the centre."""
    batch, height, width, channels = images.shape
    out = np.zeros((batch, *size, channels), images.dtype)
    for i in range(size[0]):
        for j in range(size[1]):
            y = (i + 0.5) * height / size[0]
            x = (j + 0.5) * width / size[1]
            if interpolation == "nearest":
                out[:, i, j] = images[:, builtins.min(int(y), height - 1),
                                      builtins.min(int(x), width - 1)]
                continue
            y, x = np.clip(y - 0.5, 0, height - 1), np.clip(x - 0.5, 0, width - 1)
            y0, x0 = int(y), int(x)
            y1, x1 = builtins.min(y0 + 1, height - 1), builtins.min(x0 + 1, width - 1)
            fy, fx = y - y0, x - x0
            out[:, i, j] = ((1 - fy) * ((1 - fx) * images[:, y0, x0] + fx * images[:, y0, x1])
                            + fy * ((1 - fx) * images[:, y1, x0] + fx * images[:, y1, x1]))
    return out


def _fill_index(i, size, mode):
    """Integer index `i` mapped into the image by a scipy.ndimage mode; None: outside."""
    if 0 <= i < size:
        return i
    if mode == "constant":
        return None
    if mode == "nearest":
        return builtins.min(builtins.max(i, 0), size - 1)
    if mode == "wrap":
        return i % size
    period = 2 * size if mode == "reflect" else builtins.max(2 * size - 2, 1)
    i %= period
    if mode == "reflect":
        return i if i < size else period - 1 - i
    return i if i < size else period - i


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0):
    batch, height, width, channels = images.shape
    out = np.zeros_like(images)
    for n in range(batch):
        a0, a1, a2, b0, b1, b2, c0, c1 = transform[n]
        for y in range(height):
            for x in range(width):
                k = c0 * x + c1 * y + 1
                sx, sy = (a0 * x + a1 * y + a2) / k, (b0 * x + b1 * y + b2) / k
                if interpolation == "nearest":
                    points = [(math.floor(abs(sx) + 0.5) * np.sign(sx),
                               math.floor(abs(sy) + 0.5) * np.sign(sy), 1.0)]
                else:
                    x0, y0 = math.floor(sx), math.floor(sy)
                    fx, fy = sx - x0, sy - y0
                    points = [(x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)),
                              (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)]
                for px, py, weight in points:
                    i = _fill_index(int(py), height, fill_mode)
                    j = _fill_index(int(px), width, fill_mode)
                    value = fill_value if i is None or j is None else images[n, i, j]
                    out[n, y, x] += weight * value
    return out


# ---------------------------------------------------------------------------- optimizers


def adam_update(
    weights, gradients, momentums, velocities, alpha, beta_1, beta_2, epsilon, in_place=False
):
    """Keras's Adam step, the bias correction already folded into `alpha` (`in_place` only
    lets a backend reuse its inputs' memory: the values are the same)."""
    momentums = [beta_1 * m + (1 - beta_1) * g for m, g in zip(momentums, gradients)]
    velocities = [beta_2 * v + (1 - beta_2) * g**2 for v, g in zip(velocities, gradients)]
    weights = [
        w - alpha * m / (np.sqrt(v) + epsilon) for w, m, v in zip(weights, momentums, velocities)
    ]
    return weights, momentums, velocities


# ------------------------------------------------------------------------------- control


def map_structure(fn, *structures):
    """fn applied leaf by leaf to same-shaped nests of dicts, lists and tuples."""
    first = structures[0]
    if isinstance(first, dict):
        return {key: map_structure(fn, *(s[key] for s in structures)) for key in first}
    if isinstance(first, (list, tuple)):
        return type(first)(map_structure(fn, *parts) for parts in zip(*structures))
    return fn(*structures)


def leaves(structure):
    """The leaves of a nest, depth first."""
    found = []
    map_structure(found.append, structure)
    return found


def scan(fn, init, xs):
    carry, ys = init, []
    for step in range(len(leaves(xs)[0])):
        carry, y = fn(carry, map_structure(lambda leaf, t=step: leaf[t], xs))
        ys.append(y)
    return carry, map_structure(lambda *steps: np.stack(steps), *ys)


def cond(pred, true_fn, false_fn):
    return true_fn() if pred else false_fn()


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    is_tuple = isinstance(loop_vars, (tuple, list))
    variables, steps = tuple(loop_vars) if is_tuple else (loop_vars,), 0
    while cond(*variables) and (maximum_iterations is None or steps < maximum_iterations):
        variables = tuple(body(*variables)) if is_tuple else (body(*variables),)
        steps += 1
    return variables if is_tuple else variables[0]


def custom_gradient(fn):
    """The function itself: a correct custom gradient is its true gradient."""
    return lambda *args: fn(*args)[0]


def stop_gradient(x):
    return x


# ---------------------------------------------------------------------------- gradients


def numerical_gradients(fn, inputs, relative_step=1e-6):
    """Central finite differences of the scalar fn(inputs) for each float64 array in `inputs`."""
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    gradients = []
    for x in inputs:
        gradient = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            original = x[index]
            step = relative_step * builtins.max(1.0, builtins.abs(original))
            x[index] = original + step
            above = fn(inputs)
            x[index] = original - step
            below = fn(inputs)
            x[index] = original
            gradient[index] = (above - below) / (2 * step)
        gradients.append(gradient)
    return gradients
