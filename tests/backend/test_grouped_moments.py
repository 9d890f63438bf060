"""summary_statistics as JAX, and TensorFlow under XLA, compute it (grouped_moments.py):
grouped first passes, then parts; exact to float32, differentiable as the composed ops."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backend import get_backend
from engine.backend.contract import Backend
from engine.backend.grouped_moments import split_shape
from tests.backend import reference

XLA_BACKENDS = ("jax", "tensorflow")


@pytest.fixture
def grouped(monkeypatch):
    """The backend `name`, grouping every tensor (JAX groups only big ones)."""

    def backend(name):
        pytest.importorskip(name)
        if name == "jax":
            from engine.backend.jax import statistics

            monkeypatch.setattr(statistics, "GROUPED_FROM", 0)
        return get_backend(name)

    return backend


def test_the_first_pass_groups_sixteen_values_from_the_fewest_leading_axes():
    assert split_shape((128, 26, 26, 32)) == (16, 8, 26, 26, 32)
    assert split_shape((6, 8, 5)) == (16, 3, 5)
    assert split_shape((4800,)) == (16, 300)
    assert split_shape((5000,)) is None and split_shape((3, 4)) is None
    assert split_shape(()) is None


@pytest.mark.parametrize("name", XLA_BACKENDS)
def test_compiled_statistics_are_exact_whatever_the_shape(name, grouped):
    backend = grouped(name)
    rng = np.random.default_rng(5)
    arrays = [
        rng.standard_normal((16, 9, 9, 8)).astype(np.float32) + 3.0,  # off centre, 4-d
        rng.standard_normal((6, 8, 5)).astype(np.float32) - 1.0,  # split over two axes
        np.exp(rng.standard_normal(5000)).astype(np.float32),  # rows of 1024 and a remainder
        rng.standard_normal(16 * 300).astype(np.float32),  # a vector split in 16
        rng.standard_normal((1, 70)).astype(np.float32),  # one leading index
        np.float32(2.5),  # a scalar
        rng.standard_normal((3, 4)),  # float64 stays float64 (JAX serves float32)
    ]
    compiled = backend.jit(lambda ts: [backend.summary_statistics([t]) for t in ts])
    rows = compiled([backend.convert(a) for a in arrays])
    for row, array in zip(rows, arrays):
        assert backend.dtype(row) == backend.stored_dtype(str(array.dtype))
        want = reference.summary_statistics([array])
        np.testing.assert_allclose(backend.to_numpy(row), want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", XLA_BACKENDS)
def test_compiled_statistics_keep_nan_inf_and_half_precision(name, grouped):
    backend = grouped(name)
    compiled = backend.jit(backend.summary_statistics)
    nan_row, inf_row = backend.to_numpy(
        compiled(
            [
                backend.convert(np.array([1.0, -2.0, np.nan, 3.0], np.float32)),
                backend.convert(np.array([1.0, -np.inf, 2.0], np.float32)),
            ]
        )
    )
    assert np.isnan(nan_row[:3]).all()
    assert inf_row[0] == -np.inf and np.isnan(inf_row[1]) and inf_row[2] == np.inf
    assert inf_row[3] == -np.inf and inf_row[4] == 2.0
    half = np.linspace(-2.0, 3.0, 101).astype(np.float16)
    row = compiled([backend.convert(half)])
    assert backend.dtype(row) == "float16"
    np.testing.assert_allclose(
        backend.to_numpy(row).astype(np.float64), reference.summary_statistics([half]), rtol=2e-3
    )


@pytest.mark.parametrize("name", XLA_BACKENDS)
def test_compiled_statistics_differentiate_as_the_composed_ops(name, grouped):
    backend = grouped(name)
    x = backend.convert(np.random.default_rng(6).standard_normal((16, 5)).astype(np.float32))
    weights = backend.convert(np.arange(5.0, dtype=np.float32))

    def loss(params):
        return backend.sum(backend.multiply(backend.summary_statistics(params), weights))

    def composed_loss(params):
        rows = Backend.summary_statistics(backend, params)
        return backend.sum(backend.multiply(rows, weights))

    value, (grad,) = backend.jit(backend.value_and_grad(loss))([x])
    expected_value, (expected,) = backend.value_and_grad(composed_loss)([x])
    np.testing.assert_allclose(float(value), float(expected_value), rtol=1e-6)
    np.testing.assert_allclose(
        backend.to_numpy(grad), backend.to_numpy(expected), rtol=1e-5, atol=1e-6
    )


def test_jax_groups_only_big_tensors_and_keeps_their_order(monkeypatch):
    pytest.importorskip("jax")
    from engine.backend.jax import statistics

    backend = get_backend("jax")
    monkeypatch.setattr(statistics, "GROUPED_FROM", 100)
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(n).astype(np.float32) + 1.0 for n in (50, 160, 30, 400)]
    rows = backend.jit(backend.summary_statistics)([backend.convert(a) for a in arrays])
    np.testing.assert_allclose(
        backend.to_numpy(rows), reference.summary_statistics(arrays), rtol=2e-5, atol=1e-6
    )
