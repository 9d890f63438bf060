"""What is specific to the JAX backend: devices, jit, autodiff structures, scan, randomness."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from engine import tree  # noqa: E402
from engine.backend import get_backend  # noqa: E402

b = get_backend("jax")


def _array(values, dtype="float32"):
    return b.convert(np.asarray(values), dtype)


def test_devices_are_named_like_the_other_backends():
    devices = b.devices()
    assert "cpu:0" in devices
    assert b.default_device() == devices[0]
    assert all(name.split(":")[0] in ("gpu", "cpu", "tpu") for name in devices)


def test_global_jax_configuration():
    assert jax.config.jax_default_matmul_precision == "highest"
    assert not jax.config.jax_enable_x64


def test_64_bit_dtypes_narrow_without_x64():
    assert b.dtype(b.convert(np.zeros(2, np.float64))) == "float32"
    assert b.dtype(b.convert([1, 2], "int64")) == "int32"
    assert b.dtype(b.zeros((2,), "float64")) == "float32"
    assert b.dtype(b.convert(2.0)) == "float32"


def test_to_numpy_returns_a_writable_copy():
    x = _array([1.0, 2.0])
    copy = b.to_numpy(x)
    copy[0] = 9.0
    assert b.to_numpy(x)[0] == 1.0


def test_dlpack_round_trip():
    source = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = b.from_dlpack(source)
    assert b.is_array(x) and b.shape(x) == (2, 3)
    np.testing.assert_array_equal(b.to_numpy(x), source)
    again = b.from_dlpack(b.multiply(x, 2.0))
    np.testing.assert_array_equal(b.to_numpy(again), source * 2)


def test_value_and_grad_keeps_structure_order_and_aux():
    params = {"w": _array([[1.0, 2.0], [3.0, 4.0]]), "b": [_array([0.5, -0.5]), b.convert(3)]}
    x = _array([[1.0, 1.0]])

    def loss_fn(p, x):
        y = b.add(b.matmul(x, p["w"]), p["b"][0])
        return b.sum(b.square(y)), {"y": y, "count": p["b"][1]}

    (loss, aux), grads = b.value_and_grad(loss_fn, has_aux=True)(params, x)
    y = np.array([[4.5, 5.5]], np.float32)
    assert float(loss) == pytest.approx(float((y**2).sum()))
    assert list(grads) == ["w", "b"] and list(aux) == ["y", "count"]
    np.testing.assert_allclose(b.to_numpy(grads["w"]), np.ones((2, 1)) * 2 * y)
    np.testing.assert_allclose(b.to_numpy(grads["b"][0]), 2 * y[0])
    assert b.dtype(grads["b"][1]) == "int32" and int(grads["b"][1]) == 0


def _step(params, x, labels):
    def loss_fn(p):
        h = b.relu(b.conv(x, p["conv"], strides=2, padding="same"))
        h = b.avg_pool(h, 2, padding="same")
        logits = b.matmul(b.reshape(h, (b.shape(h)[0], -1)), p["dense"])
        picked = b.take_along_axis(b.log_softmax(logits), b.expand_dims(labels, -1), axis=1)
        return b.negative(b.mean(picked))

    loss, grads = b.value_and_grad(loss_fn)(params)
    new = tree.map_structure(lambda p, g: b.subtract(p, b.multiply(0.1, g)), params, grads)
    return new, loss


def test_jit_of_a_training_step_matches_eager_and_keeps_dict_order():
    rng = np.random.default_rng(0)
    params = {
        "dense": _array(rng.standard_normal((12, 3))),
        "conv": _array(rng.standard_normal((3, 3, 2, 3))),
    }
    x = _array(rng.standard_normal((4, 5, 5, 2)))
    labels = b.convert(np.array([0, 2, 1, 1], np.int32))
    eager_params, eager_loss = _step(params, x, labels)
    jit_params, jit_loss = b.jit(_step)(params, x, labels)
    assert list(jit_params) == ["dense", "conv"]
    np.testing.assert_allclose(float(jit_loss), float(eager_loss), rtol=1e-5)
    for eager, compiled in zip(tree.flatten(eager_params), tree.flatten(jit_params)):
        np.testing.assert_allclose(b.to_numpy(compiled), b.to_numpy(eager), rtol=1e-5, atol=1e-6)


def test_scan_carries_state_and_differentiates():
    xs = {"a": _array([1.0, 2.0, 3.0]), "b": _array([2.0, 2.0, 2.0])}

    def running_product(params, xs):
        def step(carry, x):
            total = b.multiply(carry[0], b.multiply(params, x["a"]))
            return [total, carry[1]], b.add(total, x["b"])  # list carry for a tuple init

        (total, tag), ys = b.scan(step, (_array(1.0), _array(7.0)), xs)
        return b.add(total, b.sum(ys)), {"ys": ys, "tag": tag}

    (value, aux), grad = b.value_and_grad(running_product, has_aux=True)(_array(2.0), xs)
    # with w = 2 the running totals are w = 2, 2 w^2 = 8 and 6 w^3 = 48; each y adds 2
    np.testing.assert_allclose(b.to_numpy(aux["ys"]), [4.0, 10.0, 50.0])
    assert float(aux["tag"]) == 7.0
    assert float(value) == pytest.approx(48.0 + 64.0)
    # total = 6 w^3 and sum(ys) = w + 2 w^2 + 6 w^3 + 6: d/dw = 18 w^2 + 1 + 4 w + 18 w^2 at w = 2
    assert float(grad) == pytest.approx(72.0 + 1.0 + 8.0 + 72.0)


def test_random_is_deterministic_inside_jit():
    seed = b.convert(np.array([3, -4], np.int32))
    eager = b.to_numpy(b.random_uniform((2, 3), seed, minval=-1.0, maxval=1.0))
    draw = b.jit(lambda s: b.random_uniform((2, 3), s, minval=-1.0, maxval=1.0))
    np.testing.assert_array_equal(b.to_numpy(draw(seed)), eager)
    np.testing.assert_array_equal(b.to_numpy(draw(seed)), eager)
    other = b.to_numpy(draw(b.convert(np.array([3, 5], np.int32))))
    assert not np.array_equal(other, eager)
    assert eager.min() >= -1.0 and eager.max() < 1.0
    normal = b.random_normal((4000,), seed, mean=2.0, stddev=0.5, dtype="bfloat16")
    assert b.dtype(normal) == "bfloat16"
    assert float(b.mean(b.cast(normal, "float32"))) == pytest.approx(2.0, abs=0.05)


def test_same_padding_puts_the_odd_cell_after():
    # width 5, window 2, stride 2: TF pads 0 before and 1 after, giving 3 outputs
    x = _array(np.arange(1.0, 6.0).reshape(1, 5, 1))
    summed = b.conv(x, b.ones((2, 1, 1)), strides=2, padding="same")
    np.testing.assert_allclose(b.to_numpy(summed).ravel(), [3.0, 7.0, 5.0])
    averaged = b.avg_pool(x, 2, padding="same")
    np.testing.assert_allclose(b.to_numpy(averaged).ravel(), [1.5, 3.5, 5.0])
    np.testing.assert_allclose(b.to_numpy(b.max_pool(x, 2, padding="same")).ravel(), [2, 4, 5])


def test_strided_dilated_conv():
    x = _array(np.arange(1.0, 8.0).reshape(1, 7, 1))
    out = b.conv(x, b.ones((2, 1, 1)), strides=2, padding="valid", dilation_rate=2)
    np.testing.assert_allclose(b.to_numpy(out).ravel(), [1 + 3, 3 + 5, 5 + 7])
