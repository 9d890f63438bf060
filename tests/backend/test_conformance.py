"""The conformance suite every backend must pass: the contract (engine/backend/contract.py) is
the spec, tests/backend/reference.py the float64 answer.

Most ops are checked through one table of cases. Each case runs on every installed backend
and is compared with the reference twice: the forward value, and the gradient of
sum(op(*inputs) * r) for a fixed random cotangent r, taken by the backend's value_and_grad
and by central finite differences of the reference. Ops the table cannot express (devices,
random numbers, conversions, autodiff and jit themselves, gradient tie rules) have their own
tests below, marked with `covers`, so `test_every_contract_op_is_covered` can see them.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import zlib
from collections.abc import Callable

import numpy as np
import pytest

from engine.backend import get_backend
from engine.backend.contract import DTYPES, INTEGER_OPS, Backend
from tests.backend import reference

# Keras's default rtol and atol for float32 results; loosened per case, with a reason.
TOL = 1e-6

RNG = np.random.default_rng(0)

# --------------------------------------------------------------------------- input data


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def uniform(low, high, *shape):
    return RNG.uniform(low, high, shape).astype(np.float32)


def positive(*shape):
    return uniform(0.5, 2.0, *shape)


def away_from_zero(*shape):
    """Values in ±[0.2, 2]: clear of the kink of relu, abs and sign."""
    return (RNG.choice([-1.0, 1.0], shape) * RNG.uniform(0.2, 2.0, shape)).astype(np.float32)


def away_from_integers(*shape):
    """Values at least 0.1 from an integer: clear of floor's jumps."""
    whole = RNG.integers(-3, 3, shape)
    return (whole + RNG.uniform(0.1, 0.9, shape)).astype(np.float32)


def distinct(*shapes):
    """Arrays whose values are all different (gaps >= 0.05): no ties for max, min, argmax."""
    sizes = [int(np.prod(shape)) for shape in shapes]
    values = RNG.permutation(np.linspace(-2.0, 2.0, sum(sizes))).astype(np.float32)
    parts = np.split(values, np.cumsum(sizes)[:-1])
    arrays = [part.reshape(shape) for part, shape in zip(parts, shapes)]
    return arrays[0] if len(arrays) == 1 else arrays


def partly_equal(*shape):
    """Two arrays equal in about half their positions, so comparisons see ties."""
    a = normal(*shape)
    b = np.where(RNG.random(shape) < 0.5, a, normal(*shape))
    return a, b


def tied_rows(rows, width):
    """A (rows, width) array and a (width,) row equal to its even rows: broadcast ties."""
    row = normal(width)
    return np.stack([row if i % 2 == 0 else normal(width) for i in range(rows)]), row


def with_nan(x):
    """x with NaN in about a fifth of its positions (the same positions every run)."""
    return np.where(np.random.default_rng(1).random(x.shape) < 0.2, np.nan, x).astype(x.dtype)


def ints(high, *shape):
    return RNG.integers(0, high, shape).astype(np.int32)


def bools(*shape):
    return RNG.random(shape) < 0.5


def f32(values):
    return np.array(values, dtype=np.float32)


def i32(values):
    return np.array(values, dtype=np.int32)


# -------------------------------------------------------------------------------- cases


@dataclasses.dataclass(eq=False)
class Case:
    """One call of one op, compared with the reference on every backend."""

    op: str
    args: tuple
    kwargs: dict
    id: str
    tol: float
    grad_tol: float
    expect_dtype: str | None
    grad: bool
    # how to run the case on a namespace of ops (a backend or the reference), when it is not
    # ns.<op>(*args, **kwargs)
    call: Callable | None


def adam_arguments():
    """Two weights, their gradients and slots, alpha and Keras's betas and epsilon."""
    return (
        [normal(3, 4), normal(5)],
        [normal(3, 4), normal(5)],
        [normal(3, 4), normal(5)],
        [positive(3, 4), positive(5)],
        f32(0.01),
        0.9,
        0.999,
        1e-7,
    )


# Two transforms that rotate, scale, shift by fractions (no sampled point on a pixel edge)
# and reach past every edge, so each fill mode is used; the second is slightly projective.
SKEWED = f32([[0.9, -0.3, 1.37, 0.25, 1.1, -1.21, 0.0, 0.0],
              [1.3, 0.15, -2.13, -0.2, 0.8, 1.59, 0.01, -0.02]])

LINALG_TOL = {"tol": 2e-5, "grad_tol": 1e-4,
              "why": "float32 LAPACK factorisations; gradients go through inverses of them"}

AFFINE_TOL = {"tol": 1e-5, "grad_tol": 1e-5,
              "why": "the sampled points' coordinates are float32 sums of products"}


def histogram_arguments():
    """Rows of values clear of the bin edges (multiples of 0.25), with NaN and ±inf, values
    outside the range, a row of equal values and a row whose range is not finite."""
    x = away_from_integers(5, 12) / 4
    x[1, 2], x[1, 5] = np.nan, np.inf
    x[2] = 0.5
    x[2, 0] = 0.75
    low = f32([-1.0, -1.0, 0.5, -0.5, -np.inf])
    high = f32([1.0, 1.0, 0.5, 0.5, 1.0])
    return x, low, high


def case(
    op,
    *args,
    label=None,
    tol=TOL,
    grad_tol=TOL,
    why="",
    expect_dtype=None,
    grad=True,
    call=None,
    **kwargs,
):
    """A table row; op kwargs go in **kwargs, the rest configure the check.

    A case that needs more than Keras's tolerance (TOL) passes `tol` or `grad_tol` together
    with a short `why`.
    """
    if (tol > TOL or grad_tol > TOL) and not why:
        raise ValueError(f"Case {op}{args}: a loosened tolerance needs a `why`.")
    name = f"{op}-{label or _describe(args, kwargs)}"
    return Case(op, args, kwargs, name, tol, grad_tol, expect_dtype, grad, call)


def _describe(args, kwargs):
    parts = [_describe_value(a) for a in args]
    parts += [f"{key}={_describe_value(value)}" for key, value in kwargs.items()]
    return ",".join(parts)


def _describe_value(value):
    if isinstance(value, np.ndarray):
        shape = "x".join(map(str, value.shape)) or "scalar"
        return shape if value.dtype == np.float32 else f"{value.dtype}:{shape}"
    if isinstance(value, list):
        return "[" + ",".join(_describe_value(v) for v in value) + "]"
    return str(value)


def well_conditioned(*shape):
    """Square matrices near 3 * identity: far from singular, for inverses and solves."""
    return (normal(*shape) * 0.5 + 3 * np.eye(shape[-1])).astype(np.float32)


def gram(ns, a):
    """a @ a^T + identity: a symmetric positive definite input for cholesky and eigh, built
    from a general `a` so that every entry's finite difference is a valid input."""
    n = a.shape[-1]
    return ns.add(ns.einsum("...ij,...kj->...ik", a, a), ns.one_hot(ns.arange(n), n))


def unsigned(ns, outputs):
    """The outputs' absolute values: decompositions fix each vector only up to its sign."""
    return tuple(ns.abs(out) for out in outputs)


def rnn_scan(ns, h0, xs, w):
    """A tanh RNN over xs's leading axis, outputs doubled: scan with a closed-over weight."""

    def step(h, x):
        h = ns.tanh(ns.add(x, ns.matmul(h, w)))
        return h, ns.multiply(h, 2.0)

    return ns.scan(step, h0, xs)


def structured_scan(ns, total0, product0, a, b):
    """Scan with a tuple carry, dict inputs and dict outputs (keys already in sorted order)."""

    def step(carry, x):
        total, product = carry
        total = ns.add(total, x["a"])
        product = ns.multiply(product, x["b"])
        return (total, product), {"difference": ns.subtract(product, total), "total": total}

    return ns.scan(step, (total0, product0), {"a": a, "b": b})


def branches(ns, x, y):
    """cond on a computed scalar, each branch returning a tuple that uses both inputs."""
    return ns.cond(
        ns.greater(ns.sum(x), 0.0),
        lambda: (ns.multiply(x, y), ns.tanh(y)),
        lambda: (ns.subtract(x, y), ns.square(y)),
    )


