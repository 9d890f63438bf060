"""Activations: Keras's functions, and by name as layers' `activation=` argument takes them."""

from __future__ import annotations

from engine import ops
from engine.errors import LayerConfigError
from engine.keras_namespaces import missing_attribute

relu = ops.relu
leaky_relu = ops.leaky_relu
silu = ops.silu
swish = ops.silu
tanh = ops.tanh
sigmoid = ops.sigmoid
softmax = ops.softmax
softplus = ops.softplus


def linear(x):
    """The identity."""
    return x


def gelu(x, approximate=False):
    """Gaussian error linear unit; Keras's activation is the exact one by default."""
    return ops.gelu(x, approximate=approximate)


_ACTIVATIONS = {
    "linear": linear, "relu": relu, "leaky_relu": leaky_relu, "gelu": gelu, "silu": silu,
    "swish": swish, "tanh": tanh, "sigmoid": sigmoid, "softmax": softmax, "softplus": softplus,
}

NAMES = tuple(_ACTIVATIONS)
_NAME_OF = {function: name for name, function in _ACTIVATIONS.items()}


def check(name) -> str:
    """The activation's canonical name ("linear" for None, a name for one of this module's
    functions); unknown names raise."""
    if name is None:
        return "linear"
    if callable(name) and name in _NAME_OF:
        return _NAME_OF[name]
    if name not in _ACTIVATIONS:
        raise LayerConfigError(f"Unknown activation {name!r}. Choose one of: {', '.join(NAMES)}.")
    return name


def get(identifier):
    """The function for a name (linear for None), or `identifier` itself if it is callable."""
    return identifier if callable(identifier) else _ACTIVATIONS[check(identifier)]


def apply(name, x):
    """x through the activation called `name` (a checked name)."""
    return x if name == "linear" else _ACTIVATIONS[name](x)


__getattr__ = missing_attribute(__name__)
