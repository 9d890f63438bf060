"""keras.ops's control flow (engine/composed_ops/control_flow.py): each program below runs on
keras.ops and on engine.ops on every backend, eagerly and under the backend's jit, with the
same numbers; gradients through cond, fori_loop, scan and map match finite differences."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import engine
from engine import composed_ops, ops

RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 3)).astype("float32")
Y = RNG.standard_normal((4, 3)).astype("float32")


def running_sum(o, x, y):
    return o.scan(lambda c, v: (c + v, c * v), o.zeros((3,)), x)


# name -> program(ops namespace, x, y): a structure of arrays
PROGRAMS = {
    "cond_true": lambda o, x, y: o.cond(o.sum(x) < 100.0, lambda: x * y, lambda: x - y),
    "cond_false": lambda o, x, y: o.cond(o.sum(x) > 100.0, lambda: (x, y), lambda: (y, x)),
    "switch": lambda o, x, y: [
        o.switch(i, [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b], x, y)
        for i in (1, 7, -1)
    ],
    "while_loop": lambda o, x, y: o.while_loop(
        lambda i, v: o.sum(v) < 50.0, lambda i, v: (i + 1, o.abs(v) * 2.0 + 0.1), (0, x)),
    "while_loop_single": lambda o, x, y: o.while_loop(
        lambda v: o.sum(v) < 1e9, lambda v: v + 1.0, x, maximum_iterations=3),
    "fori_loop": lambda o, x, y: o.fori_loop(
        0, 3, lambda i, v: o.tanh(v * y) + o.cast(i, "float32"), x),
    "fori_loop_empty": lambda o, x, y: o.fori_loop(2, 2, lambda i, v: v * 2.0, x),
    "scan": running_sum,
    "scan_reverse": lambda o, x, y: o.scan(
        lambda c, v: (c + v["a"] * v["b"], c), o.zeros((3,)), {"a": x, "b": y}, reverse=True),
    "scan_length": lambda o, x, y: o.scan(
        lambda c, v: (c * 2.0, c + 1.0), x, length=3, unroll=2),
    "map": lambda o, x, y: o.map(lambda v: o.sum(v * v), x),
    "map_structure": lambda o, x, y: o.map(lambda v: (v[0] + v[1], v[0] * 2.0), (x, y)),
    "vectorized_map": lambda o, x, y: o.vectorized_map(lambda v: o.max(v) - v, x),
    "associative_scan": lambda o, x, y: o.associative_scan(lambda a, b: a + b, x),
    "associative_scan_axis": lambda o, x, y: o.associative_scan(
        lambda a, b: o.maximum(a, b), x, axis=1, reverse=True),
    "associative_scan_pairs": lambda o, x, y: o.associative_scan(
        lambda a, b: (a[0] * b[0], a[1] * b[0] + b[1]), (x, y)),
    "saturate_cast_bool": lambda o, x, y: o.saturate_cast(x * 2.0, "bool"),
    "saturate_cast_int32": lambda o, x, y: o.saturate_cast(x * 3e9, "int32"),
    "saturate_cast_float16": lambda o, x, y: o.saturate_cast(x * 1e6, "float16"),
}
# Programs whose arguments are Python values, which compiled code takes as constants.
EAGER_ONLY = {"while_loop"}


def _numpy(structure, to_numpy):
    if isinstance(structure, (list, tuple)):
        return [_numpy(s, to_numpy) for s in structure]
    if isinstance(structure, dict):
        return [_numpy(structure[k], to_numpy) for k in sorted(structure)]
    return np.asarray(to_numpy(structure))


def _assert_same(got, want, where):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for g, w in zip(got, want):
            _assert_same(g, w, where)
        return
    assert got.shape == want.shape and got.dtype == want.dtype, (where, got.dtype, want.dtype)
    np.testing.assert_allclose(got.astype("float64"), want.astype("float64"), rtol=1e-5,
                               atol=1e-5, err_msg=where)


@functools.cache
def _keras_result(name):
    import keras

    return _numpy(PROGRAMS[name](keras.ops, X, Y), keras.ops.convert_to_numpy)


@pytest.mark.parametrize("name", PROGRAMS)
def test_control_flow_computes_as_keras(name, backend_name):
    """Eagerly, and where jit compiles (JAX, TensorFlow) traced as one program."""
    program, want = PROGRAMS[name], _keras_result(name)
    b = engine.backend.active()
    x, y = b.convert(X), b.convert(Y)
    _assert_same(_numpy(program(ops, x, y), ops.to_numpy), want, f"{name} on {backend_name}")
    if name not in EAGER_ONLY and backend_name in ("jax", "tensorflow"):
        compiled = b.jit(lambda x, y: program(ops, x, y))
        _assert_same(_numpy(compiled(x, y), ops.to_numpy), want, f"jit {name}")


def test_is_tensor_and_custom_gradient(backend_name):
    b = engine.backend.active()
    assert ops.is_tensor(b.convert(X)) and not ops.is_tensor([1.0])

    @ops.custom_gradient
    def clipped_identity(x):
        return x, lambda upstream: ops.clip(upstream, -0.5, 0.5)

    value, gradient = b.value_and_grad(lambda v: ops.sum(clipped_identity(v) * b.convert(Y)))(
        b.convert(X))
    np.testing.assert_allclose(ops.to_numpy(gradient), np.clip(Y, -0.5, 0.5))
    np.testing.assert_allclose(ops.to_numpy(value), np.sum(X * Y), rtol=1e-6)


@pytest.mark.parametrize("name", ["cond_true", "cond_false", "fori_loop", "scan",
                                  "scan_reverse", "map", "associative_scan_pairs"])
def test_gradients_flow_on_numpy(name):
    """The NumPy backend differentiates through the Python control flow it runs."""
    program = PROGRAMS[name]

    def loss(x):
        return ops.sum(ops.stack([ops.sum(ops.square(leaf))
                                  for leaf in engine.tree.flatten(program(ops, x, Y))]))

    _, gradient = engine.backend.active().value_and_grad(loss)(X)
    x64, numeric = X.astype("float64"), np.zeros(X.shape)
    for index in np.ndindex(X.shape):
        step = np.zeros(X.shape)
        step[index] = 1e-5
        numeric[index] = (loss(x64 + step) - loss(x64 - step)) / 2e-5
    np.testing.assert_allclose(gradient, numeric, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.scan(lambda c, x: (c, x), 0.0), "scan: pass xs, or length"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, X, length=2), "scan: xs's leading axes"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, X, unroll=0), "scan: unroll must be"),
    (lambda: ops.switch(0, [], X), "switch: branches must hold"),
])
def test_bad_arguments_say_what_to_do(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_every_control_flow_op_is_tested():
    ours = {name for name, f in composed_ops.COMPOSED.items()
            if f.__module__ == composed_ops.control_flow.__name__}
    in_programs = {op for op in ours
                   if any(p == op or p.startswith(f"{op}_") for p in PROGRAMS)}
    assert ours - in_programs == {"is_tensor", "custom_gradient"}
