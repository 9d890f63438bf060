"""Activations: Keras's functions, and by name as layers' `activation=` argument takes them."""

from __future__ import annotations

from collections.abc import Callable

from engine import ops
from engine.errors import LayerConfigError
from engine.keras_namespaces import missing_attribute
from engine.saving import registry

silu = ops.silu
swish = ops.silu
tanh = ops.tanh
sigmoid = ops.sigmoid
softplus = ops.softplus

# SELU's constants, as Keras (and Klambauer et al.) give them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def linear(x):
    """The identity."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); with Keras's options: a slope below `threshold`, a cap at `max_value`."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    y = x * ops.cast(ops.greater(x, threshold), ops.dtype(x)) if threshold else ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, max_value)
    if negative_slope:
        y = y - negative_slope * ops.relu(threshold - x)
    return y


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, negative_slope)


def gelu(x, approximate=False):
    """Gaussian error linear unit; Keras's activation is the exact one by default."""
    return ops.gelu(x, approximate=approximate)


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def exponential(x):
    return ops.exp(x)


def elu(x, alpha=1.0):
    """x above zero, alpha * (exp(x) - 1) below."""
    return ops.where(ops.greater(x, 0.0), x, alpha * (ops.exp(ops.minimum(x, 0.0)) - 1.0))