def doubling_loop(ns, x, limit):
    """while_loop doubling x (and counting) until its sum passes `limit`, at most 5 times."""
    return ns.while_loop(
        lambda count, v: ns.less(ns.sum(v), limit),
        lambda count, v: (ns.add(count, 1.0), ns.multiply(v, 2.0)),
        (np.float32(0.0), x),
        maximum_iterations=5,
    )


def softplus_with_own_gradient(ns, x):
    """custom_gradient of log(1 + e^x) whose rule is its true derivative."""

    def forward(x):
        e = ns.exp(x)
        derivative = ns.subtract(1.0, ns.divide(1.0, ns.add(e, 1.0)))
        return ns.log(ns.add(e, 1.0)), lambda upstream: ns.multiply(upstream, derivative)

    return ns.custom_gradient(forward)(x)


REDUCTION_AXES = [
    (None, False),
    (None, True),
    (1, False),
    (-1, True),
    ((0, 2), False),
    ((0, 2), True),
]
COMPARISONS = ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal")
GETITEM_KEYS = {
    "[1]": 1,
    "[-1]": -1,
    "[1:3]": slice(1, 3),
    "[:, ::2]": (slice(None), slice(None, None, 2)),
    "[::-1]": slice(None, None, -1),
    "[None, ..., 0]": (None, Ellipsis, 0),
    "[..., 1:]": (Ellipsis, slice(1, None)),
    "[1, None, 0:4:3]": (1, None, slice(0, 4, 3)),
    "[:, -2, :]": (slice(None), -2, slice(None)),
    "[-3:-1, 1::2, ::-2]": (slice(-3, -1), slice(1, None, 2), slice(None, None, -2)),
}

