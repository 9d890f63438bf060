"""Activations: Keras's functions, and by name as layers' `activation=` argument takes them."""

from __future__ import annotations

from collections.abc import Callable

from engine import ops
from engine.errors import LayerConfigError
from engine.keras_namespaces import missing_attribute
from engine.saving import registry

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
