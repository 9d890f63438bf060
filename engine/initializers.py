"""Weight initializers: NumPy arrays drawn on the host from one seeded generator.

Drawing every initial value with NumPy, whatever the backend, is what makes a model built
after `engine.set_random_seed(s)` start from identical weights on every backend. Names and
formulas follow Keras 3 (the random streams differ: Keras draws with its own generator).
"""

from __future__ import annotations

import math

import numpy as np

from engine.errors import LayerConfigError
from engine.keras_namespaces import missing_attribute

_generator = [np.random.default_rng()]


def set_random_seed(seed: int) -> None:
    """Make every later initialisation (and default layer seed) reproducible."""
    _generator[0] = np.random.default_rng(seed)


def draw_seed() -> int:
    """A fresh seed for a layer that draws random numbers while it runs (Dropout)."""
    return int(_generator[0].integers(0, 2**31 - 1))


def compute_fans(shape) -> tuple[float, float]:
    """Keras's fan rule: kernels are (*receptive_field, fan_in, fan_out)."""
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


def _variance_scaling(scale, mode, distribution):
    def init(shape, rng):
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / max(1.0, fan)
        if distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape)
        # truncated normal at two standard deviations, rescaled to keep the variance
        stddev = math.sqrt(variance) / 0.87962566103423978
        return _truncated_normal(rng, shape, stddev)

    return init


def _truncated_normal(rng, shape, stddev):
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return values * stddev


def _orthogonal(shape, rng):
    rows = math.prod(shape[:-1]) if len(shape) > 1 else 1
    cols = shape[-1]
    flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return q[:rows, :cols].reshape(shape)


_INITIALIZERS = {
    "zeros": lambda shape, rng: np.zeros(shape),
    "ones": lambda shape, rng: np.ones(shape),
    "glorot_uniform": _variance_scaling(1.0, "fan_avg", "uniform"),
    "glorot_normal": _variance_scaling(1.0, "fan_avg", "normal"),
    "he_uniform": _variance_scaling(2.0, "fan_in", "uniform"),
    "he_normal": _variance_scaling(2.0, "fan_in", "normal"),
    "lecun_uniform": _variance_scaling(1.0, "fan_in", "uniform"),
    "lecun_normal": _variance_scaling(1.0, "fan_in", "normal"),
    "random_uniform": lambda shape, rng: rng.uniform(-0.05, 0.05, shape),
    "random_normal": lambda shape, rng: rng.normal(0.0, 0.05, shape),
    "truncated_normal": lambda shape, rng: _truncated_normal(rng, shape, 0.05),
    "orthogonal": _orthogonal,
}

NAMES = tuple(_INITIALIZERS)
ALIASES = {"uniform": "random_uniform", "normal": "random_normal"}  # Keras's short names


class Initializer:
    """Keras's initializer objects: `init(shape, dtype)` draws an initial value as the
    initializer of the class's `name` does; layers take one wherever they take that name."""

    name = ""

    def __call__(self, shape, dtype=None):
        return initialize(self.name, shape, dtype or "float32")

    def get_config(self) -> dict:
        return {}


def _keras_class(name):
    """Keras's class for an initializer name: glorot_uniform -> GlorotUniform."""
    class_name = "".join(part.title() for part in name.split("_"))
    return type(class_name, (Initializer,), {"name": name, "__doc__": f"The {name!r} initializer."})


# Keras's classes, under their class names and, as Keras aliases them, their lowercase names;
# Keras also takes the class name as a string (PReLU's default is "Zeros")
for _name in NAMES:
    _class = _keras_class(_name)
    globals()[_name] = globals()[_class.__name__] = _class
    ALIASES[_class.__name__] = _name


def check(name) -> str:
    """The canonical name of a known initializer (or of an Initializer, or a Keras alias),
    else a LayerConfigError listing the choices."""
    if isinstance(name, Initializer):
        return name.name
    if isinstance(name, str):
        name = ALIASES.get(name, name)
    if not isinstance(name, str) or name not in _INITIALIZERS:
        raise LayerConfigError(f"Unknown initializer {name!r}. Choose one of: {', '.join(NAMES)}.")
    return name


def initialize(initializer, shape, dtype: str = "float32") -> np.ndarray:
    """An initial value of `shape`: drawn by the initializer of that name, or made by a
    function (shape, dtype) -> array, a layer's own rule (LSTM's unit forget bias)."""
    shape = tuple(shape)
    if callable(initializer):
        values = initializer(shape, dtype)
    else:
        values = _INITIALIZERS[check(initializer)](shape, _generator[0])
    return np.ascontiguousarray(values, dtype=dtype).reshape(shape)  # () stays ()


__getattr__ = missing_attribute(__name__)
