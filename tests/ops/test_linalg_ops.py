"""keras.ops.linalg (and slogdet, norm) against keras.ops on every backend, from one table;
gradients by finite differences, jvp against Keras's, the namespaces and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import ops

RNG = np.random.default_rng(11)


def normal(*shape):
    return RNG.standard_normal(shape).astype("float32")


def well_conditioned(*shape):
    return (normal(*shape) * 0.5 + 3 * np.eye(shape[-1])).astype("float32")


def positive_definite(*shape):
    a = normal(*shape)
    return (a @ np.swapaxes(a, -1, -2) + np.eye(shape[-1])).astype("float32")


SQUARE = well_conditioned(3, 3)
BATCH = well_conditioned(2, 3, 3)
TALL = normal(4, 3)
WIDE = normal(2, 3, 4)
SPD = positive_definite(3, 3)
SPD_BATCH = positive_definite(2, 3, 3)
FACTOR = np.linalg.cholesky(SPD).astype("float32")
SHUFFLED = normal(2, 4, 4)  # no dominant diagonal: rows are swapped
RANK_ONE = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5, 2.0]).astype("float32")

# (name, positional arguments, keyword arguments, signed): `signed` False compares absolute
# values, for outputs (eigenvectors, singular vectors, q and r) fixed only up to a sign.
CASES = [
    ("cholesky", (SPD,), {}, True), ("cholesky", (SPD_BATCH,), {"upper": True}, True),
    ("cholesky_inverse", (FACTOR,), {}, True),
    ("cholesky_inverse", (FACTOR.T.copy(),), {"upper": True}, True),
    ("det", (BATCH,), {}, True), ("slogdet", (normal(3, 3),), {}, True),
    ("inv", (BATCH,), {}, True), ("logdet", (SPD_BATCH,), {}, True),
    ("solve", (BATCH, normal(2, 3, 2)), {}, True), ("solve", (SQUARE, normal(3)), {}, True),
    ("solve_triangular", (SQUARE, normal(3, 2)), {}, True),
    ("solve_triangular", (SQUARE, normal(3)), {"lower": True}, True),
    ("eigh", (SPD_BATCH,), {}, False),
    ("qr", (TALL,), {}, False), ("qr", (TALL,), {"mode": "complete"}, False),
    ("qr", (WIDE,), {}, False),
    ("svd", (SQUARE,), {}, False), ("svd", (TALL,), {"full_matrices": False}, False),
    ("svd", (WIDE,), {"compute_uv": False}, True),
    ("lu_factor", (SQUARE,), {}, True), ("lu_factor", (BATCH,), {}, True),
    ("lstsq", (TALL, normal(4)), {}, True), ("lstsq", (TALL, normal(4, 2)), {"rcond": 1e-3}, True),
    ("matrix_rank", (RANK_ONE,), {}, True), ("matrix_rank", (TALL,), {"tol": 10.0}, True),
    ("pinv", (WIDE,), {}, True), ("norm", (TALL,), {}, True),
    ("norm", (TALL,), {"ord": "fro", "keepdims": True}, True),
    ("norm", (TALL,), {"ord": "nuc"}, True), ("norm", (TALL,), {"ord": 2}, True),
    ("norm", (TALL,), {"ord": 1}, True), ("norm", (TALL,), {"ord": np.inf}, True),
    ("norm", (WIDE,), {"ord": 1, "axis": (2, 1), "keepdims": True}, True),
    ("norm", (WIDE,), {"ord": "nuc", "axis": (0, 2), "keepdims": True}, True),
    ("norm", (WIDE,), {"ord": 3, "axis": -1}, True),
    ("norm", (WIDE,), {"ord": 0, "axis": 0}, True),
    ("norm", (TALL[0],), {"ord": 0.5, "keepdims": True}, True),
    ("norm", (np.arange(6, dtype="int32").reshape(2, 3),), {}, True),
]
# More of the same kinds, run with --slow
SLOW_CASES = [
    ("det", (SQUARE,), {}, True), ("slogdet", (BATCH,), {}, True),
    ("matrix_rank", (WIDE,), {}, True), ("pinv", (TALL,), {}, True),
    ("norm", (WIDE,), {}, True), ("norm", (WIDE,), {"axis": 1}, True),
    ("norm", (TALL,), {"ord": -2}, True), ("norm", (TALL,), {"ord": -1}, True),
    ("norm", (TALL,), {"ord": -np.inf}, True), ("norm", (TALL[0],), {"ord": -np.inf}, True),
]


def _keras(name, args, kwargs):
    import keras

    result = getattr(keras.ops, name)(*args, **kwargs)
    if isinstance(result, (list, tuple)):
        return [keras.ops.convert_to_numpy(r) for r in result]
    return [keras.ops.convert_to_numpy(result)]


def _case_id(case):
    name, args, kwargs, _ = case
    shapes = "-".join("x".join(map(str, np.shape(a))) for a in args)
    return f"{name}-{shapes}-{'-'.join(f'{k}={v}' for k, v in kwargs.items())}"


@pytest.mark.parametrize("name, args, kwargs, signed", [
    *CASES, *(pytest.param(*case, marks=pytest.mark.slow) for case in SLOW_CASES)
], ids=[_case_id(c) for c in CASES + SLOW_CASES])
def test_linalg_op_computes_as_keras(name, args, kwargs, signed):
    expected = _keras(name, args, kwargs)
    for backend in engine.backend.available_backends():
        if backend == "tensorflow" and name == "lu_factor":
            continue  # Keras's TensorFlow pivots are a permutation: see the test below
        with engine.backend.using(backend):
            result = getattr(ops, name)(*args, **kwargs)
            assert isinstance(result, tuple) == (len(expected) > 1), (name, backend)
            ours = [ops.to_numpy(r) for r in (result if isinstance(result, tuple) else [result])]
        for got, want in zip(ours, expected, strict=True):
            message = f"{name} {kwargs} on {backend}"
            assert got.shape == want.shape, message
            assert got.dtype == want.dtype, message
            got, want = (got, want) if signed else (np.abs(got), np.abs(want))
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=message)


@pytest.mark.parametrize("backend_to_test", ["numpy", "jax", "torch", "tensorflow"])
def test_lu_factor_gives_lapack_pivots_and_eig_solves_its_equation(backend_to_test):
    """lu_factor's pivots are LAPACK's row swaps on every backend (Keras's TensorFlow backend
    returns a permutation instead), and eig's pairs satisfy x v = w v."""
    if backend_to_test not in engine.backend.available_backends():
        pytest.skip(f"{backend_to_test} is not installed")
    with engine.backend.using(backend_to_test):
        lu, pivots = (ops.to_numpy(r) for r in ops.lu_factor(SHUFFLED))
        w, v = (np.asarray(ops.to_numpy(r)) for r in ops.eig(SPD_BATCH))
    want_lu, want_pivots = _keras("lu_factor", (SHUFFLED,), {})
    np.testing.assert_array_equal(pivots, want_pivots)
    np.testing.assert_allclose(lu, want_lu, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(SPD_BATCH @ v, v * w[..., None, :], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.sort(w.real), np.linalg.eigvalsh(SPD_BATCH), rtol=1e-5)


def _matrix(x):
    """(3, 3) from 9 values: gradients are taken with respect to a flat input."""
    return ops.reshape(x, (3, 3))


def _symmetric(x):
    m = _matrix(x)
    return ops.add(ops.matmul(m, ops.transpose(m)), ops.convert(np.eye(3, dtype="float32")))


GRADIENTS = [
    ("det", lambda x: ops.det(ops.add(_matrix(x), 3.0))),
    ("slogdet", lambda x: ops.slogdet(ops.add(_matrix(x), 3.0))[1]),
    ("inv", lambda x: ops.inv(ops.add(_matrix(x), 3.0))),
    ("solve", lambda x: ops.solve(ops.add(_matrix(x), 3.0), ops.getitem(x, slice(0, 3)))),
    ("solve_triangular", lambda x: ops.solve_triangular(ops.add(_matrix(x), 3.0),
                                                        _matrix(x), lower=True)),
    ("cholesky", lambda x: ops.cholesky(_symmetric(x))),
    ("cholesky_inverse", lambda x: ops.cholesky_inverse(ops.cholesky(_symmetric(x)))),
    ("eigh", lambda x: ops.add(ops.eigh(_symmetric(x))[0], ops.abs(ops.eigh(_symmetric(x))[1]))),
    ("qr", lambda x: ops.add(ops.abs(ops.qr(ops.reshape(x, (3, 3)))[0]),
                             ops.abs(ops.qr(_matrix(x))[1]))),
    ("svd", lambda x: ops.add(ops.abs(ops.svd(_matrix(x), full_matrices=False)[0]),
                              ops.svd(_matrix(x))[1])),
    ("norm", lambda x: ops.norm(_matrix(x), ord="nuc")),
    ("norm-2", lambda x: ops.norm(_matrix(x), ord=2)),
    ("norm-vector", lambda x: ops.norm(x, ord=3)),
    ("norm-inf", lambda x: ops.norm(_matrix(x), ord=np.inf, axis=(0, 1))),
    ("pinv", lambda x: ops.pinv(ops.reshape(x, (3, 3)))),
    ("lstsq", lambda x: ops.lstsq(_matrix(x), ops.getitem(x, slice(0, 3)))),
]


# The composed ops, checked on every backend; the primitives' gradients on every backend are
# in tests/backend/test_conformance.py, and here on NumPy (all of them on all: --slow).
COMPOSED = ("cholesky_inverse", "norm", "norm-vector", "pinv")


@pytest.mark.parametrize("name, function", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_numpy_gradients_match_finite_differences(name, function):
    _check_gradient(function, "numpy")


@pytest.mark.parametrize("name, function", [g for g in GRADIENTS if g[0] in COMPOSED],
                         ids=[g[0] for g in GRADIENTS if g[0] in COMPOSED])
def test_composed_gradients_match_finite_differences(name, function, backend_name):
    _check_gradient(function, backend_name)


@pytest.mark.slow
@pytest.mark.parametrize("name, function", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_every_gradient_matches_finite_differences(name, function, backend_name):
    _check_gradient(function, backend_name)


def _check_gradient(function, backend_name):
    x = normal(9).astype("float64")
    r = normal(*np.shape(ops.to_numpy(function(x)))).astype("float64")
    with engine.backend.using(backend_name):
        b = engine.backend.active()
        weights = b.convert(r.astype("float32"))
        value_and_grad = b.value_and_grad(lambda v: ops.sum(ops.multiply(function(v), weights)))
        _, gradient = value_and_grad(b.convert(x.astype("float32")))
        gradient = ops.to_numpy(gradient)
    with engine.backend.using("numpy"):
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = 1e-6
            numeric[index] = (np.sum(ops.to_numpy(function(x + step)) * r)
                              - np.sum(ops.to_numpy(function(x - step)) * r)) / 2e-6
    np.testing.assert_allclose(gradient, numeric, rtol=2e-3, atol=2e-3)


def test_jvp_matches_keras(backend_name):
    import keras

    x, y, dx, dy = normal(3, 3), normal(3), normal(3, 3), normal(3)

    def fn(ns):
        return lambda a, b: (ns.solve(ns.add(a, 3.0), b), ns.det(ns.add(a, 3.0)))

    want_out, want_tangents, want_aux = keras.ops.jvp(
        lambda a, b: (fn(keras.ops)(a, b), b), (x, y), (dx, dy), has_aux=True)
    out, tangents, aux = ops.jvp(lambda a, b: (fn(ops)(a, b), b), (x, y), (dx, dy), has_aux=True)
    for got, want in zip([*out, *tangents, aux], [*want_out, *want_tangents, want_aux]):
        np.testing.assert_allclose(ops.to_numpy(got), keras.ops.convert_to_numpy(want),
                                   rtol=1e-4, atol=1e-5)
    value, tangent = ops.jvp(ops.det, (ops.convert(x + 3.0),), (ops.convert(dx),))
    np.testing.assert_allclose(ops.to_numpy(value), np.linalg.det(x + 3.0), rtol=1e-5)
    np.testing.assert_allclose(ops.to_numpy(tangent), keras.ops.convert_to_numpy(
        keras.ops.jvp(keras.ops.det, (x + 3.0,), (dx,))[1]), rtol=1e-4)


def test_every_keras_linalg_name_resolves():
    import keras

    import engine as engine_as_keras

    names = [n for n in dir(keras.ops.linalg) if not n.startswith("_")]
    assert len(names) == 16
    for name in names:
        assert getattr(engine.ops.linalg, name) is getattr(ops, name)
        assert getattr(engine_as_keras.ops.linalg, name) is getattr(ops, name)
    assert engine.ops.numpy.slogdet is ops.slogdet
    assert engine_as_keras.ops.norm is engine_as_keras.ops.linalg.norm


@pytest.mark.parametrize("call, message", [
    (lambda: ops.det(normal(3, 4)), "det: x must hold square matrices"),
    (lambda: ops.inv(normal(3)), r"inv: x must hold matrices .*rank >= 2"),
    (lambda: ops.solve(SQUARE, normal(4)), "solve: b must be"),
    (lambda: ops.solve_triangular(BATCH, normal(2, 4, 1)), "solve_triangular: b must be"),
    (lambda: ops.qr(TALL, mode="r"), "qr: mode must be 'reduced' or 'complete'"),
    (lambda: ops.svd(normal(3)), "svd: x must hold matrices"),
    (lambda: ops.norm(TALL, ord="nuc", axis=0), "norm: ord='nuc' is a matrix norm"),
    (lambda: ops.norm(TALL, ord=3, axis=(0, 1)), "norm: ord=3 with axis=.* names no norm"),
    (lambda: ops.norm(WIDE, ord=2), "norm: with ord=2 and axis=None x must be 1-D or 2-D"),
    (lambda: ops.norm(TALL, axis=(1, -1)), "norm: axis=.* must name one or two different axes"),
    (lambda: ops.norm(TALL, axis=2), "norm: axis=2 must name"),
    (lambda: ops.lstsq(WIDE, normal(2)), r"lstsq: a must be \(M, N\)"),
    (lambda: ops.pinv(normal(3)), "pinv: x must hold matrices"),
])
def test_bad_arguments_say_what_to_do(call, message, backend_name):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_backend_says_which_gradients_it_lacks():
    b = engine.backend.active()
    wide = b.convert(normal(2, 3))
    with pytest.raises(NotImplementedError, match="qr: the NumPy backend differentiates"):
        b.value_and_grad(lambda x: ops.sum(ops.qr(x)[1]))(wide)
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        b.value_and_grad(lambda x: ops.sum(ops.svd(x)[0]))(b.convert(TALL))
