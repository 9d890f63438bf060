"""The keras.ops functions composed from the contract (engine/composed_ops/): each against
keras.ops on every backend, from one table, plus gradients through a few of them."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import composed_ops, ops

RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.standard_normal(shape).astype("float32")


def positive(*shape):
    return RNG.uniform(0.5, 2.0, shape).astype("float32")


M = normal(3, 4)
SQUARE = normal(4, 4)
V3 = normal(2, 3)
SPECIAL = np.array([0.0, -1.5, np.nan, np.inf, -np.inf, 2.5, 0.5, -0.5], "float32")

# (name, positional arguments, keyword arguments)
CASES = [
    ("absolute", (M,), {}), ("fabs", (M,), {}), ("reciprocal", (positive(5),), {}),
    ("rsqrt", (positive(5),), {}), ("cbrt", (M,), {}), ("exp2", (M,), {}),
    ("expm1", (M,), {}), ("log2", (positive(5),), {}), ("log10", (positive(5),), {}),
    ("logaddexp", (M, normal(3, 4)), {}), ("logaddexp2", (M, normal(3, 4)), {}),
    ("hypot", (M, normal(3, 4)), {}), ("sinh", (M,), {}), ("cosh", (M,), {}),
    ("tan", (M,), {}), ("deg2rad", (M,), {}), ("rad2deg", (M,), {}),
    ("divide_no_nan", (M, np.array([0.0, 1.0, -2.0, 0.0], "float32")), {}),
    ("ceil", (M * 3,), {}), ("trunc", (M * 3,), {}), ("fmod", (M * 3, positive(3, 4)), {}),
    ("round", (np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.2, -2.7], "float32"),), {}),
    ("round", (M * 10,), {"decimals": 1}),
    ("heaviside", (np.array([-1.0, 0.0, 2.0], "float32"), np.float32(0.5)), {}),
    ("isnan", (SPECIAL,), {}), ("isinf", (SPECIAL,), {}), ("isposinf", (SPECIAL,), {}),
    ("isneginf", (SPECIAL,), {}), ("nan_to_num", (SPECIAL,), {}),
    ("nan_to_num", (SPECIAL,), {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}),
    ("all", (M > 0,), {"axis": 1}), ("any", (M > 0,), {"axis": 0, "keepdims": True}),
    ("all", (np.ones((2, 2)),), {}), ("any", (np.zeros(3),), {}),
    ("amax", (M,), {"axis": 1}), ("amin", (M,), {"axis": 0}), ("ptp", (M,), {"axis": 1}),
    ("count_nonzero", (np.array([[0, 1, 2], [0, 0, 3]]),), {"axis": 1}),
    ("average", (M,), {"axis": 1}), ("average", (M,), {"axis": 1, "weights": positive(4)}),
    ("average", (M,), {"weights": positive(3, 4)}), ("std", (M,), {"axis": 0}),
    ("zeros_like", (M,), {}), ("ones_like", (M,), {"dtype": "int32"}),
    ("full_like", (M,), {"fill_value": 2.5}),
    ("eye", (3,), {}), ("eye", (3, 4), {"k": 1}), ("identity", (3,), {}),
    ("tri", (3, 4), {"k": -1}), ("tril", (SQUARE,), {}), ("triu", (SQUARE,), {"k": 1}),
    ("tril", (normal(2, 3, 4),), {"k": -1}),
    ("linspace", (0.0, 1.0, 5), {}), ("linspace", (0.0, 1.0, 4), {"endpoint": False}),
    ("logspace", (0.0, 2.0, 3), {}),
    ("ndim", (normal(2, 3, 4),), {}), ("size", (M,), {}), ("ravel", (M,), {}),
    ("moveaxis", (normal(2, 3, 4), 0, -1), {}),
    ("moveaxis", (normal(2, 3, 4), [0, 1], [2, 0]), {}), ("swapaxes", (normal(2, 3, 4), 0, 2), {}),
    ("flip", (M,), {}), ("flip", (M,), {"axis": 1}), ("fliplr", (M,), {}), ("flipud", (M,), {}),
    ("rot90", (M,), {}), ("rot90", (M,), {"k": 2}), ("rot90", (M,), {"k": 3}),
    ("roll", (M, 2), {"axis": 1}), ("roll", (M, -1), {}),
    ("tile", (M, (2, 1)), {}), ("tile", (normal(3), 2), {}),
    ("repeat", (M, 2), {"axis": 0}), ("repeat", (M, 3), {}),
    ("append", (M, M), {"axis": 0}), ("append", (M, normal(5)), {}),
    ("hstack", ([M, M],), {}), ("vstack", ([M, M],), {}), ("dstack", ([M, M],), {}),
    ("outer", (normal(3), normal(4)), {}), ("inner", (M, normal(2, 4)), {}),
    ("tensordot", (normal(2, 3, 4), normal(3, 4, 5)), {}),
    ("tensordot", (normal(2, 3, 4), normal(4, 3)), {"axes": ([1, 2], [1, 0])}),
    ("tensordot", (M, normal(4, 2)), {"axes": 1}),
    ("dot", (M, normal(4, 2)), {}), ("dot", (normal(2, 3, 4), normal(5, 4, 2)), {}),
    ("dot", (M, normal(4)), {}), ("kron", (normal(2, 2), normal(3, 2)), {}),
    ("cross", (V3, normal(2, 3)), {}),
    ("diagonal", (M,), {}), ("diagonal", (M,), {"offset": 1}), ("diagonal", (M,), {"offset": -1}),
    ("diagonal", (normal(2, 3, 3),), {"axis1": 1, "axis2": 2}),
    ("diag", (normal(3),), {}), ("diag", (normal(3),), {"k": 1}), ("diag", (normal(3),), {"k": -2}),
    ("diag", (M,), {}), ("trace", (SQUARE,), {}), ("trace", (M,), {"offset": 1}),
    ("diff", (M,), {}), ("diff", (M,), {"n": 2, "axis": 0}),
    ("normalize", (M,), {}), ("normalize", (M,), {"axis": 0}),
    ("multi_hot", (np.array([[0, 2], [1, 1]]),), {"num_classes": 4}),
    ("psnr", (positive(4, 4), positive(4, 4), 2.0), {}),
    *[(name, (M * 2,), {}) for name in composed_ops.nn.ACTIVATION_OPS
      if name not in ("glu", "threshold", "sparsemax")],
    ("glu", (M,), {}), ("threshold", (M, 0.1, -1.0), {}),
    # contract ops of issue #29 (engine/backend/contract.py), through engine.ops the same way
    *[(name, (M * 0.9 / np.abs(M).max(),), {})
      for name in ("arcsin", "arccos", "arctanh", "erfinv")],
    ("arctan", (M,), {}), ("arctan2", (M, normal(3, 4)), {}), ("arcsinh", (M,), {}),
    ("arccosh", (positive(5) + 1,), {}),
    ("signbit", (np.array([-1.5, -0.0, 0.0, 2.0, -np.inf], "float32"),), {}),
    ("logical_xor", (M > 0, normal(3, 4) > 0), {}),
    ("cumsum", (M,), {}), ("cumsum", (M,), {"axis": 1}), ("cumprod", (M,), {"axis": 0}),
    ("sort", (M,), {}), ("sort", (M,), {"axis": 0}), ("argsort", (M,), {}),
    ("top_k", (M, 2), {}),
    ("in_top_k", (np.array([0, 3, 1], "int32"), M, 2), {}),
    ("searchsorted", (np.array([-1.0, 0.0, 0.5, 2.0], "float32"), M), {}),
    ("searchsorted", (np.array([-1.0, 0.0, 0.5, 2.0], "float32"), M), {"side": "right"}),
    ("digitize", (M, np.array([-1.0, 0.0, 1.0], "float32")), {}),
    ("bincount", (np.array([1, 3, 1, 0, 5], "int32"),), {}),
    ("bincount", (np.array([1, 3, 1, 0], "int32"),), {"weights": normal(4), "minlength": 6}),
    ("prod", (M,), {}), ("prod", (M,), {"axis": 1, "keepdims": True}),
    ("quantile", (M, 0.3), {}),
    ("quantile", (M, np.array([0.25, 0.6], "float32")), {"axis": 1, "method": "nearest"}),
    ("percentile", (M, 40.0), {"axis": 0}), ("median", (M,), {"axis": 1}),
    ("scatter", (np.array([[0, 1], [2, 3], [0, 1]], "int32"), normal(3), (3, 4)), {}),
    ("scatter_update", (M, np.array([[0, 1], [2, 3]], "int32"), normal(2)), {}),
    ("scatter_update", (M, np.array([[0, 1], [0, 1]], "int32"), normal(2)), {"reduction": "add"}),
    ("slice", (M, np.array([1, 1], "int32"), (2, 2)), {}),
    ("slice_update", (M, np.array([1, 2], "int32"), normal(2, 2)), {}),
    ("segment_sum", (normal(5, 2), np.array([0, 2, 0, 1, 2], "int32")), {"num_segments": 3}),
    ("segment_max", (normal(5, 2), np.array([0, 2, 0, 1, 2], "int32")), {"num_segments": 3}),
    ("select", ([M > 0.5, M < -0.5], [M, -M], 0.0), {}),
    *[(name, (np.where(M > 1.0, np.nan, M),), {"axis": 1})
      for name in ("nansum", "nanmean", "nanmax", "nanmin")],
]
# Ops returning several arrays
SPLITS = [
    ("split", (normal(6, 2), 3), {}), ("split", (normal(6, 2), [1, 4]), {}),
    ("array_split", (normal(7, 2), 3), {}), ("hsplit", (normal(2, 4), 2), {}),
    ("vsplit", (normal(4, 2), 2), {}), ("dsplit", (normal(2, 2, 4), 2), {}),
    ("unstack", (normal(3, 2),), {"axis": 1}),
]


def _keras(name, args, kwargs):
    import keras

    result = getattr(keras.ops, name)(*args, **kwargs)
    if isinstance(result, (list, tuple)):
        return [keras.ops.convert_to_numpy(r) for r in result]
    return keras.ops.convert_to_numpy(result)


def _case_id(case):
    name, args, kwargs = case
    return f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items() if np.isscalar(v))}"


@pytest.mark.parametrize("name, args, kwargs", CASES + SPLITS,
                         ids=[_case_id(c) for c in CASES + SPLITS])
def test_composed_op_computes_as_keras(name, args, kwargs):
    expected = _keras(name, args, kwargs)
    for backend in engine.backend.available_backends():
        with engine.backend.using(backend):
            result = getattr(ops, name)(*args, **kwargs)
            ours = ([ops.to_numpy(r) for r in result] if isinstance(result, (list, tuple))
                    else ops.to_numpy(result))
        pairs = zip(ours, expected) if isinstance(ours, list) else [(ours, expected)]
        for got, want in pairs:
            assert np.shape(got) == np.shape(want), (backend, np.shape(got), np.shape(want))
            np.testing.assert_allclose(np.asarray(got, "float64"), np.asarray(want, "float64"),
                                       rtol=2e-5, atol=2e-6, err_msg=f"{name} on {backend}")


# composed_ops modules whose ops have tables of their own (tests/ops/test_control_flow_ops.py,
# test_numpy_ops.py; tests/training/test_ctc_and_more_losses.py)
OWN_TABLES = ("control_flow", "numpy_extra", "nan_reductions", "math_ops",
              "normalization_and_crossentropy", "ctc", "axis_patterns",
              "image", "spatial",  # tests/ops/test_image_ops.py
              "linalg",  # tests/ops/test_linalg_ops.py
              "fourier", "distances")  # tests/ops/test_fft_ops.py


def test_every_composed_op_is_in_the_table():
    tested = {name for name, _, _ in CASES + SPLITS}
    elsewhere = {name for name, function in composed_ops.COMPOSED.items()
                 if function.__module__.rsplit(".", 1)[-1] in OWN_TABLES}
    # Keras 3.15's sparsemax is no projection: tests/layers/test_activation_functions.py
    # checks the engine's against the definition.
    assert set(composed_ops.COMPOSED) - tested - elsewhere == {"sparsemax"}


@pytest.mark.parametrize("name, function", [
    ("tensordot", lambda x: ops.tensordot(x, x, axes=([1], [1]))),
    ("logaddexp", lambda x: ops.logaddexp(x, ops.square(x))),
    ("roll_tile", lambda x: ops.tile(ops.roll(x, 1, axis=1), (2, 1))),
    ("diagonal", lambda x: ops.diagonal(x, 1)),
    ("cross", lambda x: ops.cross(ops.getitem(x, (slice(None), slice(0, 3))), x[:, 1:])),
])
def test_gradients_flow_through_composed_ops(name, function, backend_name):
    x = normal(3, 4).astype("float64")
    r = normal(*np.shape(function(x))).astype("float64")
    with engine.backend.using(backend_name):
        b = engine.backend.active()
        weights = b.convert(r.astype("float32"))
        value_and_grad = b.value_and_grad(lambda v: ops.sum(function(v) * weights))
        _, gradient = value_and_grad(b.convert(x.astype("float32")))
        gradient = ops.to_numpy(gradient)
    with engine.backend.using("numpy"):
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = 1e-6
            numeric[index] = (np.sum(ops.to_numpy(function(x + step)) * r)
                              - np.sum(ops.to_numpy(function(x - step)) * r)) / 2e-6
    np.testing.assert_allclose(gradient, numeric, rtol=1e-3, atol=1e-4)