CASES = [
    # ---------------------------------------------------------------- creation and dtypes
    case("zeros", (2, 3)),
    case("zeros", (4,), dtype="int32", expect_dtype="int32"),
    case("ones", (3, 1)),
    case("ones", (2, 2), dtype="float64", expect_dtype="float64"),
    case("full", (2, 3), 1.5),
    case("full", (3,), 7, dtype="int32", expect_dtype="int32"),
    case("tap_zeros", (2, 3)),
    case("tap_zeros", (4, 1, 2), dtype="float64", expect_dtype="float64"),
    case("arange", 5, expect_dtype="int32"),
    case("arange", 2, 9, 3, expect_dtype="int32"),
    case("arange", 0.0, 1.0, 0.25, dtype="float32"),
    case(
        "cast", f32([[-2.7, -1.5, -0.2, 0.0], [0.3, 1.5, 2.7, 9.9]]), "int32", expect_dtype="int32"
    ),
    case("cast", normal(3, 4), "float16", expect_dtype="float16", grad=False),
    case("cast", f32([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]]), "bool"),
    case("cast", ints(5, 2, 3), "float32"),
    case("cast", bools(2, 3), "float32"),
    # the reference takes floats as float64: these cast to the dtype whose bits they read
    case("bitcast", f32([[1.0, -2.5], [0.0, 3.0]]), expect_dtype="int32", grad=False,
         call=lambda ns, x: ns.bitcast(ns.cast(x, "float32"), "int32"), label="same-width"),
    case("bitcast", i32([[1065353216, -1071644672]]), "float32", grad=False),
    case("bitcast", f32([[1.0, -2.5, 0.5, 7.0]]), expect_dtype="float16", grad=False,
         call=lambda ns, x: ns.bitcast(ns.cast(x, "float32"), "float16"), label="narrower"),
    case("bitcast", f32([[1.0, -2.5, 0.5, 7.0]]), grad=False,
         call=lambda ns, x: ns.bitcast(ns.cast(x, "float16"), "float32"), label="wider"),
    # its gradient is checked by test_stop_gradient_blocks_only_its_own_path
    case("stop_gradient", normal(3, 4), grad=False),
    # ------------------------------------ elementwise math: broadcasting and Python scalars
    *[case(op, normal(3, 4), normal(4)) for op in ("add", "subtract", "multiply")],
    case("add", normal(2, 1, 3), normal(4, 1)),
    case("add", 2.5, normal(2, 3)),
    case("subtract", normal(2, 3), 1.5),
    case("subtract", 1.5, normal(2, 3)),
    case("multiply", -2.0, normal(3)),
    case("multiply", normal(2, 3), 0.5),
    case("multiply", normal(2, 3), 3, label="2x3,python-int"),
    case("add", ints(5, 3, 4), ints(5, 4), expect_dtype="int32"),
    case("multiply", ints(5, 3, 4), 2, expect_dtype="int32"),
    case("divide", normal(3, 4), away_from_zero(4)),
    case("divide", 1.0, away_from_zero(2, 3)),
    case("divide", normal(2, 3), 4.0),
    case("power", positive(3, 4), normal(4)),
    case("power", positive(2, 3), 2.0),
    case("power", normal(2, 3), 3.0, label="negative-base,3.0"),
    case("power", 2.0, normal(2, 3)),
    case("maximum", *distinct((3, 4), (4,))),
    case("maximum", away_from_zero(3, 4), 0.0),
    case("maximum", 0.0, away_from_zero(2, 3)),
    case("minimum", *distinct((2, 3), (2, 1))),
    case("minimum", away_from_zero(3, 4), 0.0),
    case("minimum", 0.0, away_from_zero(2, 3)),
    case("negative", normal(3, 4)),
    case("abs", away_from_zero(3, 4)),
    case("sign", away_from_zero(3, 4)),
    case("sign", f32([-2.0, 0.0, 3.0]), grad=False),
    case("square", normal(3, 4)),
    case("sqrt", positive(3, 4)),
    case("exp", normal(3, 4)),
    case("log", positive(3, 4)),
    case("log1p", uniform(-0.5, 2.0, 3, 4)),
    case("sin", normal(3, 4)),
    case("cos", normal(3, 4)),
    case("erf", normal(3, 4)),
    case("floor", away_from_integers(3, 4)),
    case("clip", f32([[-1.7, -0.9, -0.3, 0.1], [0.4, 0.8, 1.6, -0.2]]), -0.5, 0.5),
    case("where", bools(3, 4), normal(3, 4), normal(4)),
    case("where", bools(3, 4), normal(3, 4), 0.0),
    *[case(op, *partly_equal(3, 4)) for op in COMPARISONS],
    case("greater", normal(3, 4), 0.0),
    case("less", 0.0, normal(3, 4)),
    case("equal", f32([0.5, 1.0, 0.5]), 0.5),
    case("less_equal", *tied_rows(3, 4)),
    case("logical_and", bools(3, 4), bools(4)),
    case("logical_or", bools(3, 4), bools(3, 1)),
    case("logical_not", bools(3, 4)),
    case("isfinite", f32([1.0, np.inf, -np.inf, np.nan, 0.0, -2.5])),
    # ------------------------------------------------------------------------ activations
    case("relu", away_from_zero(3, 4)),
    case("leaky_relu", away_from_zero(3, 4)),
    case("leaky_relu", away_from_zero(3, 4), negative_slope=0.1),
    case("gelu", normal(3, 4)),
    case("gelu", normal(3, 4), approximate=True),
    case("gelu", normal(3, 4), approximate=False),
    case("silu", normal(3, 4)),
    case("tanh", normal(3, 4)),
    case("sigmoid", normal(3, 4) * 3),
    case("softplus", normal(3, 4) * 3),
    case("softplus", f32([-80.0, -30.0, -0.5, 30.0, 80.0]), label="large-magnitudes"),
    case("softmax", normal(2, 3, 4)),
    case("softmax", normal(2, 3, 4), axis=1),
    case("softmax", normal(2, 5) * 3 + 100, label="large-inputs"),
    case("log_softmax", normal(2, 3, 4)),
    case("log_softmax", normal(2, 3, 4), axis=0),
    case("log_softmax", normal(2, 5) * 3 + 100, label="large-inputs"),
    # ------------------------------------------------------------------------- reductions
    *[
        case(op, normal(2, 3, 4), axis=axis, keepdims=keepdims)
        for op in ("sum", "mean", "logsumexp")
        for axis, keepdims in REDUCTION_AXES
    ],
    *[
        case(op, distinct((2, 3, 4)), axis=axis, keepdims=keepdims)
        for op in ("max", "min")
        for axis, keepdims in REDUCTION_AXES
    ],
    case("sum", normal(3, 4)),
    case(
        "logsumexp",
        normal(2, 5) * 3 + 100,
        axis=-1,
        label="large-inputs",
        grad_tol=1e-5,
        why="float32 spacing near 100 (7.6e-6) limits exp(x - logsumexp), the gradient",
    ),
    *[
        case(op, distinct((3, 4, 2)), **axis, expect_dtype="int32")
        for op in ("argmax", "argmin")
        for axis in ({}, {"axis": 0}, {"axis": 1})
    ],
    # --------------------------------------------------------------------- linear algebra
    case("vdot", normal(3, 4), normal(3, 4)),
    case("vdot", normal(2, 3, 2), normal(12), label="shapes-differ"),
    case("matmul", normal(3, 4), normal(4, 5)),
    case("matmul", normal(2, 3, 4), normal(4, 5)),
    case("matmul", normal(3, 4), normal(2, 4, 5)),
    case("matmul", normal(2, 1, 3, 4), normal(5, 4, 2)),
    case("einsum", "ij,jk->ik", normal(3, 4), normal(4, 5)),
    case("einsum", "bij,bjk->bik", normal(2, 3, 4), normal(2, 4, 5)),
    case("einsum", "bi,bi->b", normal(3, 4), normal(3, 4)),
    case("einsum", "ij->ji", normal(3, 4)),
    case("einsum", "i,j->ij", normal(3), normal(4)),
    case("einsum", "...ij,jk->...ik", normal(2, 3, 4), normal(4, 5)),
    case("einsum", "bqhd,bkhd->bhqk", normal(2, 3, 2, 4), normal(2, 5, 2, 4)),
    # ------------------------------------------------------- decompositions and solves (linalg)
    *[case("cholesky", normal(2, 3, 3), upper=upper, label=f"upper={upper}",
           call=lambda ns, a, upper: ns.cholesky(gram(ns, a), upper=upper),
           **LINALG_TOL) for upper in (False, True)],
    case("det", well_conditioned(2, 3, 3), **LINALG_TOL),
    case("slogdet", normal(3, 3), **LINALG_TOL),
    case("inv", well_conditioned(2, 3, 3), **LINALG_TOL),
    case("solve", well_conditioned(2, 3, 3), normal(2, 3, 2), **LINALG_TOL),
    case("solve", well_conditioned(3, 3), normal(3), **LINALG_TOL),
    case("solve_triangular", well_conditioned(3, 3), normal(3, 2), **LINALG_TOL),
    case("solve_triangular", well_conditioned(2, 3, 3), normal(2, 3), lower=True, **LINALG_TOL),
    case("eigh", normal(2, 3, 3), label="vectors-unsigned",
         call=lambda ns, a: unsigned(ns, ns.eigh(gram(ns, a))), **LINALG_TOL),
    case("eig", normal(3, 3), grad=False, label="symmetric",
         call=lambda ns, a: ns.sort(ns.abs(ns.eig(gram(ns, a))[0])), **LINALG_TOL),
    *[case("qr", x, mode=mode, call=lambda ns, x, mode: unsigned(ns, ns.qr(x, mode=mode)),
           **LINALG_TOL) for x, mode in ((normal(4, 3), "reduced"), (normal(3, 3), "complete"))],
    case("qr", normal(2, 3, 4), grad=False, call=lambda ns, x: unsigned(ns, ns.qr(x)),
         label="wide", **LINALG_TOL),
    *[case("svd", x, full_matrices=False, **LINALG_TOL,
           call=lambda ns, x, full_matrices: unsigned(ns, ns.svd(x, full_matrices)))
      for x in (normal(4, 3), normal(2, 3, 4))],
    case("svd", normal(3, 3), call=lambda ns, x: unsigned(ns, ns.svd(x)), label="square",
         **LINALG_TOL),
    case("svd", normal(2, 4, 3), compute_uv=False, **LINALG_TOL),
    case("lu_factor", normal(2, 3, 3), grad=False, call=lambda ns, x: ns.lu_factor(x)[0],
         label="lu", **LINALG_TOL),
    case("lu_factor", normal(2, 4, 4), grad=False, call=lambda ns, x: ns.lu_factor(x)[1],
         label="pivots", expect_dtype="int32"),
    # -------------------------------------------------------------------------- shape ops
    case("reshape", normal(2, 3, 4), (6, 4)),
    case("reshape", normal(2, 3, 4), (-1,)),
    case("reshape", normal(2, 3, 4), (4, -1, 3)),
    case("transpose", normal(2, 3, 4)),
    case("transpose", normal(2, 3, 4), (1, 0, 2)),
    case("transpose", normal(2, 3, 4), axes=(2, 0, 1)),
    case("expand_dims", normal(3, 4), 0),
    case("expand_dims", normal(3, 4), 1),
    case("expand_dims", normal(3, 4), -1),
    case("squeeze", normal(3, 1, 4), 1),
    case("squeeze", normal(1, 3, 1), (0, 2)),
    case("squeeze", normal(3, 1), -1),
    case("broadcast_to", normal(3, 1), (2, 3, 4)),
    case("broadcast_to", normal(4), (3, 4)),
    case("concatenate", [normal(2, 3), normal(1, 3)]),
    case("concatenate", [normal(2, 3), normal(2, 1), normal(2, 2)], axis=-1),
    case("stack", [normal(2, 3), normal(2, 3)]),
    case("stack", [normal(2, 3), normal(2, 3), normal(2, 3)], axis=1),
    case("stack", [normal(2, 3), normal(2, 3)], axis=-1),
    case("pad", normal(3, 4), ((1, 2), (0, 1))),
    case("pad", normal(2, 3, 2), ((0, 0), (2, 1), (1, 0)), value=-1.5),
    # --------------------------------------------------------------------------- indexing
    *[case("getitem", normal(4, 5, 3), key, label=label) for label, key in GETITEM_KEYS.items()],
    case("take", normal(5, 3), i32([[0, 2], [4, 2]])),
    case("take", normal(3, 4), i32([3, 0, 0]), axis=1),
    case("take", normal(6), i32([5, 1, 1])),
    case("take", normal(4, 3), i32(1)),
    case("take", normal(2, 3, 4), i32([[1], [3]]), axis=-1),
    case("take_along_axis", normal(3, 4), ints(4, 3, 2), axis=1),
    case("take_along_axis", normal(3, 4), ints(3, 2, 4), axis=0),
    case("take_along_axis", normal(2, 3, 4), ints(4, 2, 3, 5), axis=-1),
    case("one_hot", i32([0, 2, 1, 3]), 4),
    case("one_hot", ints(5, 2, 3), 5, dtype="int32", expect_dtype="int32"),
    case("one_hot", i32([1, 0]), 3, dtype="float32"),
    case("one_hot", ints(5, 2, 3), 5, axis=1),
    case("one_hot", i32([0, 2, 1, 7]), num_classes=3, axis=0),
    # --------------------------------- keras.ops numerics: inverse functions, logic (#29)
    *[case(op, uniform(-0.9, 0.9, 3, 4)) for op in ("arcsin", "arccos", "arctanh", "erfinv")],
    case("arctan", normal(3, 4) * 2),
    case("arctan2", away_from_zero(3, 4), away_from_zero(4)),
    case("arctan2", normal(2, 3), 1.5),
    case("arcsinh", normal(3, 4) * 2),
    case("arccosh", uniform(1.2, 3.0, 3, 4)),
    case("signbit", f32([-1.5, -0.0, 0.0, 2.0, -np.inf, np.inf])),
    case("signbit", i32([-2, 0, 3])),
    case("logical_xor", bools(3, 4), bools(4)),
    *[case("integer_op", operation, i32([[12, -7, 9, 0], [5, 6, -8, 255]]), i32([8, 3, 3, 5]),
           grad=False, expect_dtype="int32", label=operation)
      for operation in INTEGER_OPS if operation != "bitwise_invert"],
    case("integer_op", "bitwise_invert", i32([[12, -7, 0]]), grad=False, expect_dtype="int32",
         label="bitwise_invert"),
    # ---------------------------------------------- keras.ops numerics: scans and sorts
    *[case(op, normal(2, 3, 4), **axis) for op in ("cumsum", "cumprod")
      for axis in ({}, {"axis": 1}, {"axis": -1})],
    case("cumsum", ints(5, 3, 4), axis=0, expect_dtype="int32"),
    case("cumsum", bools(2, 3), axis=1, expect_dtype="int32"),
    case("cumsum", ints(5, 3, 4), axis=1, dtype="float32"),
    case("cumprod", f32([[0.5, 0.0, 2.0, -1.5], [1.5, 0.0, 3.0, 0.0], [0.0, 2.0, 0.5, 1.5]]),
         axis=1, label="zeros"),
    case("cumprod", ints(3, 2, 3), axis=0, expect_dtype="int32"),
    *[case(op, distinct((3, 4, 2)), **axis, expect_dtype=dtype)
      for op, dtype in (("sort", None), ("argsort", "int32"))
      for axis in ({}, {"axis": 0}, {"axis": 1})],
    case("argsort", f32([[1.0, 0.0, 1.0, 0.0, 1.0]]), expect_dtype="int32", label="ties"),
    case("top_k", distinct((3, 5)), 2, call=lambda ns, x, k: ns.top_k(x, k)[0], label="values"),
    case("top_k", distinct((2, 3, 4)), 3, call=lambda ns, x, k: ns.top_k(x, k)[0],
         label="3-d,values"),
    case("top_k", f32([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0]]), 2,
         call=lambda ns, x, k: ns.top_k(x, k)[1], expect_dtype="int32", label="ties,indices"),
    case("in_top_k", i32([0, 3, 1]), distinct((3, 4)), 2),
    case("in_top_k", i32([1, 2, 0]), f32([[1.0, 3.0, 3.0], [5.0, 4.0, 4.0], [1.0, 1.0, 0.0]]), 1,
         label="ties"),
    case("searchsorted", f32([-1.0, 0.0, 0.5, 0.5, 2.0]),
         f32([[-2.0, 0.5, 0.25], [2.0, 3.0, 0.0]]), expect_dtype="int32"),
    case("searchsorted", f32([-1.0, 0.0, 0.5, 0.5, 2.0]),
         f32([[-2.0, 0.5, 0.25], [2.0, 3.0, 0.0]]), side="right", expect_dtype="int32"),
    case("bincount", i32([1, 3, 1, 0, 5]), expect_dtype="int32"),
    case("bincount", i32([1, 3, 1, 0]), minlength=6, expect_dtype="int32"),
    case("bincount", i32([1, 3, 1, 0, 5]), normal(5)),
    case("bincount", i32([[1, 3, 1], [0, 2, 2]]), normal(2, 3), minlength=5),
    case("digitize", f32([[-2.0, 0.5, 0.25], [2.0, 3.0, 0.0]]), f32([-1.0, 0.0, 0.5, 2.0]),
         expect_dtype="int32"),
    # -------------------------------------------------- keras.ops numerics: reductions
    *[case("prod", uniform(0.5, 1.5, 2, 3, 4), axis=axis, keepdims=keepdims)
      for axis, keepdims in REDUCTION_AXES],
    case("prod", f32([[0.5, 0.0, 2.0], [1.5, 0.0, 0.0], [-2.0, 1.5, 0.5]]), axis=1,
         label="zeros"),
    case("prod", ints(4, 2, 3), axis=0, expect_dtype="int32"),
    *[case("quantile", distinct((3, 4)), [0.25, 0.5, 0.9], axis=1, method=method)
      for method in ("linear", "lower", "higher", "midpoint", "nearest")],
    case("quantile", distinct((2, 3, 4)), 0.3),
    case("quantile", distinct((2, 3, 4)), 0.7, axis=(0, 2), keepdims=True),
    case("quantile", distinct((2, 3, 4)), [0.2, 0.8], axis=1, keepdims=True),
    case("percentile", distinct((3, 4)), [10.0, 50.0], axis=0),
    case("median", distinct((2, 3, 4))),
    case("median", distinct((2, 3, 4)), axis=(0, 2), keepdims=True),
    case("median", distinct((3, 5)), axis=1),
    *[case(op, with_nan(distinct((2, 3, 4))), axis=axis, keepdims=keepdims)
      for op in ("nansum", "nanmean", "nanmax", "nanmin")
      for axis, keepdims in REDUCTION_AXES],
    *[case(op, f32([[np.nan, np.nan], [1.0, np.nan]]), axis=1, grad=False, label="all-nan")
      for op in ("nanmean", "nanmax", "nanmin")],
    # ---------------------------------------------------- keras.ops numerics: indexing
    case("scatter", i32([[0, 1], [2, 3], [0, 1]]), normal(3), (3, 4)),
    case("scatter", i32([[2], [0]]), normal(2, 4), (3, 4), label="rows"),
    case("scatter_update", normal(3, 4), i32([[0, 1], [2, 3]]), normal(2)),
    case("scatter_update", normal(3, 4), i32([[2], [0]]), normal(2, 4), label="rows"),
    case("scatter_update", normal(3, 4), i32([[0, 1], [2, 3], [0, 1]]), normal(3),
         reduction="add"),
    case("scatter_update", normal(3, 4), i32([[2], [0], [2]]), normal(3, 4), reduction="add",
         label="rows,add"),
    case("slice", normal(3, 4), i32([1, 2]), (2, 2)),
    case("slice", normal(3, 4, 2), i32([2, 3, 0]), (2, 2, 2), label="moved-in"),
    case("slice_update", normal(3, 4), i32([1, 1]), normal(2, 2)),
    case("slice_update", normal(3, 4), i32([5, -1]), normal(2, 3), label="moved-in"),
    case("segment_sum", normal(5, 3), i32([0, 2, 0, 1, 2]), num_segments=3),
    case("segment_sum", normal(5), i32([3, 0, 0, 1, 3]), num_segments=4, label="empty"),
    case("segment_max", distinct((5, 3)), i32([0, 2, 0, 1, 2]), num_segments=3),
    case("segment_max", distinct((5,)), i32([3, 0, 0, 1, 3]), num_segments=4, grad=False,
         label="empty"),
    case("select", [bools(3, 4), bools(3, 4)], [normal(3, 4), normal(3, 4)]),
    case("select", [bools(3, 4)], [normal(3, 4)], -1.5),
    # ------------------------------------------- convolution: 1-D, then 2-D (channels last)
    case("conv", normal(2, 8, 3), normal(3, 3, 4)),
    case("conv", normal(2, 8, 3), normal(3, 3, 4), strides=2, padding="same"),
    case("conv", normal(2, 8, 3), normal(3, 3, 2), padding="same", dilation_rate=2),
    case("conv", normal(2, 9, 2), normal(3, 2, 2), strides=3),
    # input 5, kernel 2, stride 2, "same": one padded cell, after the input only
    case("conv", normal(2, 5, 2), normal(2, 2, 3), strides=2, padding="same"),
    # even kernel, stride 1, "same": pads 1 before and 2 after
    case("conv", normal(1, 7, 2), normal(4, 2, 2), padding="same"),
    case("conv", normal(2, 6, 5, 3), normal(3, 2, 3, 2)),
    case("conv", normal(2, 6, 5, 3), normal(3, 3, 3, 2), strides=2, padding="same"),
    case("conv", normal(1, 5, 5, 2), normal(2, 2, 2, 3), strides=2, padding="same"),
    case("conv", normal(1, 7, 6, 2), normal(3, 2, 2, 2), padding="same", dilation_rate=(2, 1)),
    case("conv", normal(1, 6, 7, 2), normal(2, 3, 2, 2), strides=(1, 2)),
    case("conv", normal(1, 5, 5, 1), normal(1, 1, 1, 4)),
    # feature groups, read off the kernel: in / kernel's in channels
    case("conv", normal(2, 7, 4), normal(3, 2, 6), padding="same"),
    case("conv", normal(1, 5, 4, 6), normal(2, 3, 2, 3), strides=2, dilation_rate=1),
    # 3-D
    case("conv", normal(1, 4, 5, 3, 2), normal(2, 3, 2, 2, 3)),
    case("conv", normal(1, 4, 5, 3, 2), normal(3, 2, 2, 1, 4), strides=(2, 1, 2),
         padding="same"),
    # ------------------------------------------- transposed convolution, Keras's sizes
    case("conv_transpose", normal(2, 5, 3), normal(3, 2, 3)),
    case("conv_transpose", normal(2, 5, 3), normal(3, 2, 3), strides=2, padding="same"),
    case("conv_transpose", normal(2, 5, 3), normal(4, 2, 3), strides=3, padding="same"),
    case("conv_transpose", normal(2, 5, 3), normal(4, 2, 3), strides=2, output_padding=1),
    case("conv_transpose", normal(2, 5, 3), normal(2, 2, 3), strides=3, padding="same",
         output_padding=2),
    case("conv_transpose", normal(1, 4, 2), normal(3, 2, 2), padding="same", dilation_rate=2),
    case("conv_transpose", normal(1, 3, 4, 2), normal(3, 2, 3, 2), strides=(2, 1),
         padding="same"),
    case("conv_transpose", normal(1, 3, 4, 2), normal(2, 2, 2, 2), strides=2,
         output_padding=(1, 0)),
    case("conv_transpose", normal(1, 2, 3, 2, 2), normal(2, 2, 1, 3, 2), strides=2,
         padding="same"),
    # ------------------------------------------- depthwise and separable convolution
    case("depthwise_conv", normal(2, 7, 3), normal(3, 3, 2), padding="same"),
    case("depthwise_conv", normal(1, 5, 6, 2), normal(2, 3, 2, 1), strides=2),
    case("separable_conv", normal(2, 7, 3), normal(3, 3, 2), normal(1, 6, 4), strides=2,
         padding="same"),
    case("separable_conv", normal(1, 5, 6, 2), normal(2, 2, 2, 2), normal(1, 1, 4, 3),
         dilation_rate=(2, 1)),
    # ------------------------------------------------------------------------------ pooling
    *[
        case(op, data(*shape), pool, **options)
        for op, data in (("max_pool", lambda *shape: distinct(shape)), ("avg_pool", normal))
        for shape, pool, options in (
            ((2, 8, 3), 2, {}),
            ((2, 8, 3), 3, {"strides": 2, "padding": "same"}),
            ((1, 7, 2), 3, {"strides": 2, "padding": "same"}),
            ((1, 5, 2), 2, {"strides": 2, "padding": "same"}),
            ((2, 6, 5, 2), (2, 2), {}),
            ((1, 5, 5, 2), 3, {"strides": 2, "padding": "same"}),
            ((1, 4, 5, 1), 2, {"strides": 1, "padding": "same"}),
            ((1, 6, 7, 2), (2, 3), {"strides": (1, 2)}),
            ((1, 7, 5, 2), 3, {"padding": "same"}),
            ((2, 4, 4, 3, 2), 2, {}),
            ((1, 5, 4, 3, 2), (3, 2, 2), {"strides": (2, 1, 2), "padding": "same"}),
            ((1, 3, 5, 4, 1), 2, {"strides": 1, "padding": "same"}),
        )
    ],
    # ------------------------------------------------------------------------- layer math
    case("dense", normal(3, 4), normal(4, 5), normal(5)),
    case("dense", normal(2, 3, 4), normal(4, 5), normal(5)),
    case("dense", normal(3, 4), normal(4, 5)),
    case("lstm", normal(2, 4, 3), normal(2, 5), normal(2, 5), normal(3, 20) * 0.5,
         normal(5, 20) * 0.5, normal(20)),
    case("lstm", normal(2, 4, 3), normal(2, 5), normal(2, 5), normal(3, 20) * 0.5,
         normal(5, 20) * 0.5, None, True, label="no-bias-backwards"),
    case("layer_norm", normal(2, 3, 4), (2,), 1e-3, normal(4), normal(4)),
    case("layer_norm", normal(2, 3, 4), (1, 2), 1e-3, normal(3, 4), normal(3, 4)),
    case("layer_norm", normal(2, 3, 4), (1,), 0.5, normal(3), normal(3)),
    case("layer_norm", normal(3, 5), (1,), 1e-3),
    case("layer_norm", normal(3, 5), (1,), 1e-3, None, normal(5), label="offset-only"),
    case("tap", normal(3, 4), np.zeros((3, 4), np.float32)),
    case("summary_statistics", [normal(3, 4)]),
    # NumPy and PyTorch's CPU take Σ(x - mean)² from Σx and Σx² unless the mean is far off
    # centre, and Σ|x| as Σx (or -Σx) where x has one sign
    case(
        "summary_statistics",
        [normal(2, 3, 5) + 3.0, np.exp(normal(3, 4)), -np.exp(normal(4, 5)), normal(70)],
        label="off-centre,positive,negative,mixed",
    ),
    case("squared_norms", [normal(3, 4), normal(5), normal(2, 1, 3)]),
    case("squared_norms", [normal(3, 4), normal(5)], [normal(3, 4), normal(5)], label="minus"),
    case("even_samples", [normal(3, 4), normal(10), normal(2, 2)], [5, 3, 1], 5, grad=False),
    case("histogram", *histogram_arguments(), 8, grad=False),
    case("histogram", normal(2, 7), f32([-3.0, -1.0]), f32([3.0, 1.5]), 5, grad=False),
    case("sparse_softmax_crossentropy", ints(5, 6), normal(6, 5) * 4),
    case("sparse_softmax_crossentropy", ints(3, 2, 4), normal(2, 4, 3), label="3-d"),
    case("dot_product_attention", normal(2, 3, 2, 4), normal(2, 5, 2, 4), normal(2, 5, 2, 3),
         scale=0.5),
    case("dot_product_attention", normal(1, 4, 3, 2), normal(1, 4, 3, 2), normal(1, 4, 3, 5),
         scale=1.0),
    case("dot_product_attention", normal(2, 3, 4, 2), normal(2, 5, 2, 2), normal(2, 5, 2, 3),
         label="grouped-query-heads"),
    case("dot_product_attention", normal(2, 4, 2, 3), normal(2, 4, 2, 3), normal(2, 4, 2, 3),
         normal(2, 1, 4, 4), np.tri(4, 4, dtype=bool)[None, None] | (normal(2, 1, 1, 4) > 0),
         is_causal=True, label="bias-mask-causal"),
    # ------------------------------------------------------------------------------- images
    case("resize", normal(2, 5, 6, 3), (3, 4)),
    case("resize", normal(2, 5, 6, 3), (8, 9)),
    case("resize", normal(2, 5, 6, 3), (3, 8), interpolation="nearest"),
    *[case("affine_transform", normal(2, 5, 6, 3), SKEWED, fill_mode=mode, **AFFINE_TOL)
      for mode in ("constant", "nearest", "wrap", "mirror", "reflect")],
    case("affine_transform", normal(2, 5, 6, 3), SKEWED, interpolation="nearest",
         fill_mode="reflect"),
    case("affine_transform", normal(2, 5, 6, 3), SKEWED, fill_value=-0.5, **AFFINE_TOL),
    # --------------------------------------------------------------------------- optimizers
    case("adam_update", *adam_arguments()),
    case(
        "adam_update",
        [normal(2)],
        [normal(2)],
        [normal(2)],
        [positive(2)],
        f32(0.5),
        0.5,
        0.25,
        0.1,
        label="one-weight,other-betas",
    ),
    case("adam_update", *adam_arguments(), in_place=True, label="in-place"),
    # ------------------------------------------------------------------------------ control
    case("cond", normal(2, 3) + 1.0, normal(2, 3), call=branches, label="true"),
    case("cond", normal(2, 3) - 1.0, normal(2, 3), call=branches, label="false"),
    # JAX's while_loop is forward-only, as Keras's is there
    case("while_loop", positive(3), f32(10.0), call=doubling_loop, grad=False, label="stops"),
    case("while_loop", positive(3), f32(1e6), call=doubling_loop, grad=False, label="maximum"),
    case("custom_gradient", normal(2, 3), call=softplus_with_own_gradient, label="softplus"),
    case(
        "scan",
        normal(2, 3),
        normal(4, 2, 3),
        normal(3, 3) * 0.5,
        call=rnn_scan,
        label="rnn",
        grad_tol=1e-5,
        why="float32 round-off compounds over 4 steps of backpropagation through time",
    ),
    case(
        "scan",
        normal(2),
        positive(2),
        normal(5, 2),
        positive(5, 2),
        call=structured_scan,
        label="structures",
    ),
]

