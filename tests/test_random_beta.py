"""random.beta and random.gamma for small shapes: no NaN where both gamma draws underflow
float32, and the moments still those of the distributions, on every backend."""

import numpy as np
import pytest

from engine import ops
from engine import random as rnd

SHAPES = [0.001, 0.01, 0.5, 2.0, 10.0]
PAIRS = [(a, b) for a in SHAPES for b in (0.001, 0.5, 10.0)]
DRAWS = 20000


def beta_moments(a, b):
    """Mean, variance and fourth central moment of Beta(a, b), from its raw moments
    E[X^k] = prod_{r<k} (a + r) / (a + b + r)."""
    raw = np.cumprod([(a + r) / (a + b + r) for r in range(4)])
    mean = raw[0]
    fourth = raw[3] - 4 * mean * raw[2] + 6 * mean**2 * raw[1] - 3 * mean**4
    return mean, raw[1] - mean**2, fourth


@pytest.mark.parametrize("a, b", PAIRS)
def test_beta_has_the_beta_moments_and_no_nan(backend_name, a, b):
    draws = ops.to_numpy(rnd.beta((DRAWS,), a, b, seed=7)).astype(np.float64)
    assert np.isfinite(draws).all() and ((draws >= 0) & (draws <= 1)).all()
    mean, variance, fourth = beta_moments(a, b)
    assert abs(draws.mean() - mean) < 5 * np.sqrt(variance / DRAWS) + 1e-4
    assert abs(draws.var() - variance) < 5 * np.sqrt((fourth - variance**2) / DRAWS) + 1e-4


def test_beta_takes_keras_arguments_and_dtype():
    keras = pytest.importorskip("keras")
    drawn = rnd.beta(shape=(3, 4), alpha=0.01, beta=0.01, dtype="float16", seed=1)
    reference = keras.random.beta(shape=(3, 4), alpha=0.01, beta=0.01, dtype="float16", seed=1)
    assert tuple(drawn.shape) == tuple(reference.shape)
    assert ops.dtype(drawn) == "float16" == str(reference.dtype)
    assert ops.dtype(rnd.beta((2,), 0.5, 0.5)) == "float32"


def test_beta_takes_array_shapes():
    alpha = np.full((DRAWS,), 0.01, "float32")
    draws = ops.to_numpy(rnd.beta((DRAWS,), alpha, 2.0, seed=3))
    assert np.isfinite(draws).all()
    assert abs(draws.mean() - 0.01 / 2.01) < 0.003


@pytest.mark.parametrize("alpha", [0.01, 0.5, 2.0, 10.0])
def test_gamma_keeps_its_moments_and_stays_finite(backend_name, alpha):
    draws = ops.to_numpy(rnd.gamma((DRAWS,), alpha, seed=5)).astype(np.float64)
    assert np.isfinite(draws).all() and (draws >= 0).all()
    assert abs(draws.mean() - alpha) < 5 * np.sqrt(alpha / DRAWS)
    # Gamma(alpha)'s fourth central moment is 3 alpha^2 + 6 alpha.
    assert abs(draws.var() - alpha) < 5 * np.sqrt((2 * alpha**2 + 6 * alpha) / DRAWS)
