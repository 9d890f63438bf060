"""What is specific to the TensorFlow backend: devices, jit, GradientTape autodiff,
the while-loop scan, stateless randomness, dtype promotion and strided dilated convolution."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from engine import tree  # noqa: E402
from engine.backend import get_backend  # noqa: E402
from tests.backend import reference  # noqa: E402

b = get_backend("tensorflow")


def _array(values, dtype="float32"):
    return b.convert(np.asarray(values), dtype)


def test_devices_and_configuration():
    devices = b.devices()
    assert "cpu:0" in devices
    assert b.default_device() == devices[0]
    assert not tf.config.experimental.tensor_float_32_execution_enabled()


def test_conversion_keeps_numpy_dtypes_and_narrows_python_numbers():
    assert b.dtype(b.convert(np.zeros(2, np.float64))) == "float64"
    assert b.dtype(b.convert([1, 2])) == "int32"
    assert b.dtype(b.convert(0.5)) == "float32"
    assert b.to_numpy(b.convert(0.1, "float64")) == 0.1  # not rounded through float32
    copy = b.to_numpy(_array([1.0, 2.0]))
    copy[0] = 9.0  # writable


def test_binary_ops_promote_like_jax():
    half = _array([1.0, 2.0], "float16")
    assert b.dtype(b.add(half, 2.0)) == "float16"
    assert b.dtype(b.multiply(3.0, half)) == "float16"
    assert b.dtype(b.add(half, _array([1.0, 1.0]))) == "float32"
    assert b.dtype(b.add(b.convert([1, 2]), 2.5)) == "float32"
    assert b.dtype(b.maximum(b.convert([1, 2]), np.float64(1.5))) == "float32"
    assert b.dtype(b.divide(b.convert([1, 2]), 2)) == "float32"
    assert b.dtype(b.greater(b.convert([1, 2]), 1.5)) == "bool"


def test_dlpack_round_trip():
    source = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = b.from_dlpack(source)
    assert b.is_array(x) and b.shape(x) == (2, 3)
    np.testing.assert_array_equal(b.to_numpy(x), source)


def test_value_and_grad_structures_aux_and_unconnected_leaves():
    params = {
        "w": _array([[1.0, 2.0], [3.0, 4.0]]),
        "embedding": _array(np.arange(6.0).reshape(3, 2)),
        "unused": [_array([5.0]), b.convert(3)],
    }

    def loss_fn(p, x, tokens):
        y = b.add(b.matmul(x, p["w"]), b.take(p["embedding"], tokens))
        return b.sum(b.square(y)), {"y": y}

    x, tokens = _array([[1.0, 1.0]]), b.convert([2])
    (loss, aux), grads = b.value_and_grad(loss_fn, has_aux=True)(params, x, tokens)
    y = np.array([[4.0 + 4.0, 6.0 + 5.0]], np.float32)
    assert float(loss) == pytest.approx(float((y**2).sum()))
    np.testing.assert_allclose(b.to_numpy(aux["y"]), y)
    assert list(grads) == ["w", "embedding", "unused"]
    np.testing.assert_allclose(b.to_numpy(grads["w"]), np.ones((2, 1)) * 2 * y)
    # the gather's gradient arrives dense, scattered into row 2
    assert isinstance(grads["embedding"], tf.Tensor)
    np.testing.assert_allclose(b.to_numpy(grads["embedding"]), [[0, 0], [0, 0], 2 * y[0]])
    np.testing.assert_array_equal(b.to_numpy(grads["unused"][0]), [0.0])
    assert b.dtype(grads["unused"][1]) == "int32"


def _step(params, x, labels):
    def loss_fn(p):
        h = b.relu(b.conv(x, p["conv"], strides=2, padding="same", dilation_rate=1))
        h = b.max_pool(h, 2, padding="same")
        logits = b.matmul(b.reshape(h, (b.shape(h)[0], -1)), p["dense"])
        picked = b.take_along_axis(b.log_softmax(logits), b.expand_dims(labels, -1), axis=1)
        return b.negative(b.mean(picked))

    loss, grads = b.value_and_grad(loss_fn)(params)
    new = tree.map_structure(lambda p, g: b.subtract(p, b.multiply(0.1, g)), params, grads)
    return new, loss


def test_jit_uses_xla_only_where_a_gpu_is_visible():
    from engine.backend.tensorflow.framework import XLA

    assert bool(tf.config.list_logical_devices("GPU")) == XLA


def test_jit_compiles_a_training_step_that_matches_eager():
    rng = np.random.default_rng(0)
    params = {
        "dense": _array(rng.standard_normal((12, 3))),
        "conv": _array(rng.standard_normal((3, 3, 2, 3))),
    }
    x = _array(rng.standard_normal((4, 5, 5, 2)))
    labels = b.convert(np.array([0, 2, 1, 1], np.int32))
    eager_params, eager_loss = _step(params, x, labels)
    jitted = b.jit(_step)
    jit_params, jit_loss = jitted(params, x, labels)
    assert list(jit_params) == ["dense", "conv"]
    np.testing.assert_allclose(float(jit_loss), float(eager_loss), rtol=1e-5)
    for eager, compiled in zip(tree.flatten(eager_params), tree.flatten(jit_params)):
        np.testing.assert_allclose(b.to_numpy(compiled), b.to_numpy(eager), rtol=1e-5, atol=1e-6)


def _running_product(params, xs):
    def step(carry, x):
        total = b.multiply(carry["total"], b.multiply(params, x["a"]))
        return {"total": total}, b.add(total, x["b"])

    final, ys = b.scan(step, {"total": _array(1.0)}, xs)
    return b.add(final["total"], b.sum(ys)), ys


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
def test_scan_carries_state_and_differentiates(compiled):
    xs = {"a": _array([1.0, 2.0, 3.0]), "b": _array([2.0, 2.0, 2.0])}
    value_and_grad = b.value_and_grad(_running_product, has_aux=True)
    if compiled:
        value_and_grad = b.jit(value_and_grad)
    (value, ys), grad = value_and_grad(_array(2.0), xs)
    # with w = 2 the running totals are w = 2, 2 w^2 = 8 and 6 w^3 = 48; each y adds 2
    np.testing.assert_allclose(b.to_numpy(ys), [4.0, 10.0, 50.0])
    assert float(value) == pytest.approx(48.0 + 64.0)
    # total = 6 w^3 and sum(ys) = w + 2 w^2 + 6 w^3 + 6: d/dw = 18 w^2 + 1 + 4 w + 18 w^2
    assert float(grad) == pytest.approx(72.0 + 1.0 + 8.0 + 72.0)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
def test_scan_of_a_single_step(compiled):
    xs = {"a": _array([3.0]), "b": _array([1.0])}
    value_and_grad = b.value_and_grad(_running_product, has_aux=True)
    if compiled:
        value_and_grad = b.jit(value_and_grad)
    (value, ys), grad = value_and_grad(_array(2.0), xs)
    np.testing.assert_allclose(b.to_numpy(ys), [7.0])
    assert float(value) == pytest.approx(13.0)
    assert float(grad) == pytest.approx(6.0)


def test_random_gives_the_same_numbers_eagerly_and_inside_jit():
    seed = b.convert(np.array([3, -4], np.int32))
    eager = b.to_numpy(b.random_uniform((2, 3), seed, minval=-1.0, maxval=1.0))
    np.testing.assert_array_equal(b.to_numpy(b.random_uniform((2, 3), seed, -1.0, 1.0)), eager)
    assert not np.array_equal(b.to_numpy(b.random_uniform((2, 3), [3, 5], -1.0, 1.0)), eager)
    assert eager.min() >= -1.0 and eager.max() < 1.0
    draw = b.jit(lambda s: b.random_normal((4000,), s, mean=2.0, stddev=0.5))
    first = b.to_numpy(draw(seed))
    np.testing.assert_array_equal(b.to_numpy(draw(seed)), first)
    np.testing.assert_array_equal(b.to_numpy(b.random_normal((4000,), seed, 2.0, 0.5)), first)
    assert first.mean() == pytest.approx(2.0, abs=0.05)


def test_same_padding_puts_the_odd_cell_after():
    # width 5, window 2, stride 2: TF pads 0 before and 1 after, giving 3 outputs
    x = _array(np.arange(1.0, 6.0).reshape(1, 5, 1))
    summed = b.conv(x, b.ones((2, 1, 1)), strides=2, padding="same")
    np.testing.assert_allclose(b.to_numpy(summed).ravel(), [3.0, 7.0, 5.0])
    averaged = b.avg_pool(x, 2, padding="same")
    np.testing.assert_allclose(b.to_numpy(averaged).ravel(), [1.5, 3.5, 5.0])
    np.testing.assert_allclose(b.to_numpy(b.max_pool(x, 2, padding="same")).ravel(), [2, 4, 5])


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_with_stride_and_dilation_together(padding):
    # tf.nn.convolution rejects this combination; the backend works around it
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 9, 8, 3))
    kernel = rng.standard_normal((3, 2, 3, 4))
    expected = reference.conv(x, kernel, strides=(2, 3), padding=padding, dilation_rate=2)
    conv = b.value_and_grad(
        lambda k, x: b.sum(b.conv(x, k, strides=(2, 3), padding=padding, dilation_rate=2))
    )
    out = b.conv(_array(x), _array(kernel), (2, 3), padding, 2)
    np.testing.assert_allclose(b.to_numpy(out), expected, rtol=1e-5, atol=1e-5)
    _, grad = b.jit(conv)(_array(kernel), _array(x))
    _, eager_grad = conv(_array(kernel), _array(x))
    np.testing.assert_allclose(b.to_numpy(grad), b.to_numpy(eager_grad), rtol=1e-5, atol=1e-5)


def test_a_nan_survives_matmul_bias_and_relu_inside_jit():
    # Fused oneDNN kernels (grappler's remapper) would turn it into 0 and hide a divergence.
    x = np.ones((4, 3), np.float32)
    x[1, 0] = np.nan
    dense = b.jit(lambda x, w, bias: b.relu(b.add(b.matmul(x, w), bias)))
    out = b.to_numpy(dense(_array(x), _array(np.ones((3, 2))), _array(np.zeros(2))))
    assert np.isnan(out[1]).all() and np.isfinite(np.delete(out, 1, axis=0)).all()


def test_repeated_jit_calls_take_the_traced_graph_and_still_tell_arguments_apart():
    backend = get_backend("tensorflow")
    traces = []

    def step(leaves, x, y, sample_weight):
        traces.append(1)
        target = x if y is None else y
        weight = 1.0 if sample_weight is None else sample_weight
        return [leaf * 2 for leaf in leaves], tf.reduce_sum((target - x) ** 2 * weight)

    compiled = backend.jit(step)
    leaves = [tf.constant([1.0, 2.0]), tf.constant(3.0)]
    x, other = tf.constant([1.0, 1.0]), tf.constant([2.0, 4.0])
    for _ in range(3):  # one trace, then the shortcut
        doubled, loss = compiled(leaves, x, other, None)
    assert len(traces) == 1
    np.testing.assert_array_equal(doubled[0].numpy(), [2.0, 4.0])
    assert float(loss) == 10.0
    # The same tensors in another place (sample_weight instead of y) is another graph.
    _, loss = compiled(leaves, x, None, other)
    assert len(traces) == 2 and float(loss) == 0.0
    # Another shape traces again; a Python value among the arguments takes tf.function's path.
    compiled([tf.constant([1.0, 2.0, 3.0]), tf.constant(3.0)], x, other, None)
    assert len(traces) == 3
    _, loss = compiled(leaves, x, other, 2.0)
    assert float(loss) == 20.0


def _compiled_by_xla(compiled) -> list:
    return [g.function_def.attr["_XlaMustCompile"].b for g in compiled._graphs.values()]


def _graph_ops(compiled) -> set:
    return {op.type for g in compiled._graphs.values() for op in g.graph.get_operations()}


@pytest.mark.parametrize("avx512", [False, True])
def test_jit_compiles_with_xla_unless_max_pooling_overlaps_or_avx512_convolves(
    avx512, monkeypatch
):
    from engine.backend.tensorflow import autodiff

    slow = ("MaxPool", "Conv") if avx512 else ("MaxPool",)
    monkeypatch.setattr(autodiff, "_SLOW_UNDER_XLA", slow)
    backend = get_backend("tensorflow")
    kernel = _array(np.ones((3, 3, 1, 2)))
    convolution = backend.jit(lambda x: backend.max_pool(backend.conv(x, kernel), 2))
    convolution(_array(np.ones((1, 6, 6, 1))))
    overlapping = backend.jit(lambda x: backend.max_pool(x, 3, strides=2))
    overlapping(_array(np.ones((1, 7, 7, 1))))
    gpu = bool(tf.config.list_physical_devices("GPU"))
    # under XLA the 2x2 pool tiles without a MaxPool op; outside it, TensorFlow's MaxPool
    assert _compiled_by_xla(convolution) == [gpu or not avx512]
    assert ("MaxPool" in _graph_ops(convolution)) == (avx512 and not gpu)
    assert _compiled_by_xla(overlapping) == [gpu]  # XLA on a GPU; TensorFlow's kernel else


def test_convolutions_leave_xla_where_the_cpu_has_avx512():
    from engine.backend.cpu import cpu_flags
    from engine.backend.tensorflow import autodiff

    assert ("Conv" in autodiff._SLOW_UNDER_XLA) == ("avx512f" in cpu_flags())


def test_tiled_max_pooling_differentiates_under_xla_as_eagerly():
    backend = get_backend("tensorflow")
    x = _array(np.random.default_rng(0).standard_normal((2, 6, 7, 3)))

    def loss(params):
        pooled = backend.max_pool(params[0], 2, padding="same")
        return backend.sum(backend.multiply(pooled, pooled))

    eager = backend.value_and_grad(loss)([x])
    compiled = backend.jit(backend.value_and_grad(loss))
    (value, (grad,)), (expected_value, (expected,)) = compiled([x]), eager
    assert _compiled_by_xla(compiled) == [True]
    np.testing.assert_allclose(float(value), float(expected_value), rtol=1e-6)
    np.testing.assert_array_equal(grad.numpy(), expected.numpy())


def test_gradients_flow_through_the_shortcut():
    backend = get_backend("tensorflow")
    square_sum = backend.jit(lambda w: tf.reduce_sum(w * w))
    w = tf.constant([1.0, -2.0])
    square_sum(w)  # traced: the next calls take the shortcut
    _, grad = backend.value_and_grad(lambda params: square_sum(params))(w)
    np.testing.assert_allclose(grad.numpy(), [2.0, -4.0])


def test_summary_statistics_under_xla_are_variadic_reduces_and_eager_ones_composed():
    backend = get_backend("tensorflow")
    x = _array(np.random.default_rng(5).standard_normal((16, 9, 9, 8)))
    compiled = backend.jit(lambda t: backend.summary_statistics([t]))
    np.testing.assert_allclose(
        compiled(x).numpy(), backend.summary_statistics([x]).numpy(), rtol=2e-5, atol=1e-6
    )
    assert "XlaVariadicReduceV2" in _graph_ops(compiled)  # exact: test_grouped_moments.py