# ------------------------------------------------------------------- running the table


def _map_arrays(fn, value):
    """fn applied to every NumPy array inside the (nested lists and tuples of) arguments."""
    if isinstance(value, np.ndarray):
        return fn(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_map_arrays(fn, item) for item in value)
    return value


def _is_float(array):
    return array.dtype.kind == "f"


def _float_inputs(case):
    found = []

    def collect(array):
        if _is_float(array):
            found.append(array)

    _map_arrays(collect, case.args)
    return found


def _args_with(case, make_float, make_other):
    """The case's arguments with each float array replaced by the next value of make_float()."""
    return _map_arrays(lambda a: make_float() if _is_float(a) else make_other(a), case.args)


def _run(case, ns, args):
    if case.call is not None:
        return case.call(ns, *args, **case.kwargs)
    return getattr(ns, case.op)(*args, **case.kwargs)


def _reference_outputs_for(case, float_inputs):
    inputs = iter(float_inputs)
    args = _args_with(case, lambda: next(inputs), lambda array: array)
    return [np.asarray(leaf) for leaf in reference.leaves(_run(case, reference, args))]


@functools.cache
def _reference_outputs(case):
    return _reference_outputs_for(case, [x.astype(np.float64) for x in _float_inputs(case)])


@functools.cache
def _cotangents(case):
    """Fixed random weights r for the gradient check, one per output, float32-exact."""
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    return [
        rng.standard_normal(out.shape).astype(np.float32).astype(np.float64)
        for out in _reference_outputs(case)
    ]


