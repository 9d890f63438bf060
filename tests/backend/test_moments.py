"""summary_statistics where the conformance table does not reach: on every backend, and so
through the loop on the host (engine/backend/moments.py) NumPy and PyTorch on the CPU run,
with and without SciPy's BLAS, with NaN, Inf and half precision."""

from __future__ import annotations

import numpy as np

from engine.backend import get_backend, moments
from tests.backend import reference


def _arrays():
    rng = np.random.default_rng(3)
    return [
        rng.standard_normal(5000).astype(np.float32),  # both signs: BLAS's asum
        rng.standard_normal((40, 30)).astype(np.float32) + 4.0,  # off centre: centred
        np.exp(rng.standard_normal(300)).astype(np.float32),  # one sign
    ]


def _statistics(backend_name, arrays):
    backend = get_backend(backend_name)
    rows = backend.summary_statistics([backend.convert(a) for a in arrays])
    return np.asarray(backend.to_numpy(rows), np.float64)


def test_without_scipy_the_statistics_are_the_same(backend_name, monkeypatch):
    arrays = _arrays()
    with_blas = _statistics(backend_name, arrays)
    monkeypatch.setattr(moments, "_blas", lambda: None)
    without = _statistics(backend_name, arrays)
    expected = reference.summary_statistics(arrays)
    np.testing.assert_allclose(with_blas, expected, rtol=1e-5)
    np.testing.assert_allclose(without, expected, rtol=1e-5)


def test_nan_and_inf_reach_the_statistics(backend_name):
    with_nan = np.array([1.0, -2.0, np.nan, 3.0], np.float32)
    with_inf = np.array([1.0, -np.inf, 2.0], np.float32)
    nan_row, inf_row = _statistics(backend_name, [with_nan, with_inf])
    assert np.isnan(nan_row[:3]).all()  # mean, squared deviations and Σ|x|
    assert inf_row[0] == -np.inf and np.isnan(inf_row[1]) and inf_row[2] == np.inf
    assert inf_row[3] == -np.inf and inf_row[4] == 2.0


def test_half_precision_comes_back_in_its_dtype(backend_name):
    backend = get_backend(backend_name)
    x = np.linspace(-2.0, 3.0, 101).astype(np.float16)
    rows = backend.summary_statistics([backend.convert(x)])
    assert backend.dtype(rows) == "float16"
    np.testing.assert_allclose(
        backend.to_numpy(rows).astype(np.float64), reference.summary_statistics([x]), rtol=2e-3
    )


def test_a_strided_array_is_summed_without_blas():
    x = np.arange(-5.0, 5.0, dtype=np.float32)
    rows = moments.summary_rows([x[::3]], lambda a: float(a.sum()), lambda a: (a.min(), a.max()))
    np.testing.assert_allclose(rows, reference.summary_statistics([x[::3]]), rtol=1e-6)
