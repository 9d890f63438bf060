"""Keras's `keras.random`: random tensors on the active backend, with Keras's arguments.

A seed is an int (the same values every call), a SeedGenerator (new values every call, its
state in a Variable so it moves with a backend switch and advances inside compiled steps), or
None (a fresh seed drawn from the engine's generator, so `engine.set_random_seed` makes it
reproducible). Layers pass the (2,) int32 seed their seed state gives (`Layer.next_seed`).
Every draw is built from the backend's uniform and normal draws, so it compiles everywhere.
"""

from __future__ import annotations

import numbers

import numpy as np

from engine import naming, ops
from engine.initializers import draw_seed
from engine.keras_namespaces import missing_attribute
from engine.variables import Variable


class SeedGenerator:
    """A random stream (Keras 3's `keras.random.SeedGenerator(seed=None, name=None)`): each
    `next()` gives the seed to draw with and advances the state. Assigned to a layer's
    attribute, its state is one of the layer's variables: a compiled step reads it and writes
    it back, so every step draws anew."""

    def __init__(self, seed=None, name=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"SeedGenerator: seed must be an int or None, got {seed!r}.")
        self.name = name or naming.unique_name("seed_generator")
        self._initial_seed = seed
        self.state = Variable(
            seed_array(draw_seed() if seed is None else seed), trainable=False,
            name=f"{self.name}/seed_generator_state",
        )

    def next(self):
        return advance_seed(self.state)

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def advance_seed(state: Variable):
    """The seed a (2,) int32 state Variable gives now; the state moves on so the next draw
    differs."""
    seed = state.value
    state.assign(ops.add(seed, ops.convert(np.array([0, 1], dtype=np.int32))))
    return seed


def seed_array(seed: int) -> np.ndarray:
    """The (2,) int32 seed of an int, whose low 32 bits are kept (as Keras keeps them)."""
    low_bits = (int(seed) & 0xFFFFFFFF ^ 0x80000000) - 0x80000000
    return np.array([low_bits, 0], dtype=np.int32)