@functools.cache
def _reference_gradients(case):
    def weighted_sum(float_inputs):
        outputs = _reference_outputs_for(case, float_inputs)
        return sum(np.sum(out * r) for out, r in zip(outputs, _cotangents(case)))

    return reference.numerical_gradients(weighted_sum, _float_inputs(case))


def _backend_args(backend, case, params=None):
    """The case's arguments on `backend`; float arrays are taken from `params` when given."""
    if params is None:
        return _map_arrays(backend.convert, case.args)
    params = iter(params)
    return _args_with(case, lambda: next(params), backend.convert)


def _differentiable(case):
    outputs = _reference_outputs(case)
    floating = all(out.dtype.kind == "f" for out in outputs)
    return case.grad and floating and bool(_float_inputs(case))


def _expected_dtype(case, expected):
    if case.expect_dtype:
        return case.expect_dtype
    if expected.dtype.kind not in "fb":
        raise ValueError(f"Case {case.id} returns {expected.dtype}: give it an expect_dtype.")
    return "float32" if expected.dtype.kind == "f" else "bool"


def _assert_close(actual, expected, tol, message):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{message}: shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=message)
    else:
        np.testing.assert_allclose(
            actual.astype(np.float64), expected, rtol=tol, atol=tol, err_msg=message
        )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_forward_matches_reference(case, backend_name):
    backend = get_backend(backend_name)
    outputs = reference.leaves(_run(case, backend, _backend_args(backend, case)))
    expected = _reference_outputs(case)
    assert len(outputs) == len(expected), f"{case.id}: {len(outputs)} outputs, not {len(expected)}"
    for out, want in zip(outputs, expected):
        dtype = backend.stored_dtype(_expected_dtype(case, want))
        assert backend.dtype(out) == dtype, f"{case.id} on {backend_name}: dtype"
        _assert_close(backend.to_numpy(out), want, case.tol, f"{case.id} on {backend_name}")


