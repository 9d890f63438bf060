"""dense on JAX and on TensorFlow under XLA, on the CPU: a narrow kernel's gradient comes from
an (out, in) product kept apart from its transpose (engine/backend/weight_gradient.py); the
values and the gradients of gradients are the composed ops'."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from engine.backend import get_backend
from engine.backend.contract import Backend
from engine.backend.weight_gradient import transposed_is_faster

XLA_BACKENDS = ("jax", "tensorflow")


def test_only_kernels_with_a_narrow_output_take_the_transposed_gradient():
    assert transposed_is_faster(512, 10) and transposed_is_faster(4096, 10)
    assert transposed_is_faster(256, 128) and transposed_is_faster(128, 64)
    assert not transposed_is_faster(256, 129)  # wider than 128
    assert not transposed_is_faster(784, 512) and not transposed_is_faster(64, 64)
    assert not transposed_is_faster(10, 512)


@pytest.fixture
def barriers(monkeypatch):
    """The backend `name` and a list that grows by one for each transposed weight gradient
    built (JAX traces and TensorFlow builds its graphs once per shape)."""

    def backend(name):
        pytest.importorskip(name)
        module = importlib.import_module(f"engine.backend.{name}.dense")
        built = []
        barrier = module._barrier

        def counted(x):
            built.append(tuple(x.shape))
            return barrier(x)

        monkeypatch.setattr(module, "_barrier", counted)
        return get_backend(name), built

    return backend


def _loss_and_grads(backend, dense):
    """value_and_grad of sum(sin(dense(x, kernel, bias)) * weights) over x, kernel and bias."""

    def loss(params, weights):
        out = dense(params["x"], params["kernel"], params["bias"])
        return backend.sum(backend.multiply(backend.sin(out), weights))

    return backend.value_and_grad(loss)


@pytest.mark.parametrize("name", XLA_BACKENDS)
@pytest.mark.parametrize(
    ("x_shape", "kernel_shape", "transposed"),
    [((32, 512), (512, 10), True), ((4, 16, 128), (128, 64), True), ((32, 64), (64, 64), False)],
)
def test_compiled_gradients_match_the_composed_ops(
    name, barriers, x_shape, kernel_shape, transposed
):
    backend, built = barriers(name)
    rng = np.random.default_rng(3)
    arrays = {
        "x": rng.standard_normal(x_shape),
        "kernel": rng.standard_normal(kernel_shape) / np.sqrt(kernel_shape[0]),
        "bias": rng.standard_normal(kernel_shape[1:]),
    }
    params = {key: backend.convert(a.astype(np.float32)) for key, a in arrays.items()}
    out_shape = (*x_shape[:-1], kernel_shape[1])
    weights = backend.convert(rng.standard_normal(out_shape).astype(np.float32))

    fused = backend.jit(_loss_and_grads(backend, backend.dense))
    (loss, grads) = fused(params, weights)
    assert built == ([(kernel_shape[1], kernel_shape[0])] if transposed else [])

    composed = _loss_and_grads(backend, lambda *args: Backend.dense(backend, *args))
    want_loss, want = composed(params, weights)
    np.testing.assert_allclose(backend.to_numpy(loss), backend.to_numpy(want_loss), rtol=1e-5)
    for key in arrays:
        assert backend.shape(grads[key]) == arrays[key].shape
        np.testing.assert_allclose(
            backend.to_numpy(grads[key]), backend.to_numpy(want[key]), rtol=2e-4, atol=2e-5
        )


@pytest.mark.parametrize("name", XLA_BACKENDS)
def test_a_gradient_of_the_transposed_gradient_matches_the_composed_ops(name, barriers):
    backend, built = barriers(name)
    rng = np.random.default_rng(4)
    x = backend.convert(rng.standard_normal((16, 256)).astype(np.float32))
    kernel = backend.convert((rng.standard_normal((256, 8)) / 16).astype(np.float32))
    weights = backend.convert(rng.standard_normal((16, 8)).astype(np.float32))

    def kernel_gradient_norm(dense):
        """|d loss / d kernel|², as a function of x: differentiates the kernel's gradient."""
        inner = _loss_and_grads(backend, dense)

        def norm(x):
            _, grads = inner({"x": x, "kernel": kernel, "bias": None}, weights)
            return backend.sum(backend.square(grads["kernel"]))

        return backend.value_and_grad(norm)

    got = backend.jit(kernel_gradient_norm(backend.dense))(x)
    want = kernel_gradient_norm(lambda *args: Backend.dense(backend, *args))(x)
    assert built
    for a, b in zip(got, want):
        a, b = backend.to_numpy(a), backend.to_numpy(b)
        # float32 sums of a few hundred terms, compiled and not: compared at their scale
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5 * np.abs(b).max())


def test_tensorflow_outside_xla_keeps_its_own_gradient(barriers):
    backend, built = barriers("tensorflow")
    x = backend.convert(np.ones((8, 512), np.float32))
    kernel = backend.convert(np.full((512, 10), 0.5, np.float32))
    _, grads = backend.value_and_grad(lambda k: backend.sum(backend.dense(x, k)))(kernel)
    assert built == []  # eager: there is no barrier outside XLA
    np.testing.assert_allclose(backend.to_numpy(grads), np.full((512, 10), 8.0))
