"""Weight initializers: NumPy arrays drawn on the host from one seeded generator.

Drawing every initial value with NumPy, whatever the backend, is what makes a model built
after `engine.set_random_seed(s)` start from identical weights on every backend. Names,
classes, arguments and formulas follow Keras 3; the deterministic ones (Zeros, Ones,
Constant, Identity, STFT) give Keras's values (STFT to float32 rounding). The random
streams differ: Keras draws with its own generator, so a seeded initializer here repeats its
own values (on every backend), not Keras's.

Layers take an initializer by name ("glorot_uniform") or as an object of a named class with
its default arguments (GlorotUniform(), whose seed the layer leaves to the engine's
generator); other objects (Constant(0.5), VarianceScaling(...)) are for calling directly.
"""

from __future__ import annotations

import math

import numpy as np

from engine import keras_objects
from engine.errors import LayerConfigError
from engine.keras_namespaces import missing_attribute

_generator = [np.random.default_rng()]


def set_random_seed(seed: int) -> None:
    """Make every later initialisation (and default layer seed) reproducible."""
    _generator[0] = np.random.default_rng(seed)


def draw_seed() -> int:
    """A fresh seed for a layer that draws random numbers while it runs (Dropout)."""
    return int(_generator[0].integers(0, 2**31 - 1))


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[float, float]:
    """Keras's fan rule: the product of the sizes on `input_axes` and on `output_axes` when
    both are given, else kernels are (*receptive_field, fan_in, fan_out)."""
    if input_axes is not None and output_axes is not None:
        return (float(math.prod(shape[axis] for axis in input_axes)),
                float(math.prod(shape[axis] for axis in output_axes)))
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


def _truncated_normal(rng, shape, stddev, mean=0.0):
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return mean + values * stddev