@pytest.mark.parametrize("case", [c for c in CASES if _differentiable(c)], ids=lambda case: case.id)
def test_gradient_matches_finite_differences(case, backend_name):
    backend = get_backend(backend_name)
    cotangents = [backend.convert(r.astype(np.float32)) for r in _cotangents(case)]

    def weighted_sum(params):
        outputs = reference.leaves(_run(case, backend, _backend_args(backend, case, params)))
        terms = [backend.sum(backend.multiply(out, r)) for out, r in zip(outputs, cotangents)]
        return functools.reduce(backend.add, terms)

    params = [backend.convert(x) for x in _float_inputs(case)]
    _, grads = backend.value_and_grad(weighted_sum)(params)
    assert len(grads) == len(params)
    for index, (grad, want) in enumerate(zip(grads, _reference_gradients(case))):
        message = f"{case.id} on {backend_name}: gradient of input {index}"
        _assert_close(backend.to_numpy(grad), want, case.grad_tol, message)


# ------------------------------------------------------- ops with their own tests

COVERED = set()


def covers(*ops):
    """Marks a test as the check of contract ops the table does not hold."""

    def mark(test):
        COVERED.update(ops)
        return test

    return mark


def _gradients(backend, fn, *inputs):
    """Gradients of sum(fn(*inputs)) with respect to each input, as NumPy arrays."""
    params = [backend.convert(f32(x)) for x in inputs]
    _, grads = backend.value_and_grad(lambda p: backend.sum(fn(*p)))(params)
    return [backend.to_numpy(grad) for grad in grads]


def test_maximum_and_minimum_send_the_gradient_to_a_at_ties(backend_name):
    backend = get_backend(backend_name)
    a, b = [1.0, 2.0, 3.0, -1.0], [1.0, 0.0, 3.0, 0.0]
    grad_a, grad_b = _gradients(backend, backend.maximum, a, b)
    np.testing.assert_array_equal(grad_a, [1, 1, 1, 0])
    np.testing.assert_array_equal(grad_b, [0, 0, 0, 1])
    grad_a, grad_b = _gradients(backend, backend.minimum, a, b)
    np.testing.assert_array_equal(grad_a, [1, 0, 1, 1])
    np.testing.assert_array_equal(grad_b, [0, 1, 0, 0])


def test_max_and_min_split_the_gradient_evenly_between_ties(backend_name):
    backend = get_backend(backend_name)
    (grad,) = _gradients(backend, backend.max, [1.0, 3.0, 3.0, 3.0, 0.0])
    np.testing.assert_allclose(grad, [0, 1 / 3, 1 / 3, 1 / 3, 0], rtol=TOL)
    (grad,) = _gradients(backend, lambda x: backend.min(x, axis=1), [[2.0, 2.0], [-1.0, 4.0]])
    np.testing.assert_allclose(grad, [[0.5, 0.5], [1, 0]], rtol=TOL)


def test_max_pool_sends_each_window_s_gradient_to_its_first_maximum(backend_name):
    backend = get_backend(backend_name)
    x = np.array([[0, 0, 5, 1, 2, 2], [0, 0, 5, 5, 2, 2]], np.float32)[None, :, :, None]
    (grad,) = _gradients(backend, lambda v: backend.max_pool(v, 2), x)
    np.testing.assert_array_equal(grad[0, :, :, 0], [[1, 0, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0]])
    y = np.array([[0, 0, 5, 5, 2], [0, 0, 5, 5, 2]], np.float32)[None, :, :, None]
    (grad,) = _gradients(backend, lambda v: backend.max_pool(v, 3, padding="same"), y)
    np.testing.assert_array_equal(grad[0, :, :, 0], [[0, 0, 1, 1, 0], [0, 0, 0, 0, 0]])
    box = np.zeros((1, 2, 2, 2, 1), np.float32)
    box[0, 1, 0, 1, 0] = box[0, 1, 1, 0, 0] = box[0, 0, 1, 1, 0] = 1.0  # three tied maxima
    (grad,) = _gradients(backend, lambda v: backend.max_pool(v, 2), box)
    first = np.zeros_like(box)
    first[0, 0, 1, 1, 0] = 1.0  # the first in (depth, height, width) row-major order
    np.testing.assert_array_equal(grad, first)