def selu(x):
    """Scaled ELU with Keras's constants: self-normalising with lecun_normal weights."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def celu(x, alpha=1.0):
    """max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))."""
    return ops.relu(x) + alpha * (ops.exp(ops.minimum(x, 0.0) / alpha) - 1.0)


def relu6(x):
    return ops.clip(x, 0.0, 6.0)


def hard_sigmoid(x):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    return ops.clip(x / 6.0 + 0.5, 0.0, 1.0)


def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard swish)."""
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x):
    return ops.clip(x, -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return ops.where(ops.greater(ops.abs(x), threshold), x, 0.0)


def soft_shrink(x, threshold=0.5):
    """x moved toward 0 by threshold, and 0 within it."""
    return ops.where(ops.greater(x, threshold), x - threshold,
                     ops.where(ops.less(x, -threshold), x + threshold, 0.0))


def tanh_shrink(x):
    return x - ops.tanh(x)


def softsign(x):
    return x / (ops.abs(x) + 1.0)


def mish(x):
    return x * ops.tanh(ops.softplus(x))


def log_sigmoid(x):
    return -ops.softplus(-x)


def sparse_plus(x):
    """0 below -1, x above 1, (x + 1)^2 / 4 between: a smooth ReLU with compact curvature."""
    return ops.where(ops.less_equal(x, -1.0), 0.0,
                     ops.where(ops.greater_equal(x, 1.0), x, ops.square(x + 1.0) / 4.0))


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, (x + 1) / 2 between."""
    return ops.clip((x + 1.0) / 2.0, 0.0, 1.0)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2: a softplus made of a square root."""
    return (x + ops.sqrt(ops.square(x) + b)) / 2.0


def glu(x, axis=-1):
    """a * sigmoid(b), with a and b the two halves of x along `axis`."""
    size = ops.shape(x)[axis]
    if size % 2:
        raise ValueError(f"glu splits axis {axis} in two halves, but it has odd size {size}.")
    axis = axis % len(ops.shape(x))
    first = (slice(None),) * axis + (slice(0, size // 2),)
    second = (slice(None),) * axis + (slice(size // 2, size),)
    return ops.getitem(x, first) * ops.sigmoid(ops.getitem(x, second))


def sparsemax(x, axis=-1):
    """The Euclidean projection of x onto the probability simplex (Martins and Astudillo):
    a softmax whose small entries are exactly 0. Pairwise comparisons find the support."""
    rank = len(ops.shape(x))
    axis = axis % rank
    order = [a for a in range(rank) if a != axis] + [axis]  # the axis last, and back after
    x = ops.transpose(x, order) if axis != rank - 1 else x
    others = ops.expand_dims(x, -1)  # others[..., i, j] = x_i
    larger = ops.cast(ops.greater_equal(others, ops.expand_dims(x, -2)), ops.dtype(x))
    count = ops.sum(larger, axis=-2)  # for each j: how many x_i >= x_j, and their sum
    total = ops.sum(larger * others, axis=-2)
    support = ops.cast(ops.greater(1.0 + count * x, total), ops.dtype(x))
    tau = (ops.sum(support * x, axis=-1, keepdims=True) - 1.0) / ops.sum(
        support, axis=-1, keepdims=True)
    y = ops.relu(x - tau)
    return ops.transpose(y, [order.index(a) for a in range(rank)]) if axis != rank - 1 else y


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value (no layer takes it by name: it needs both)."""
    return ops.where(ops.greater(x, threshold), x, default_value)


# The activations a layer's `activation=` takes by name: every Keras activation that needs no
# argument beyond x.
_ACTIVATIONS = {
    "linear": linear, "relu": relu, "leaky_relu": leaky_relu, "gelu": gelu, "silu": silu,
    "swish": swish, "tanh": tanh, "sigmoid": sigmoid, "softmax": softmax, "softplus": softplus,
    "celu": celu, "elu": elu, "exponential": exponential, "glu": glu, "hard_shrink": hard_shrink,
    "hard_sigmoid": hard_sigmoid, "hard_silu": hard_silu, "hard_swish": hard_swish,
    "hard_tanh": hard_tanh, "log_sigmoid": log_sigmoid, "log_softmax": log_softmax,
    "mish": mish, "relu6": relu6, "selu": selu, "soft_shrink": soft_shrink,
    "softsign": softsign, "sparse_plus": sparse_plus, "sparse_sigmoid": sparse_sigmoid,
    "sparsemax": sparsemax, "squareplus": squareplus, "tanh_shrink": tanh_shrink,
}

NAMES = tuple(_ACTIVATIONS)
_NAME_OF = {function: name for name, function in _ACTIVATIONS.items()}


class CustomActivation(str):
    """The name a config gives a user's own activation function ("package>name", as
    engine.saving.register_keras_serializable registers it), carrying the function."""

    function: Callable


def check(name) -> str:
    """The activation's canonical name: "linear" for None, a name for one of this module's
    functions, a CustomActivation for a registered function or one that names a custom object
    in scope (engine.saving.custom_object_scope); unknown names raise."""
    if name is None:
        return "linear"
    if callable(name):
        if name in _NAME_OF:
            return _NAME_OF[name]
        registered = registry.get_registered_name(name)
        if registry.get_registered_object(registered) is not name:
            raise LayerConfigError(
                f"The activation {registered!r} is a function of your own: register it with "
                "@engine.saving.register_keras_serializable() so that the model can be saved "
                f"and rebuilt, or choose one of: {', '.join(NAMES)}.")
        return _custom(registered, name)
    if isinstance(name, str) and name not in _ACTIVATIONS:
        function = registry.get_registered_object(name)
        if callable(function) and not isinstance(function, type):
            return _custom(name, function)
    if name not in _ACTIVATIONS:
        raise LayerConfigError(f"Unknown activation {name!r}. Choose one of: {', '.join(NAMES)}.")
    return name


def _custom(name: str, function: Callable) -> CustomActivation:
    custom = CustomActivation(name)
    custom.function = function
    return custom


def get(identifier):
    """The function for a name (linear for None), or `identifier` itself if it is callable."""
    return identifier if callable(identifier) else apply_function(check(identifier))


def apply_function(name) -> Callable:
    """The function of a checked name."""
    return getattr(name, "function", None) or _ACTIVATIONS[name]


def apply(name, x):
    """x through the activation called `name` (a checked name)."""
    return x if name == "linear" else apply_function(name)(x)


__getattr__ = missing_attribute(__name__)