def _seed_of(seed):
    """The backend's (2,) int32 seed for a Keras `seed` argument, or for such a seed already
    (what a layer's `next_seed` gives)."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if ops.is_array(seed):
        return seed
    if seed is None:
        seed = draw_seed()
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, a SeedGenerator or None, got {seed!r}.")
    return ops.convert(seed_array(seed))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values drawn from a normal distribution of `mean` and `stddev`."""
    return ops.random_normal(tuple(shape), _seed_of(seed), mean, stddev, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values drawn uniformly from [minval, maxval)."""
    return ops.random_uniform(tuple(shape), _seed_of(seed), minval, maxval, dtype)


# Draws that reject some candidates make this many per value, all at once (so they compile):
# the first accepted one is kept. The chance that none is, under 1e-10, leaves a clipped one.
TRIES = 8


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values of `mean` and `stddev`, those more than two stddev away drawn again."""
    shape = tuple(shape)
    candidates = ops.random_normal((TRIES, *shape), _seed_of(seed), dtype="float32")
    chosen = _first_accepted(candidates, ops.less_equal(ops.abs(candidates), 2.0))
    values = ops.add(ops.multiply(ops.clip(chosen, -2.0, 2.0), stddev), mean)
    return ops.cast(values, dtype or "float32")


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    drawn = ops.floor(ops.random_uniform(tuple(shape), _seed_of(seed), minval, maxval,
                                         "float32"))
    return ops.cast(ops.clip(drawn, minval, maxval - 1), dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """`inputs` with each value zeroed with probability `rate` and the rest divided by
    1 - rate. `noise_shape` (None entries: the inputs' sizes) shares one draw along the
    axes where it has 1."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"random.dropout: rate must be in [0, 1), got {rate!r}.")
    inputs = _array(inputs)
    shape = ops.shape(inputs)
    if noise_shape is None:
        noise_shape = shape
    elif len(noise_shape) != len(shape):
        raise ValueError(f"random.dropout: noise_shape {tuple(noise_shape)} must have one "
                         f"size per axis of the inputs, shape {tuple(shape)}.")
    noise_shape = tuple(size if given is None else given for given, size in
                        zip(noise_shape, shape))
    noise = ops.random_uniform(noise_shape, _seed_of(seed), dtype=ops.dtype(inputs))
    keep = ops.cast(ops.greater_equal(noise, rate), ops.dtype(inputs))
    return ops.multiply(inputs, ops.divide(keep, 1.0 - rate))


def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` in a random order."""
    x = _array(x)
    size = ops.shape(x)[axis]
    keys = ops.random_uniform((size,), _seed_of(seed))
    # each slice's place: how many keys are smaller (ties: the earlier slice first)
    before = ops.logical_or(
        ops.less(ops.expand_dims(keys, 0), ops.expand_dims(keys, 1)),
        ops.logical_and(ops.equal(ops.expand_dims(keys, 0), ops.expand_dims(keys, 1)),
                        ops.convert(np.tri(size, k=-1, dtype=bool))),
    )
    places = ops.sum(ops.cast(before, "int32"), axis=1)
    order = ops.argmax(ops.cast(ops.equal(ops.expand_dims(places, 0),
                                          ops.expand_dims(ops.arange(size), 1)), "int32"),
                       axis=1)
    return ops.take(x, order, axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (batch, classes), each drawn with
    probability softmax(logits) (the Gumbel-max trick)."""
    logits = _array(logits)
    shape = ops.shape(logits)
    if len(shape) != 2:
        raise ValueError(f"random.categorical: logits must be (batch, classes), got shape "
                         f"{tuple(shape)}.")
    uniforms = ops.random_uniform((shape[0], num_samples, shape[1]), _seed_of(seed),
                                  minval=np.finfo(np.float32).tiny, maxval=1.0)
    gumbel = ops.negative(ops.log(ops.negative(ops.log(uniforms))))
    scores = ops.add(ops.expand_dims(ops.cast(logits, "float32"), 1), gumbel)
    return ops.cast(ops.argmax(scores, axis=-1), dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Values from the gamma distribution of shape `alpha` (scale 1)."""
    shape = tuple(shape)
    uniforms = ops.random_uniform((GAMMA_UNIFORMS, *shape), _seed_of(seed))
    return ops.cast(ops.exp(_log_gamma(uniforms, alpha)), dtype or "float32")


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Values from the beta distribution of `alpha` and `beta`: X / (X + Y) of two gamma
    draws, taken as sigmoid(log X - log Y) so that small shapes, whose gamma draws underflow
    to 0 in float32, still give a ratio rather than 0 / 0."""
    shape = tuple(shape)
    uniforms = ops.random_uniform((2 * GAMMA_UNIFORMS, *shape), _seed_of(seed))
    log_x = _log_gamma(ops.getitem(uniforms, slice(0, GAMMA_UNIFORMS)), alpha)
    log_y = _log_gamma(ops.getitem(uniforms, slice(GAMMA_UNIFORMS, None)), beta)
    return ops.cast(ops.sigmoid(ops.subtract(log_x, log_y)), dtype or "float32")


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes in `counts` trials of probability `probabilities` (each a number or an
    array that broadcasts to `shape`). The counts must be known when the draw is traced."""
    shape = tuple(shape)
    try:
        most = int(np.max(ops.to_numpy(counts) if ops.is_array(counts) else counts))
    except Exception as error:
        raise ValueError("random.binomial: counts must be concrete numbers (not traced "
                         f"inside a compiled function), got {counts!r}.") from error
    trials = ops.random_uniform((max(most, 1), *shape), _seed_of(seed))
    index = ops.reshape(ops.arange(max(most, 1)), (max(most, 1),) + (1,) * len(shape))
    success = ops.logical_and(ops.less(trials, probabilities), ops.less(index, counts))
    return ops.cast(ops.sum(ops.cast(success, "float32"), axis=0), dtype or "float32")


GAMMA_UNIFORMS = 3 * TRIES + 1  # two per normal, one per acceptance test, one for alpha < 1


def _log_gamma(uniforms, alpha):
    """Logarithms of Gamma(alpha) values from a block of uniforms (GAMMA_UNIFORMS, *shape):
    Marsaglia and Tsang's method, with alpha < 1 boosted from alpha + 1 by U ** (1 / alpha),
    added here as log(U) / alpha (the value itself underflows float32 for small alpha)."""
    alpha = ops.cast(_array(alpha), "float32")
    boosted = ops.where(ops.less(alpha, 1.0), ops.add(alpha, 1.0), alpha)
    d = ops.subtract(boosted, 1.0 / 3.0)
    c = ops.divide(1.0, ops.sqrt(ops.multiply(d, 9.0)))
    radius = ops.sqrt(ops.multiply(ops.log(_open(ops.getitem(uniforms, slice(0, TRIES)))), -2.0))
    angle = ops.multiply(ops.getitem(uniforms, slice(TRIES, 2 * TRIES)), 2 * np.pi)
    z = ops.multiply(radius, ops.cos(angle))  # Box-Muller: standard normals
    v = ops.power(ops.add(ops.multiply(z, c), 1.0), 3.0)
    positive_v = ops.maximum(v, np.finfo(np.float32).tiny)
    bound = ops.add(ops.multiply(ops.square(z), 0.5),
                    ops.multiply(d, ops.add(ops.subtract(1.0, positive_v), ops.log(positive_v))))
    accepted = ops.logical_and(
        ops.greater(v, 0.0),
        ops.less(ops.log(_open(ops.getitem(uniforms, slice(2 * TRIES, 3 * TRIES)))), bound))
    log_value = ops.add(ops.log(d), _first_accepted(ops.log(positive_v), accepted))
    log_boost = ops.divide(ops.log(_open(ops.getitem(uniforms, 3 * TRIES))), alpha)
    return ops.where(ops.less(alpha, 1.0), ops.add(log_value, log_boost), log_value)


def _open(uniforms):
    """Uniforms from [0, 1) moved to (0, 1], whose logarithm is finite."""
    return ops.subtract(1.0, uniforms)


def _first_accepted(candidates, accepted):
    """The first candidate along axis 0 that `accepted` marks (the first one where none is)."""
    first = ops.argmax(ops.cast(accepted, "int32"), axis=0)
    return ops.squeeze(ops.take_along_axis(candidates, ops.expand_dims(first, 0), axis=0), 0)


def _array(x):
    """`x` on the active backend (Variables read, NumPy and Python values converted)."""
    if isinstance(x, Variable):
        return x.value
    return x if ops.is_array(x) else ops.convert(np.asarray(x, dtype=_dtype_of(x)))


def _dtype_of(x):
    kind = np.asarray(x).dtype.kind
    return "float32" if kind == "f" else "int32" if kind in "iub" else None


__getattr__ = missing_attribute(__name__)