def test_relu_gradient_at_zero_is_zero(backend_name):
    backend = get_backend(backend_name)
    (grad,) = _gradients(backend, backend.relu, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(grad, [0, 0, 1])


def test_stop_gradient_blocks_only_its_own_path(backend_name):
    backend = get_backend(backend_name)
    x = [1.5, -2.0, 3.0]
    (grad,) = _gradients(backend, lambda v: backend.multiply(backend.stop_gradient(v), v), x)
    np.testing.assert_array_equal(grad, x)


@covers("gradient_leaf")
def test_a_gradient_leaf_differentiates_as_its_array(backend_name):
    """A custom train step written for the framework runs on gradient leaves (PyTorch's
    loss.backward() fills their .grad): values and the engine's gradients stay the same."""
    backend = get_backend(backend_name)
    leaf = backend.gradient_leaf(backend.convert(np.array([1.5, -2.0], "float32")))
    _, grad = backend.value_and_grad(lambda v: backend.sum(backend.multiply(v, v)))(leaf)
    np.testing.assert_array_equal(backend.to_numpy(backend.stop_gradient(leaf)), [1.5, -2.0])
    np.testing.assert_array_equal(backend.to_numpy(grad), [3.0, -4.0])


# ---------------------------------------------------- arrays, dtypes and devices


def _numpy_dtype(name):
    if name == "bfloat16":
        return np.dtype(pytest.importorskip("ml_dtypes").bfloat16)
    return np.dtype(name)


@covers("convert", "to_numpy", "dtype", "cast", "stored_dtype")
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_converts_casts_and_round_trips(backend_name, dtype):
    backend = get_backend(backend_name)
    values = f32([0.0, 1.0, 2.0])
    dtype = backend.stored_dtype(dtype)  # JAX without 64-bit mode narrows 64-bit dtypes
    expected = values.astype(_numpy_dtype(dtype))
    made = {
        "convert(values, dtype)": backend.convert(values, dtype),
        "cast(convert(values), dtype)": backend.cast(backend.convert(values), dtype),
        "convert(array of that dtype)": backend.convert(expected),
    }
    for how, array in made.items():
        assert backend.dtype(array) == dtype, how
        back = backend.to_numpy(array)
        assert isinstance(back, np.ndarray) and back.dtype == expected.dtype, how
        np.testing.assert_array_equal(back.astype(np.float64), expected.astype(np.float64), how)


@covers("convert", "to_numpy", "shape", "is_array")
def test_convert_takes_python_values_and_its_own_arrays(backend_name):
    backend = get_backend(backend_name)
    nested = backend.convert([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert backend.is_array(nested)
    assert backend.shape(nested) == (2, 3)
    assert all(type(size) is int for size in backend.shape(nested))
    np.testing.assert_array_equal(backend.to_numpy(nested), [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(backend.to_numpy(backend.convert(nested)), [[1, 2, 3], [4, 5, 6]])
    scalar = backend.convert(2.5)
    assert backend.shape(scalar) == ()
    assert backend.to_numpy(scalar) == 2.5
    assert not backend.is_array([1.0, 2.0])
    assert not backend.is_array(2.5)


@covers("step_input")
def test_step_input_feeds_a_compiled_step_in_the_dtype_asked_for(backend_name):
    backend = get_backend(backend_name)
    double = backend.jit(lambda x: backend.multiply(x, 2))
    for data, dtype in ((np.arange(6.0).reshape(2, 3), "float32"), (np.arange(4), "int32")):
        fed = backend.step_input(data, dtype)
        out = double(fed)
        assert backend.dtype(out) == dtype
        np.testing.assert_array_equal(backend.to_numpy(out), data * 2)
    same_dtype = backend.step_input(np.arange(3, dtype=np.float32), "float32")
    np.testing.assert_array_equal(backend.to_numpy(double(same_dtype)), [0, 2, 4])


@covers("from_dlpack")
def test_from_dlpack_round_trips(backend_name):
    backend = get_backend(backend_name)
    source = np.arange(6, dtype=np.float32).reshape(2, 3)
    from_numpy = backend.from_dlpack(source)
    assert backend.dtype(from_numpy) == "float32"
    np.testing.assert_array_equal(backend.to_numpy(from_numpy), source)
    own = backend.convert(source)
    if hasattr(own, "__dlpack__"):
        np.testing.assert_array_equal(backend.to_numpy(backend.from_dlpack(own)), source)


@covers("devices", "default_device")
def test_devices_are_named_and_the_default_prefers_a_gpu(backend_name):
    backend = get_backend(backend_name)
    devices = backend.devices()
    assert devices and all(re.fullmatch(r"[a-z]+:\d+", name) for name in devices), devices
    default = backend.default_device()
    assert default in devices
    if any(not name.startswith("cpu") for name in devices):
        assert not default.startswith("cpu"), f"{default} chosen over a GPU in {devices}"


# ------------------------------------------------------------------------- random


def _seed(backend, *values):
    return backend.convert(i32(values))


@covers("random_uniform", "random_normal")
def test_random_numbers_depend_only_on_the_seed(backend_name):
    backend = get_backend(backend_name)
    for draw in (backend.random_uniform, backend.random_normal):
        first = draw((3, 4), _seed(backend, 1, 2))
        assert backend.shape(first) == (3, 4) and backend.dtype(first) == "float32"
        again = backend.to_numpy(draw((3, 4), _seed(backend, 1, 2)))
        np.testing.assert_array_equal(backend.to_numpy(first), again)
        for other in ((1, 3), (2, 2)):
            different = backend.to_numpy(draw((3, 4), _seed(backend, *other)))
            assert not np.allclose(again, different), f"seeds (1, 2) and {other} draw the same"


@covers("random_uniform")
def test_random_uniform_stays_in_range(backend_name):
    backend = get_backend(backend_name)
    values = backend.to_numpy(backend.random_uniform((10_000,), _seed(backend, 7, 0), -2.0, 3.0))
    assert values.min() >= -2.0 and values.max() < 3.0
    assert abs(values.mean() - 0.5) < 0.05
    assert abs(values.std() - 5 / np.sqrt(12)) < 0.05


@covers("random_normal")
def test_random_normal_has_the_asked_mean_and_stddev(backend_name):
    backend = get_backend(backend_name)
    draw = backend.random_normal((10_000,), _seed(backend, 7, 1), mean=1.5, stddev=0.5)
    values = backend.to_numpy(draw)
    # four standard errors: 0.5 / sqrt(10_000) = 0.005 for the mean
    assert abs(values.mean() - 1.5) < 0.02
    assert abs(values.std() - 0.5) < 0.02


@covers("random_uniform", "random_normal", "jit")
def test_random_numbers_under_jit_match_eager(backend_name):
    backend = get_backend(backend_name)

    def draws(seed):
        return backend.random_uniform((5,), seed), backend.random_normal((5,), seed)

    compiled = backend.jit(draws)
    for seed in ((3, 4), (5, 6)):
        for eager, jitted in zip(draws(_seed(backend, *seed)), compiled(_seed(backend, *seed))):
            np.testing.assert_array_equal(backend.to_numpy(jitted), backend.to_numpy(eager))


# -------------------------------------------------------------- autodiff and jit


def dense_loss(ns, params, x):
    """A tiny dense layer's squared error, written once for a backend or the reference."""
    hidden = ns.tanh(ns.add(ns.matmul(x, params["kernel"]), params["biases"][0]))
    return ns.mean(ns.square(ns.subtract(hidden, params["biases"][1])))


def _dense_params(leaves):
    return {"biases": [leaves[0], leaves[1]], "kernel": leaves[2]}


DENSE_LEAVES = [normal(2), normal(2), normal(3, 2)]
DENSE_X = [normal(4, 3), normal(4, 3)]


def _on(backend, structure):
    return reference.map_structure(backend.convert, structure)


def _assert_structures_close(backend, actual, expected):
    """Leaf by leaf; `expected` holds this backend's arrays or NumPy arrays."""
    actual, expected = reference.leaves(actual), reference.leaves(expected)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        want = backend.to_numpy(want) if backend.is_array(want) else want
        _assert_close(backend.to_numpy(got), np.asarray(want, np.float64), TOL, "structure leaf")


@covers("value_and_grad", "is_array")
def test_value_and_grad_of_a_structure_with_extra_arguments(backend_name):
    backend = get_backend(backend_name)
    seen = []

    def loss(params, x):
        seen.append(all(backend.is_array(leaf) for leaf in reference.leaves(params)))
        return dense_loss(backend, params, x)

    params = _dense_params([leaf.astype(np.float64) for leaf in DENSE_LEAVES])
    x = DENSE_X[0].astype(np.float64)
    on_backend = _on(backend, _dense_params(DENSE_LEAVES))
    value, grads = backend.value_and_grad(loss)(on_backend, backend.convert(DENSE_X[0]))
    assert seen and all(seen), "params inside value_and_grad are not arrays of the backend"
    assert backend.shape(value) == ()
    _assert_close(backend.to_numpy(value), dense_loss(reference, params, x), TOL, "value")
    assert set(grads) == {"biases", "kernel"} and isinstance(grads["biases"], list)
    expected = reference.numerical_gradients(
        lambda leaves: dense_loss(reference, _dense_params(leaves), x), DENSE_LEAVES
    )
    _assert_structures_close(backend, grads, _dense_params(expected))


@covers("value_and_grad")
def test_value_and_grad_with_aux_returns_it_beside_the_value(backend_name):
    backend = get_backend(backend_name)
    kernel, x = normal(3, 2), normal(4, 3)

    def loss(params, inputs):
        out = backend.matmul(inputs, params["kernel"])
        return backend.sum(out), {"out": out}

    (value, aux), grads = backend.value_and_grad(loss, has_aux=True)(
        {"kernel": backend.convert(kernel)}, backend.convert(x)
    )
    product = x.astype(np.float64) @ kernel
    _assert_close(backend.to_numpy(value), product.sum(), TOL, "value")
    _assert_close(backend.to_numpy(aux["out"]), product, TOL, "aux")
    expected = np.broadcast_to(x.astype(np.float64).sum(0)[:, None], (3, 2))
    _assert_close(backend.to_numpy(grads["kernel"]), expected, TOL, "gradient")


@covers("jit", "is_array", "shape")
def test_jit_matches_eager_on_structures(backend_name):
    backend = get_backend(backend_name)
    seen = []

    def forward(params, x):
        seen.append((backend.is_array(x), backend.shape(x)))
        hidden = backend.tanh(backend.matmul(x, params["kernel"]))
        return {"hidden": hidden, "total": backend.sum(hidden, axis=-1)}

    compiled = backend.jit(forward)
    params = _on(backend, _dense_params(DENSE_LEAVES))
    for x in DENSE_X:  # a second call with new values must not reuse the first's
        x = backend.convert(x)
        _assert_structures_close(backend, compiled(params, x), forward(params, x))
    assert all(is_array and shape == (4, 3) for is_array, shape in seen), seen


@covers("jit", "value_and_grad", "scan")
def test_jit_of_a_training_step_and_of_scan_match_eager(backend_name):
    backend = get_backend(backend_name)
    step = backend.value_and_grad(lambda params, x: dense_loss(backend, params, x))
    compiled = backend.jit(step)
    params = _on(backend, _dense_params(DENSE_LEAVES))
    for x in DENSE_X:
        x = backend.convert(x)
        _assert_structures_close(backend, compiled(params, x), step(params, x))
    # inputs of their own, so rows added to the table above draw nothing away from them
    own = np.random.default_rng(11)
    scan_inputs = [backend.convert(own.standard_normal(shape).astype(np.float32))
                   for shape in ((2, 3), (4, 2, 3), (3, 3))]
    eager = rnn_scan(backend, *scan_inputs)
    jitted = backend.jit(lambda *inputs: rnn_scan(backend, *inputs))(*scan_inputs)
    # XLA fuses the scan's matmuls and tanh: float32 rounding differs from eager's by ~1e-6
    for got, want in zip(reference.leaves(jitted), reference.leaves(eager)):
        np.testing.assert_allclose(backend.to_numpy(got), backend.to_numpy(want), rtol=1e-5,
                                   atol=1e-5)



@pytest.mark.parametrize("call, message", [
    (lambda b, x: b.segment_sum(x, b.convert(i32([0, 1, 0]))), "segment_sum: pass num_segments"),
    (lambda b, x: b.segment_max(x, b.convert(i32([0, 1, 0]))), "segment_max: pass num_segments"),
    (lambda b, x: b.quantile(x, 0.5, method="cubic"), "quantile: method must be one of"),
    (lambda b, x: b.bincount(b.convert(i32([1, 2])), sparse=True), "bincount: sparse=True"),
    (lambda b, x: b.bincount(b.convert(ints(3, 2, 2, 2))), "bincount: x must be 1-D or 2-D"),
    (lambda b, x: b.scatter_update(x, b.convert(i32([[0]])), x[:1], reduction="max"),
     "scatter_update: reduction must be None or 'add'"),
    (lambda b, x: b.slice(x, b.convert(i32([1])), (-1,)), "slice: shape must hold sizes >= 0"),
], ids=["segment_sum", "segment_max", "quantile", "bincount-sparse", "bincount-3-d",
        "scatter_update-max", "slice-to-the-end"])
def test_numerics_refuse_arguments_they_cannot_take(backend_name, call, message):
    backend = get_backend(backend_name)
    with pytest.raises(ValueError, match=message):
        call(backend, backend.convert(normal(3)))


def test_attention_dropout_keeps_the_weights_its_seed_draws(backend_name):
    backend = get_backend(backend_name)
    query, key, value = normal(2, 3, 2, 4), normal(2, 5, 2, 4), normal(2, 5, 2, 3)
    seed = backend.convert(i32([7, 3]))
    noise = backend.to_numpy(backend.random_uniform((2, 2, 3, 5), seed))
    expected = reference.dot_product_attention(
        *(x.astype(np.float64) for x in (query, key, value)), scale=0.5, dropout=0.25,
        keep=noise >= 0.25
    )
    args = [backend.convert(x) for x in (query, key, value)]
    out = backend.dot_product_attention(*args, scale=0.5, dropout=0.25, seed=seed)
    _assert_close(backend.to_numpy(out), expected, TOL, f"dropout on {backend_name}")


LAYER_MATH = [
    c for c in CASES
    if c.op in ("dense", "layer_norm", "dot_product_attention", "sparse_softmax_crossentropy")
]


@pytest.mark.parametrize("case", LAYER_MATH, ids=lambda case: case.id)
def test_layer_math_compiled_matches_the_reference(case, backend_name):
    """The fused layer ops again under jit, value and gradient (eager is in the table)."""
    backend = get_backend(backend_name)
    cotangent = backend.convert(_cotangents(case)[0].astype(np.float32))

    def weighted_sum(params):
        out = _run(case, backend, _backend_args(backend, case, params))
        return backend.sum(backend.multiply(out, cotangent)), out

    step = backend.jit(backend.value_and_grad(weighted_sum, has_aux=True))
    params = [backend.convert(x) for x in _float_inputs(case)]
    (_, out), grads = step(params)
    message = f"{case.id} compiled on {backend_name}"
    _assert_close(backend.to_numpy(out), _reference_outputs(case)[0], case.tol, message)
    for grad, want in zip(grads, _reference_gradients(case)):
        _assert_close(backend.to_numpy(grad), want, case.grad_tol, message + ": gradient")


@covers("jvp")
def test_jvp_is_the_jacobian_times_the_tangents(backend_name):
    """jvp of (x, y) -> (sin(x) * y, sum(x * x)) with aux, against the derivative by hand."""
    backend = get_backend(backend_name)
    x, y, dx, dy = normal(2, 3), normal(2, 3), normal(2, 3), normal(2, 3)

    def fn(u, v):
        return (backend.multiply(backend.sin(u), v), backend.sum(backend.multiply(u, u))), u

    primals = [backend.convert(x), backend.convert(y)]
    tangents = [backend.convert(dx), backend.convert(dy)]
    (first, total), (d_first, d_total), aux = backend.jvp(fn, primals, tangents, has_aux=True)
    _assert_close(backend.to_numpy(first), np.sin(x) * y, 1e-6, "jvp value")
    _assert_close(backend.to_numpy(total), np.sum(x * x), 1e-5, "jvp value")
    _assert_close(backend.to_numpy(d_first), np.cos(x) * dx * y + np.sin(x) * dy, 1e-6, "jvp")
    _assert_close(backend.to_numpy(d_total), np.sum(2 * x * dx), 1e-5, "jvp")
    _assert_close(backend.to_numpy(aux), x, 0, "jvp aux")


# --------------------------------------------------------------------------- meta


def test_every_contract_op_is_covered():
    ops = {name for name, member in vars(Backend).items() if callable(member)}
    ops = {name for name in ops if not name.startswith("_")}
    missing = ops - {case.op for case in CASES} - COVERED
    assert not missing, f"Contract ops without a conformance case: {sorted(missing)}"


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(set(ids)) == len(ids), sorted({i for i in ids if ids.count(i) > 1})