class Initializer:
    """Keras's initializer objects: `init(shape, dtype)` returns an initial value (a NumPy
    array). A subclass writes `draw(shape, rng)` and lists its arguments in `get_config`."""

    name = ""  # the layer-argument name of a class whose default object layers take

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        return np.asarray(self.draw(shape, self._rng()), dtype=dtype or "float32")

    def draw(self, shape, rng):
        raise NotImplementedError(f"{type(self).__name__} must define draw(shape, rng).")

    def _rng(self):
        """A generator of this object's seed (the same values every call, as Keras's seeded
        initializers give), else the engine's."""
        seed = getattr(self, "seed", None)
        return _generator[0] if seed is None else np.random.default_rng(seed)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class Seeded(Initializer):
    """An initializer with Keras's optional integer `seed`."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise LayerConfigError(
                f"{type(self).__name__}: `seed` must be an integer or None. Received: "
                f"seed={seed!r}."
            )
        self.seed = seed

    def get_config(self):
        return {"seed": self.seed}


class Zeros(Initializer):
    name = "zeros"

    def draw(self, shape, rng):
        return np.zeros(shape)


class Ones(Initializer):
    name = "ones"

    def draw(self, shape, rng):
        return np.ones(shape)


class Constant(Initializer):
    """Every entry `value`."""

    def __init__(self, value=0.0):
        self.value = value

    def draw(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only, as in Keras)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def draw(self, shape, rng):
        if len(shape) != 2:
            raise LayerConfigError(
                f"Identity initializer can only be used for 2D matrices. Received: "
                f"shape={shape} of rank {len(shape)}."
            )
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


class RandomNormal(Seeded):
    name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def draw(self, shape, rng):
        return rng.normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomNormal):
    """Normal values redrawn until within two standard deviations of the mean."""

    name = "truncated_normal"

    def draw(self, shape, rng):
        return _truncated_normal(rng, shape, self.stddev, self.mean)


class RandomUniform(Seeded):
    name = "random_uniform"

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def draw(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


class VarianceScaling(Seeded):
    """Values of variance `scale / fan` (fan by `mode`), drawn from `distribution`: a normal
    truncated at two standard deviations (rescaled to keep the variance), a normal, or a
    uniform distribution. With `input_axes` and `output_axes` the fans are the products of
    those axes' sizes."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        kind = type(self).__name__
        if not scale > 0:
            raise LayerConfigError(f"{kind}: `scale` must be positive. Received: scale={scale}.")
        if mode not in _MODES:
            raise LayerConfigError(
                f"{kind}: `mode` must be one of {', '.join(_MODES)}. Received: mode={mode!r}."
            )
        distribution = str(distribution).lower()
        if distribution not in _DISTRIBUTIONS:
            raise LayerConfigError(
                f"{kind}: `distribution` must be one of {', '.join(_DISTRIBUTIONS)}. "
                f"Received: distribution={distribution!r}."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def draw(self, shape, rng):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), shape)
        return _truncated_normal(rng, shape, math.sqrt(variance) / 0.87962566103423978)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """Keras's named VarianceScaling subclasses: their (scale, mode, distribution) fixed,
    the seed and the fans' axes their only arguments."""

    arguments: tuple = ()

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self.arguments, seed=seed, input_axes=input_axes,
                         output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    name, arguments = "glorot_uniform", (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    name, arguments = "glorot_normal", (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    name, arguments = "he_uniform", (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    name, arguments = "he_normal", (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    name, arguments = "lecun_uniform", (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    name, arguments = "lecun_normal", (1.0, "fan_in", "truncated_normal")


class Orthogonal(Seeded):
    """`gain` times an orthogonal matrix (of the shape flattened to 2-D), from the QR
    decomposition of a normal draw."""

    name = "orthogonal"

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def draw(self, shape, rng):
        rows = math.prod(shape[:-1]) if len(shape) > 1 else 1
        cols = shape[-1]
        flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q[:rows, :cols].reshape(shape)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


class STFT(Initializer):
    """Keras's STFT kernel, shape (frame_length, 1, fft_length // 2 + 1): the real (cos) or
    imaginary (sin) part of the DFT, times a window ("hann" or another of SciPy's, an array,
    or None) divided by its norm ("density") or sum ("spectrum")."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise LayerConfigError(f"STFT: `side` must be 'real' or 'imag'. Received: {side!r}.")
        if scaling not in (None, "density", "spectrum"):
            raise LayerConfigError(
                f"STFT: `scaling` must be None, 'density' or 'spectrum'. Received: {scaling!r}."
            )
        if isinstance(window, str):
            _window(window, 1, periodic)  # an unknown window's error now, not at build
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def draw(self, shape, rng):
        if len(shape) != 3:
            raise LayerConfigError(
                f"STFT initializer expects a shape (frame_length, 1, bins). Received: {shape}."
            )
        frame_length, _, bins = shape
        frequencies = np.arange(bins).reshape(1, 1, bins) / ((bins - 1) * 2)
        times = np.arange(frame_length).reshape(frame_length, 1, 1)
        angles = -2 * times * frequencies * np.pi
        kernel = np.cos(angles) if self.side == "real" else np.sin(angles)
        if self.window is None:
            return kernel
        window = self.window
        if isinstance(window, str):
            window = _window(window, frame_length, self.periodic)
        window = np.asarray(window, dtype="float64").reshape(frame_length, 1, 1)
        scaling = {"density": lambda: np.sqrt(np.sum(window**2)),
                   "spectrum": lambda: np.sum(np.abs(window)), None: lambda: 1.0}
        return kernel * window / scaling[self.scaling]()

    def get_config(self):
        return {"side": self.side, "window": self.window, "periodic": self.periodic,
                "scaling": self.scaling}


def _window(name, length, periodic):
    try:
        from scipy import signal
    except ImportError:  # pragma: no cover - SciPy comes with the engine's dependencies
        raise LayerConfigError(
            f"STFT: the window {name!r} is computed by SciPy, which is not installed. "
            "Install scipy, or pass the window as an array."
        ) from None
    try:
        return signal.get_window(name, length, fftbins=periodic)
    except ValueError as error:
        raise LayerConfigError(f"STFT: unknown window {name!r} ({error}).") from None


# Keras's aliases
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
STFTInitializer = STFT

_CLASSES = (Zeros, Ones, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
            LecunNormal, RandomUniform, RandomNormal, TruncatedNormal, Orthogonal, Constant,
            Identity, VarianceScaling, STFT)
_SNAKE = {"VarianceScaling": "variance_scaling", "STFT": "stft"}
# Keras's lowercase names for its classes (glorot_uniform is GlorotUniform, as in Keras)
for _class in _CLASSES:
    globals()[_class.name or _SNAKE.get(_class.__name__, _class.__name__.lower())] = _class

# The names layers take, each drawn by the class's default object
NAMED = {cls.name: cls for cls in _CLASSES if cls.name}
NAMES = tuple(NAMED)
ALIASES = {"uniform": "random_uniform", "normal": "random_normal",  # Keras's short names
           **{cls.__name__: cls.name for cls in NAMED.values()}}  # "Zeros" (PReLU's default)

TABLE = keras_objects.Table("initializer", "keras.initializers", {
    **{cls.__name__: cls for cls in _CLASSES},
    **{name: cls for name, cls in NAMED.items()},
    "constant": Constant, "identity": Identity, "variance_scaling": VarianceScaling,
    "stft": STFT, "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
    "STFTInitializer": STFT, "uniform": RandomUniform, "normal": RandomNormal,
})


def check(name) -> str:
    """The canonical name of a known initializer (or of an object of a named class with its
    defaults, its Keras config, or a Keras alias), else a LayerConfigError listing the
    choices."""
    if isinstance(name, dict) and "class_name" in name:  # Keras's config of one
        name = deserialize(name)
    if isinstance(name, Initializer):
        return _name_of(name)
    if isinstance(name, str):
        name = ALIASES.get(name, name)
    if not isinstance(name, str) or name not in NAMED:
        raise LayerConfigError(f"Unknown initializer {name!r}. Choose one of: {', '.join(NAMES)}.")
    return name


def _name_of(initializer: Initializer) -> str:
    """A layer draws its weights by name: the object must be its named class's default
    (its seed aside, which the engine's generator replaces)."""
    cls = type(initializer)
    defaults = {k: v for k, v in cls().get_config().items() if k != "seed"} if cls.name else None
    if defaults is None or {
        k: v for k, v in initializer.get_config().items() if k != "seed"
    } != defaults:
        raise LayerConfigError(
            f"A layer takes an initializer by name ({', '.join(NAMES)}) or as the default "
            f"object of one of their classes; {initializer!r} has arguments the layer cannot "
            "keep. Call it yourself and assign the result after building: "
            "layer.kernel.assign(initializer(layer.kernel.shape))."
        )
    return cls.name


def initialize(initializer, shape, dtype: str = "float32") -> np.ndarray:
    """An initial value of `shape`: drawn by the initializer of that name, or made by a
    function (shape, dtype) -> array, a layer's own rule (LSTM's unit forget bias)."""
    shape = tuple(shape)
    if callable(initializer) and not isinstance(initializer, type):
        values = initializer(shape, dtype)
    else:
        values = NAMED[check(initializer)]().draw(shape, _generator[0])
    return np.ascontiguousarray(values, dtype=dtype).reshape(shape)  # () stays ()


def get(identifier):
    """An initializer from a name ("he_normal", "HeNormal", "constant"), a Keras config dict,
    a class (made with its defaults), an object or a function (kept), or None."""
    return keras_objects.get(TABLE, identifier)


def serialize(initializer):
    """Keras's dict of an initializer: module, class_name, config, registered_name."""
    return keras_objects.serialize(TABLE, initializer)


def deserialize(config, custom_objects=None):
    """The initializer a Keras config dict (or name) describes; nothing is imported."""
    return keras_objects.deserialize(TABLE, config, custom_objects)


__getattr__ = missing_attribute(__name__)
