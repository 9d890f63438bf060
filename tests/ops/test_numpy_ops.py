"""keras.ops.numpy's functions composed in engine/composed_ops/numpy_extra.py,
nan_reductions.py, math_ops.py and axis_patterns.py (rearrange), and keras.ops.nn's
normalisations and crossentropies (normalization_and_crossentropy.py), against keras.ops on
every backend from one table, plus gradients through a few and argpartition (whose answer is
not unique)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import engine
from engine import composed_ops, ops

RNG = np.random.default_rng(5)
M = RNG.standard_normal((3, 4)).astype("float32")
N = RNG.standard_normal((3, 4)).astype("float32")
WITH_NAN = np.where(RNG.random((3, 4)) < 0.3, np.nan, M).astype("float32")
WITH_NAN[2] = np.nan  # a row of NaN only
SPECIAL = np.array([0.0, -1.5, np.nan, np.inf, -np.inf, 2.5, 1e-3, -1e-30], "float32")
INTS = np.array([[0, 3, 7, 3], [12, 5, 0, 5], [3, 3, 9, 1]], "int32")
R = RNG.standard_normal((2, 4, 3)).astype("float32")
SHIFTS = np.array([1, 3, 2, 0], "int32")
SEGMENTS = np.array([0, 2, 0], "int32")
PROBABILITIES = RNG.dirichlet(np.ones(4), 3).astype("float32")
BINARY = (RNG.random((3, 4)) < 0.5).astype("float32")
LABELS = np.array([2, 0, 3], "int32")
ONE_HOT = np.eye(4, dtype="float32")[LABELS]

# (name, positional arguments, keyword arguments)
CASES = [
    ("array", (INTS,), {"dtype": "float32"}), ("copy", (M,), {}),
    ("view", (M, "int32"), {}), ("view", (INTS,), {"dtype": "float32"}),
    ("view", (M,), {"dtype": "float16"}), ("view", (M,), {}),
    ("empty", ((2, 3),), {}), ("empty_like", (INTS,), {}), ("get_item", (M, 1), {}),
    ("real", (M,), {}), ("imag", (M,), {}), ("conj", (M,), {}), ("conjugate", (M,), {}),
    ("isreal", (M,), {}), ("angle", (M,), {}),
    ("isclose", (SPECIAL, SPECIAL * (1 + 1e-6)), {}),
    ("isclose", (SPECIAL, SPECIAL), {"equal_nan": True}),
    ("isclose", (M, M + 1e-3), {"rtol": 0.0, "atol": 2e-3}),
    ("allclose", (M, M + 1e-7), {}), ("allclose", (M, N), {}),
    ("isin", (INTS, np.array([3, 9], "int32")), {}),
    ("isin", (INTS, np.array([3, 9], "int32")), {"invert": True}),
    ("fmax", (SPECIAL, SPECIAL[::-1].copy()), {}), ("fmin", (SPECIAL, SPECIAL[::-1].copy()), {}),
    *[(name, (INTS, SHIFTS), {}) for name in (
        "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "left_shift",
        "bitwise_right_shift", "right_shift", "gcd", "lcm")],
    ("bitwise_invert", (INTS,), {}), ("bitwise_not", (-INTS,), {}),
    ("sinc", (np.array([0.0, 0.5, -1.5, 2.25], "float32"),), {}),
    ("erfc", (M,), {}), ("ldexp", (M, INTS), {}),
    ("i0", (np.array([0.0, 0.5, -3.0, 14.0, 16.0, 40.0], "float32"),), {}),
    ("nextafter", (np.array([1.0, 1.0, 0.0, -2.0, 3.5, 1e-3], "float32"),
                   np.array([2.0, 0.0, 1.0, 0.0, 3.5, -1.0], "float32")), {}),
    ("bartlett", (5,), {}), ("blackman", (6,), {}), ("hamming", (5,), {}),
    ("hanning", (6,), {}), ("kaiser", (6, 4.0), {}),
    ("geomspace", (1.0, 1000.0, 4), {}), ("geomspace", (2.0, 32.0, 4), {"endpoint": False}),
    ("diagflat", (np.array([[1.0, 2.0], [3.0, 4.0]], "float32"),), {"k": 1}),
    ("vander", (np.array([1.0, 2.0, 3.0], "float32"),), {}),
    ("vander", (np.array([1, 2, 3], "int32"),), {"N": 4, "increasing": True}),
    ("meshgrid", (M[0], N[1, :3]), {}), ("meshgrid", (M[0], N[1, :3]), {"indexing": "ij"}),
    ("unravel_index", (np.array([0, 7, 11, 5], "int32"), (3, 4)), {}),
    ("trapezoid", (M,), {}), ("trapezoid", (M,), {"dx": 0.5, "axis": 0}),
    ("trapezoid", (M, np.array([0.0, 1.0, 3.0, 3.5], "float32")), {}),
    ("correlate", (M[0], N[0, :3]), {}), ("correlate", (M[0], N[0, :2]), {"mode": "same"}),
    ("correlate", (M[0], N[0, :3]), {"mode": "full"}), ("correlate", (M[0, :2], N[0]), {}),
    ("corrcoef", (M,), {}),
    ("nonzero", (INTS,), {}),
    ("unique", (INTS,), {}),
    ("unique", (INTS,), {"return_inverse": True, "return_counts": True}),
    ("unique", (INTS,), {"size": 9, "fill_value": -1}),
    ("nanprod", (WITH_NAN,), {"axis": 1}), ("nancumsum", (WITH_NAN,), {"axis": 1}),
    ("nancumprod", (WITH_NAN,), {}), ("nanvar", (WITH_NAN,), {"axis": 1}),
    ("nanstd", (WITH_NAN,), {"axis": 0, "keepdims": True}),
    ("nanargmax", (WITH_NAN,), {"axis": 0}), ("nanargmin", (WITH_NAN[:2],), {"axis": 1}),
    ("nanargmax", (WITH_NAN,), {}),
    ("nanmedian", (WITH_NAN,), {"axis": 1}), ("nanmedian", (WITH_NAN[:2],), {}),
    ("nanquantile", (WITH_NAN, 0.3), {"axis": 1, "keepdims": True}),
    ("nanquantile", (WITH_NAN, np.array([0.25, 0.5, 1.0], "float32")), {"axis": 1}),
    ("nanpercentile", (WITH_NAN[:2], 40.0), {"method": "nearest", "axis": 1}),
    ("nanpercentile", (WITH_NAN[:2], 60.0), {"method": "midpoint", "axis": 1}),
    ("segment_min", (M, SEGMENTS), {"num_segments": 3}),
    ("segment_prod", (M, SEGMENTS), {"num_segments": 3}),
    ("extract_sequences", (M, 2, 1), {}), ("extract_sequences", (M, 3, 2), {}),
    ("rearrange", (R, "b (h w) c -> b h w c"), {"h": 2}),
    ("rearrange", (R, "b (h w) c -> (b c) w h"), {"w": 2}),
    ("rearrange", (R, "b x c -> c b x"), {}),
    # keras.ops.nn (normalization_and_crossentropy.py)
    ("batch_normalization", (M, N[0], np.abs(N[1]), -1), {"offset": N[2], "scale": M[0]}),
    ("batch_normalization", (M, N[:, 0], np.abs(N[:, 1]), 0), {"epsilon": 0.1}),
    ("layer_normalization", (M,), {"gamma": N[0], "beta": N[1]}),
    ("layer_normalization", (M,), {"gamma": N[:, 0], "axis": 0, "epsilon": 1e-3}),
    ("layer_normalization", (M,), {"gamma": N[0], "rms_scaling": True}),
    ("rms_normalization", (M,), {"scale": N[0]}), ("rms_normalization", (M,), {"axis": 0}),
    ("binary_crossentropy", (BINARY, PROBABILITIES), {}),
    ("binary_crossentropy", (BINARY, M), {"from_logits": True}),
    ("categorical_crossentropy", (ONE_HOT, PROBABILITIES), {}),
    ("categorical_crossentropy", (ONE_HOT.T, M.T), {"from_logits": True, "axis": 0}),
    ("sparse_categorical_crossentropy", (LABELS, PROBABILITIES), {}),
    ("sparse_categorical_crossentropy", (LABELS[:, None], M), {"from_logits": True}),
]


def _as_list(result, to_numpy):
    if isinstance(result, (list, tuple)):
        return [np.asarray(to_numpy(r)) for r in result]
    return [np.asarray(to_numpy(result))]


def _case_id(case):
    name, args, kwargs = case
    return f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items() if np.isscalar(v))}"


@functools.cache
def _keras_result(case):
    import keras

    name, args, kwargs = CASES[case]
    return _as_list(getattr(keras.ops, name)(*args, **kwargs), keras.ops.convert_to_numpy)


# JAX runs these op by op outside jit, compiling each: in CI it checks a sample, the rest
# with --slow.
JAX_SAMPLE = {"isclose", "unravel_index", "correlate", "segment_prod", "extract_sequences"}


def _backend_groups():
    fast = [b for b in engine.backend.available_backends() if b != "jax"]
    groups = []
    for case, (name, _, _) in enumerate(CASES):
        groups.append(pytest.param(case, fast, id=f"{_case_id(CASES[case])}-{case}"))
        if "jax" in engine.backend.available_backends():
            marks = () if name in JAX_SAMPLE else pytest.mark.slow
            groups.append(pytest.param(case, ["jax"], marks=marks,
                                       id=f"jax-{_case_id(CASES[case])}-{case}"))
    return groups


@pytest.mark.parametrize("case, backends", _backend_groups())
def test_numpy_op_computes_as_keras(case, backends):
    name, args, kwargs = CASES[case]
    want = _keras_result(case)
    for backend in backends:
        with engine.backend.using(backend):
            got = _as_list(getattr(ops, name)(*args, **kwargs), ops.to_numpy)
        assert len(got) == len(want), (name, backend)
        for g, w in zip(got, want):
            where = f"{name} on {backend}"
            assert g.shape == w.shape, (where, g.shape, w.shape)
            assert g.dtype == w.dtype, (where, g.dtype, w.dtype)
            np.testing.assert_allclose(g.astype("float64"), w.astype("float64"), rtol=2e-5,
                                       atol=2e-6, err_msg=where)


def test_argpartition_partitions(backend_name):
    order = ops.to_numpy(ops.argpartition(M, 2, axis=1))
    parted = np.take_along_axis(M, order, axis=1)
    np.testing.assert_array_equal(parted[:, 2], np.sort(M, axis=1)[:, 2])
    assert (parted[:, :2] <= parted[:, 2:3]).all() and (parted[:, 3:] >= parted[:, 2:3]).all()


def test_vectorize_maps_every_element(backend_name):
    def clipped_square(x, limit):
        return ops.minimum(ops.square(x), limit)

    vectorized = ops.vectorize(clipped_square, excluded={1})
    got = ops.to_numpy(vectorized(M, 0.5))
    np.testing.assert_allclose(got, np.minimum(M * M, 0.5), rtol=1e-6)

    import keras

    def weighted_sum(ns):
        return ns.vectorize(lambda x, w: ns.sum(x * w), signature="(n),(n)->()")

    got = ops.to_numpy(weighted_sum(ops)(M, N[0]))
    want = keras.ops.convert_to_numpy(weighted_sum(keras.ops)(M, N[0]))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.shape == (3,)


@pytest.mark.parametrize("name, function", [
    ("nanvar", lambda x: ops.nanvar(ops.where(x > 1.0, np.nan, x), axis=1)),
    ("nanquantile", lambda x: ops.nanquantile(ops.where(x > 1.0, np.nan, x), 0.4, axis=1)),
    ("i0", lambda x: ops.i0(x * 3.0)),
    ("segment_prod", lambda x: ops.segment_prod(x, SEGMENTS, num_segments=3)),
    ("trapezoid", lambda x: ops.trapezoid(x, axis=0)),
    ("correlate", lambda x: ops.correlate(x[0], x[1, :2], mode="full")),
])
def test_gradients_flow(name, function):
    """On the NumPy backend (the others differentiate the same contract ops)."""
    b = engine.backend.active()
    _, gradient = b.value_and_grad(lambda v: ops.sum(ops.square(function(v))))(b.convert(M))
    with engine.backend.using("numpy"):
        def loss(x):
            return float(np.sum(np.square(ops.to_numpy(function(x)))))

        x64, numeric = M.astype("float64"), np.zeros(M.shape)
        for index in np.ndindex(M.shape):
            step = np.zeros(M.shape)
            step[index] = 1e-5
            numeric[index] = (loss(x64 + step) - loss(x64 - step)) / 2e-5
    np.testing.assert_allclose(ops.to_numpy(gradient), numeric, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.segment_min(M, SEGMENTS), "segment_min: pass num_segments"),
    (lambda: ops.extract_sequences(M, 5, 1), "extract_sequences: sequence_length 5"),
    (lambda: ops.correlate(M[0], N[0], mode="middle"), "correlate: mode must be"),
    (lambda: ops.meshgrid(M[0], indexing="ji"), "meshgrid: indexing must be"),
    (lambda: ops.nanquantile(M, 0.5, method="cubic"), "nanquantile: method must be"),
    (lambda: ops.vectorize(np.sin, signature="(n)"), "vectorize: signature must read"),
    (lambda: ops.vectorize(np.dot, signature="(n),(n)->()")(M), "vectorize: the signature"),
    (lambda: ops.bitwise_and(M, INTS), "bitwise_and: takes integer arrays"),
    (lambda: ops.rearrange(R, "b (h w) c -> b h w c", h=3), "rearrange: cannot split"),
    (lambda: ops.rearrange(R, "b x c -> b x"), "rearrange: the output axes"),
])
def test_bad_arguments_say_what_to_do(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_every_op_is_tested():
    modules = (composed_ops.numpy_extra, composed_ops.nan_reductions, composed_ops.math_ops,
               composed_ops.normalization_and_crossentropy, composed_ops.axis_patterns)
    ours = {name for name, f in composed_ops.COMPOSED.items()
            if f.__module__ in {m.__name__ for m in modules}}
    assert ours - {name for name, _, _ in CASES} == {"argpartition", "vectorize"}
