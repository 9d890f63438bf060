"""Keras's `keras.config`: the global settings a Keras program reads and sets.

What the engine honours: the dtype policy (`floatx`'s unless `set_dtype_policy` set one) is
the policy of a layer created without one (engine/dtype_policies.py: mixed precision too);
`image_data_format` is the default `data_format` of layers and image ops (a layer that
computes channels-last only refuses "channels_first" with an error saying so); interactive
logging is fit's progress bar (off: the epoch lines go to the "engine" logger); `max_epochs`
and `max_steps_per_epoch` cap fit's epochs and steps, as Keras does for quick debugging runs.
The fuzz factor is fixed: the losses and metrics are written with 1e-7, so `set_epsilon`
takes that value only. `set_backend` is the engine's: it switches live, moving every model,
where Keras's reloads Keras.
"""

from __future__ import annotations

import numbers
import warnings

from engine.backend import current
from engine.dtype_policies import DTypePolicy
from engine.errors import EngineError
from engine.keras_namespaces import missing_attribute
from engine.losses import EPSILON
from engine.saving.registry import enable_unsafe_deserialization
from engine.switching import set_backend

FLOATX_CHOICES = ("float16", "float32", "float64")  # Keras's, less bfloat16 (see set_floatx)
DATA_FORMATS = ("channels_last", "channels_first")

_settings = {
    "floatx": "float32",
    "image_data_format": "channels_last",
    "interactive_logging": True,
    "max_epochs": None,
    "max_steps_per_epoch": None,
    "dtype_policy": None,  # None: floatx's
}


class ConfigError(EngineError, ValueError):
    """A setting was given a value the engine does not know or cannot honour."""


def backend() -> str:
    """The default backend's name: "numpy", "jax", "torch" or "tensorflow"."""
    return current().name


def floatx() -> str:
    """The dtype of layers created without one: "float32" unless `set_floatx` changed it."""
    return _settings["floatx"]


def set_floatx(value) -> None:
    """Make `value` ("float16", "float32" or "float64") the dtype of layers created from now
    on without a dtype. Layers that exist keep theirs. Keras also takes "bfloat16", which
    NumPy (and so the engine's NumPy backend and layer arguments) lacks: it is refused."""
    if value == "bfloat16":
        raise ConfigError(
            "set_floatx('bfloat16'): NumPy has no bfloat16, so the engine's layers cannot "
            "take it on every backend. Use 'float16', 'float32' or 'float64', or give "
            "dtype='bfloat16' to layers on JAX, PyTorch or TensorFlow."
        )
    if value not in FLOATX_CHOICES:
        raise ConfigError(
            f"set_floatx: unknown floatx {value!r}. Use one of: {', '.join(FLOATX_CHOICES)}."
        )
    _settings["floatx"] = str(value)


def dtype_policy() -> DTypePolicy:
    """The policy of layers created without a dtype: the one `set_dtype_policy` set, else
    floatx's."""
    return _settings["dtype_policy"] or DTypePolicy(floatx())


def set_dtype_policy(policy) -> None:
    """Make `policy` (a name or a DTypePolicy) the default of layers (and models) created
    from now on: "mixed_float16" or "mixed_bfloat16" for mixed precision."""
    if not isinstance(policy, (str, DTypePolicy)):
        raise ConfigError(
            f"set_dtype_policy: expected the name of a policy (such as 'mixed_float16') or a "
            f"DTypePolicy. Received: policy={policy!r}."
        )
    _settings["dtype_policy"] = policy if isinstance(policy, DTypePolicy) else DTypePolicy(policy)


def epsilon() -> float:
    """The fuzz factor that keeps losses away from log(0) and division by zero."""
    return EPSILON


def set_epsilon(value) -> None:
    """Accepts Keras's default only: the engine's losses and metrics are written with it."""
    if not (isinstance(value, numbers.Real) and float(value) == EPSILON):
        raise ConfigError(
            f"set_epsilon({value!r}): the engine's losses, metrics and constraints use the "
            f"fixed fuzz factor {EPSILON}, so another value would not be honoured. Leave "
            f"epsilon at {EPSILON}."
        )


def image_data_format() -> str:
    """Where images keep their channels by default: "channels_last" (batch, height, width,
    channels) unless `set_image_data_format` changed it."""
    return _settings["image_data_format"]


def set_image_data_format(data_format) -> None:
    """The default `data_format` of layers and image ops from now on. The engine's
    convolution and pooling layers compute channels-last only: with "channels_first" they
    raise an error when created without an explicit data_format."""
    value = str(data_format).lower() if isinstance(data_format, str) else data_format
    if value not in DATA_FORMATS:
        raise ConfigError(
            f"set_image_data_format: unknown data_format {data_format!r}. Use "
            "'channels_last' or 'channels_first'."
        )
    _settings["image_data_format"] = value


def is_interactive_logging_enabled() -> bool:
    """Whether fit, evaluate and predict draw their progress bar (True by default)."""
    return _settings["interactive_logging"]


def enable_interactive_logging() -> None:
    """Progress bars and epoch lines on the output, as by default."""
    _settings["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """No progress bars; epoch lines go to the "engine" logger (logging.INFO) instead of the
    output, for runs whose output is a log file."""
    _settings["interactive_logging"] = False


def max_epochs() -> int | None:
    """The most epochs fit runs, whatever its `epochs` (None: no cap)."""
    return _settings["max_epochs"]


def set_max_epochs(max_epochs) -> None:
    """Cap fit at this many epochs (None removes the cap): for quick debugging runs."""
    _settings["max_epochs"] = _cap("set_max_epochs", max_epochs)


def max_steps_per_epoch() -> int | None:
    """The most steps an epoch of fit, evaluate or predict runs (None: no cap)."""
    return _settings["max_steps_per_epoch"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Cap each epoch at this many steps (None removes the cap): for quick debugging runs."""
    _settings["max_steps_per_epoch"] = _cap("set_max_steps_per_epoch", max_steps_per_epoch)


def capped_epochs(epochs: int) -> int:
    """fit's `epochs` under `max_epochs`, with Keras's warning when it cuts them."""
    cap = max_epochs()
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        return cap
    return epochs


def capped_steps(steps_per_epoch: int | None) -> int | None:
    """An epoch's `steps_per_epoch` under `max_steps_per_epoch`, with Keras's warning."""
    cap = max_steps_per_epoch()
    if cap and (not steps_per_epoch or cap < steps_per_epoch):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        return cap
    return steps_per_epoch


def _cap(function, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"{function}: expected a positive integer or None, got {value!r}.")
    return int(value)


__all__ = [
    "ConfigError", "backend", "disable_interactive_logging", "dtype_policy",
    "enable_interactive_logging", "enable_unsafe_deserialization", "epsilon", "floatx",
    "image_data_format", "is_interactive_logging_enabled", "max_epochs", "max_steps_per_epoch",
    "set_backend", "set_dtype_policy", "set_epsilon", "set_floatx", "set_image_data_format",
    "set_max_epochs", "set_max_steps_per_epoch",
]
__getattr__ = missing_attribute(__name__)
