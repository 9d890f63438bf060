"""keras.ops.nn's normalisations (batch, layer, RMS) and its elementwise crossentropies, which
unlike the losses of engine.losses do not average over the last axis."""

from __future__ import annotations

from engine.composed_ops.inputs import as_array, as_float, current
from engine.ops import graph_aware

# Keras's backend.epsilon(): the default epsilon and the clip of probabilities before log
_EPSILON = 1e-7


def _along(name, v, x, axes):
    """`v` (None, or shaped like x's `axes`) reshaped to broadcast against x."""
    if v is None:
        return None
    b = current()
    v = b.cast(as_array(v), b.dtype(x))
    shape = b.shape(x)
    if len(b.shape(v)) == len(shape) or axes == [len(shape) - 1]:
        return v
    wanted = tuple(shape[a] for a in axes)
    if b.shape(v) != wanted:
        raise ValueError(f"{name}: expected an array of shape {wanted} for axes {axes} of x "
                         f"(shape {shape}); got shape {b.shape(v)}.")
    return b.reshape(v, [shape[a] if a in axes else 1 for a in range(len(shape))])


def _axes(axis, rank):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % rank for a in axes)


@graph_aware
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics given along
    `axis` of x."""
    b, x = current(), as_float(x)
    axes = _axes(axis, len(b.shape(x)))
    mean, variance = _along("batch_normalization", mean, x, axes), _along(
        "batch_normalization", variance, x, axes)
    scale, offset = (_along("batch_normalization", v, x, axes) for v in (scale, offset))
    inverse = b.divide(1.0, b.sqrt(b.add(variance, epsilon)))
    if scale is not None:
        inverse = b.multiply(inverse, scale)
    out = b.multiply(b.subtract(x, mean), inverse)
    return out if offset is None else b.add(out, offset)


@graph_aware
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """x normalised by its own mean and variance over `axis`, then * gamma + beta
    (rms_scaling=True: divided by the root of the variance only, scaled by gamma)."""
    b, x = current(), as_float(x)
    epsilon = _EPSILON if epsilon is None else epsilon
    axes = _axes(axis, len(b.shape(x)))
    gamma, beta = (_along("layer_normalization", v, x, axes) for v in (gamma, beta))
    mean = b.mean(x, axis=tuple(axes), keepdims=True)
    variance = b.mean(b.square(b.subtract(x, mean)), axis=tuple(axes), keepdims=True)
    inverse = b.divide(1.0, b.sqrt(b.add(variance, epsilon)))
    if kwargs.get("rms_scaling", False):
        out = b.multiply(x, inverse)
        return out if gamma is None else b.multiply(out, gamma)
    out = b.multiply(b.subtract(x, mean), inverse if gamma is None else
                     b.multiply(inverse, gamma))
    return out if beta is None else b.add(out, beta)


@graph_aware
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x over the root of its mean square along `axis`, times `scale`."""
    b, x = current(), as_float(x)
    epsilon = _EPSILON if epsilon is None else epsilon
    axes = _axes(axis, len(b.shape(x)))
    mean_square = b.mean(b.square(x), axis=tuple(axes), keepdims=True)
    out = b.multiply(x, b.divide(1.0, b.sqrt(b.add(mean_square, epsilon))))
    return out if scale is None else b.multiply(out, _along("rms_normalization", scale, x, axes))


def _same_shape(name, target, output):
    b = current()
    if b.shape(target) != b.shape(output):
        raise ValueError(f"{name}: target and output must have the same shape; got "
                         f"{b.shape(target)} and {b.shape(output)}.")


@graph_aware
def binary_crossentropy(target, output, from_logits=False):
    """-(t log p + (1 - t) log(1 - p)) elementwise, p clipped to [1e-7, 1 - 1e-7] (or
    log-sigmoids of logits)."""
    b, output = current(), as_float(output)
    target = b.cast(as_array(target), b.dtype(output))
    _same_shape("binary_crossentropy", target, output)
    if from_logits:
        # log sigmoid(z) = -softplus(-z), log(1 - sigmoid(z)) = -softplus(z)
        log_p, log_not_p = b.negative(b.softplus(b.negative(output))), b.negative(
            b.softplus(output))
    else:
        output = b.clip(output, _EPSILON, 1.0 - _EPSILON)
        log_p, log_not_p = b.log(output), b.log(b.subtract(1.0, output))
    return b.negative(b.add(b.multiply(target, log_p),
                            b.multiply(b.subtract(1.0, target), log_not_p)))


def _log_probabilities(output, from_logits, axis):
    b = current()
    if from_logits:
        return b.log_softmax(output, axis=axis)
    output = b.divide(output, b.sum(output, axis=axis, keepdims=True))
    return b.log(b.clip(output, _EPSILON, 1.0 - _EPSILON))


@graph_aware
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log p) over `axis`, p the output normalised to sum to 1 and clipped."""
    b, output = current(), as_float(output)
    target = b.cast(as_array(target), b.dtype(output))
    _same_shape("categorical_crossentropy", target, output)
    return b.negative(b.sum(b.multiply(target, _log_probabilities(output, from_logits, axis)),
                            axis=axis))


@graph_aware
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """categorical_crossentropy of the one-hot of the integer `target`."""
    b, output = current(), as_float(output)
    target = b.cast(as_array(target), "int32")
    if len(b.shape(target)) == len(b.shape(output)) and b.shape(target)[-1] == 1:
        target = b.squeeze(target, -1)
    if b.shape(target) != b.shape(output)[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: target must have output's shape "
                         f"without its last axis; got {b.shape(target)} and "
                         f"{b.shape(output)}.")
    hot = b.one_hot(target, b.shape(output)[axis], axis=axis, dtype=b.dtype(output))
    return b.negative(b.sum(b.multiply(hot, _log_probabilities(output, from_logits, axis)),
                            axis=axis))
