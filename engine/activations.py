"""Activations by name, as layers' `activation=` argument takes them."""

from __future__ import annotations

from engine import ops
from engine.errors import LayerConfigError

_ACTIVATIONS = {
    "linear": None,
    "relu": ops.relu,
    "leaky_relu": ops.leaky_relu,
    "gelu": lambda x: ops.gelu(x, approximate=False),  # Keras's activation is the exact one
    "silu": ops.silu,
    "swish": ops.silu,
    "tanh": ops.tanh,
    "sigmoid": ops.sigmoid,
    "softmax": ops.softmax,
    "softplus": ops.softplus,
}

NAMES = tuple(_ACTIVATIONS)


def check(name) -> str:
    """The activation's canonical name ("linear" for None); unknown names raise."""
    if name is None:
        return "linear"
    if name not in _ACTIVATIONS:
        raise LayerConfigError(f"Unknown activation {name!r}. Choose one of: {', '.join(NAMES)}.")
    return name


def get(name):
    """The function for `name`, or None for the identity ("linear")."""
    return _ACTIVATIONS[check(name)]


def apply(name, x):
    fn = get(name)
    return x if fn is None else fn(x)
