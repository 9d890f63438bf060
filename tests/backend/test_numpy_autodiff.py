"""The NumPy backend's own autodiff: every differentiable op against central finite
differences in float64, training a small MLP and CNN, scan, tie rules, and a few gradients
against jax.grad.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from engine.backend.numpy import Traced
from engine.backend.numpy import backend as nb

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    """Values in ±[0.2, 1.5]: clear of the kinks of relu, abs, clip at ±0.1."""
    return RNG.choice([-1.0, 1.0], shape) * RNG.uniform(0.2, 1.5, shape)


def distinct(*shape):
    """Values all different (gaps of about 0.05): no ties for max, min or pooling."""
    size = int(np.prod(shape))
    return RNG.permutation(np.linspace(-2.0, 2.0, size)).reshape(shape)


def numerical_gradient(f, x, eps=1e-6):
    """Central differences of the scalar f at x, one element at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def check_gradients(fn, *inputs):
    """value_and_grad of sum(fn(*inputs) * r), r a fixed random cotangent, against
    finite differences, for every input."""
    cotangent = np.random.default_rng(1).standard_normal(np.shape(fn(*inputs)))

    def loss(params):
        return nb.sum(nb.multiply(fn(*params), cotangent))

    value, grads = nb.value_and_grad(loss)(list(inputs))
    assert not isinstance(value, Traced)
    for i, x in enumerate(inputs):

        def loss_of_input(v, i=i):
            return float(np.sum(fn(*inputs[:i], v, *inputs[i + 1 :]) * cotangent))

        expected = numerical_gradient(loss_of_input, x)
        assert grads[i].shape == x.shape and grads[i].dtype == np.float64
        np.testing.assert_allclose(grads[i], expected, rtol=1e-6, atol=1e-8)


INDICES = np.array([[0, 2], [2, 3]])

CASES = {
    # arithmetic, with broadcasting and Python scalars on either side
    "add_broadcast": (nb.add, lambda: (normal(3, 4), normal(4))),
    "subtract_broadcast": (nb.subtract, lambda: (normal(3, 1), normal(1, 4))),
    "multiply_broadcast": (nb.multiply, lambda: (normal(2, 3, 4), normal(3, 1))),
    "divide": (nb.divide, lambda: (normal(3, 4), positive(4))),
    "power": (nb.power, lambda: (positive(3, 4), normal(3, 4))),
    "scalar_left": (lambda x: nb.subtract(2.0, nb.divide(3.0, x)), lambda: (positive(5),)),
    "scalar_right": (lambda x: nb.power(nb.multiply(x, 0.5), 3), lambda: (normal(5),)),
    "maximum": (nb.maximum, lambda: tuple(distinct(2, 3, 4))),
    "minimum": (nb.minimum, lambda: tuple(distinct(2, 3, 4))),
    "negative": (nb.negative, lambda: (normal(4),)),
    # unary math
    "abs": (nb.abs, lambda: (away_from_zero(6),)),
    "square": (nb.square, lambda: (normal(6),)),
    "sqrt": (nb.sqrt, lambda: (positive(6),)),
    "exp": (nb.exp, lambda: (normal(6),)),
    "log": (nb.log, lambda: (positive(6),)),
    "log1p": (nb.log1p, lambda: (positive(6),)),
    "sin": (nb.sin, lambda: (normal(6),)),
    "cos": (nb.cos, lambda: (normal(6),)),
    "erf": (nb.erf, lambda: (normal(6),)),
    "clip": (lambda x: nb.clip(x, -0.1, 0.1), lambda: (away_from_zero(3, 4) * 0.2,)),
    "where": (lambda a, b: nb.where(a > b, a, b * 2.0), lambda: tuple(distinct(2, 3, 4))),
    # activations
    "relu": (nb.relu, lambda: (away_from_zero(3, 4),)),
    "leaky_relu": (lambda x: nb.leaky_relu(x, 0.1), lambda: (away_from_zero(3, 4),)),
    "gelu_tanh": (nb.gelu, lambda: (normal(3, 4),)),
    "gelu_erf": (lambda x: nb.gelu(x, approximate=False), lambda: (normal(3, 4),)),
    "silu": (nb.silu, lambda: (normal(3, 4),)),
    "tanh": (nb.tanh, lambda: (normal(3, 4),)),
    "sigmoid": (nb.sigmoid, lambda: (normal(3, 4) * 5,)),
    "softplus": (nb.softplus, lambda: (normal(3, 4) * 5,)),
    "softmax": (nb.softmax, lambda: (normal(3, 4),)),
    "softmax_axis0": (lambda x: nb.softmax(x, axis=0), lambda: (normal(3, 4),)),
    "log_softmax": (nb.log_softmax, lambda: (normal(3, 4) * 10,)),
    # reductions
    "sum_all": (nb.sum, lambda: (normal(3, 4),)),
    "sum_tuple_keepdims": (
        lambda x: nb.sum(x, axis=(0, 2), keepdims=True),
        lambda: (normal(2, 3, 4),),
    ),
    "mean_axis": (lambda x: nb.mean(x, axis=-1), lambda: (normal(3, 4),)),
    "max_axis": (lambda x: nb.max(x, axis=1), lambda: (distinct(3, 4),)),
    "min_all_keepdims": (lambda x: nb.min(x, keepdims=True), lambda: (distinct(3, 4),)),
    "logsumexp": (lambda x: nb.logsumexp(x, axis=0), lambda: (normal(3, 4) * 10,)),
    # linear algebra
    "matmul": (nb.matmul, lambda: (normal(3, 4), normal(4, 2))),
    "matmul_batch_broadcast": (nb.matmul, lambda: (normal(2, 3, 4), normal(4, 5))),
    "matmul_vector": (nb.matmul, lambda: (normal(4), normal(2, 4, 3))),
    "einsum_matmul": (
        lambda a, b: nb.einsum("ij,jk->ik", a, b),
        lambda: (normal(2, 3), normal(3, 4)),
    ),
    "einsum_batch": (
        lambda a, b: nb.einsum("bqd,bkd->bqk", a, b),
        lambda: (normal(2, 3, 4), normal(2, 5, 4)),
    ),
    "einsum_inner_sum": (
        lambda a, b: nb.einsum("ij,k->k", a, b),
        lambda: (normal(2, 3), normal(4)),
    ),
    "einsum_implicit": (
        lambda a, b: nb.einsum("ij,jk", a, b),
        lambda: (normal(2, 3), normal(3, 4)),
    ),
    # shapes
    "reshape": (lambda x: nb.reshape(x, (4, -1)), lambda: (normal(2, 3, 2),)),
    "transpose": (lambda x: nb.transpose(x, (2, 0, 1)), lambda: (normal(2, 3, 4),)),
    "expand_squeeze": (
        lambda x: nb.squeeze(nb.expand_dims(x, 1), 2) * 2.0,
        lambda: (normal(3, 1, 4),),
    ),
    "broadcast_to": (lambda x: nb.broadcast_to(x, (2, 3, 4)), lambda: (normal(3, 1),)),
    "concatenate": (
        lambda a, b: nb.concatenate([a, b, a], axis=-1),
        lambda: (normal(2, 3), normal(2, 1)),
    ),
    "stack": (lambda a, b: nb.stack([a, b, a], axis=1), lambda: (normal(2, 3), normal(2, 3))),
    "pad": (lambda x: nb.pad(x, ((1, 0), (2, 1)), value=1.5), lambda: (normal(2, 3),)),
    # indexing
    "getitem": (
        lambda x: nb.getitem(x, (Ellipsis, None, slice(3, 0, -2), 1)),
        lambda: (normal(2, 4, 3),),
    ),
    "take_repeated": (lambda x: nb.take(x, INDICES, axis=0), lambda: (normal(4, 3),)),
    "take_axis1": (lambda x: nb.take(x, INDICES, axis=1), lambda: (normal(2, 4, 3),)),
    "take_along_axis": (
        lambda x: nb.take_along_axis(x, np.array([[0, 0, 2], [1, 3, 1]]), axis=1),
        lambda: (normal(2, 4),),
    ),
    # Python operators on traced arrays
    "operators": (
        lambda a, b: (-a @ b) ** 2 / 2.0 - 1.0 + abs(a[:, :1]) * 3 + 1 / (b[0] ** 2 + 1),
        lambda: (away_from_zero(3, 4), normal(4, 4)),
    ),
    # one intermediate used by several later nodes: the backward order must respect it all
    "shared_intermediate": (
        lambda x: (lambda y: y * nb.sin(y) + nb.sum(y, axis=0))(nb.exp(x)),
        lambda: (normal(3, 2),),
    ),
    # neural network ops
    "conv1d_valid_stride": (
        lambda x, k: nb.conv(x, k, strides=2),
        lambda: (normal(2, 7, 3), normal(3, 3, 2)),
    ),
    "conv1d_same_dilation": (
        lambda x, k: nb.conv(x, k, padding="same", dilation_rate=2),
        lambda: (normal(2, 6, 2), normal(2, 2, 3)),
    ),
    "conv2d_same_stride_dilation": (
        lambda x, k: nb.conv(x, k, strides=(2, 1), padding="same", dilation_rate=(1, 2)),
        lambda: (normal(2, 5, 6, 2), normal(3, 2, 2, 3)),
    ),
    "conv2d_valid": (lambda x, k: nb.conv(x, k), lambda: (normal(1, 4, 5, 3), normal(2, 3, 3, 2))),
    "conv1d_grouped": (
        lambda x, k: nb.conv(x, k, strides=2, padding="same"),
        lambda: (normal(2, 7, 4), normal(3, 2, 6)),
    ),
    "conv3d_same_stride": (
        lambda x, k: nb.conv(x, k, strides=(1, 2, 2), padding="same"),
        lambda: (normal(1, 3, 4, 3, 2), normal(2, 2, 3, 2, 2)),
    ),
    "conv_transpose1d_same_stride": (
        lambda x, k: nb.conv_transpose(x, k, strides=3, padding="same"),
        lambda: (normal(2, 4, 3), normal(4, 2, 3)),
    ),
    "conv_transpose1d_output_padding_dilation": (
        lambda x, k: nb.conv_transpose(x, k, output_padding=0, dilation_rate=2),
        lambda: (normal(2, 4, 3), normal(3, 2, 3)),
    ),
    "conv_transpose2d_valid_output_padding": (
        lambda x, k: nb.conv_transpose(x, k, strides=(2, 3), output_padding=(1, 2)),
        lambda: (normal(1, 3, 2, 2), normal(2, 3, 3, 2)),
    ),
    "conv_transpose3d_same": (
        lambda x, k: nb.conv_transpose(x, k, strides=2, padding="same"),
        lambda: (normal(1, 2, 2, 3, 2), normal(3, 2, 2, 2, 2)),
    ),
    "separable_conv2d": (
        lambda x, d, p: nb.separable_conv(x, d, p, strides=2, padding="same"),
        lambda: (normal(1, 5, 4, 2), normal(3, 2, 2, 2), normal(1, 1, 4, 3)),
    ),
    "max_pool2d_same": (
        lambda x: nb.max_pool(x, 3, strides=2, padding="same"),
        lambda: (distinct(2, 5, 6, 2),),
    ),
    "max_pool1d": (lambda x: nb.max_pool(x, 2), lambda: (distinct(2, 7, 3),)),
    "avg_pool2d_same": (
        lambda x: nb.avg_pool(x, (2, 3), strides=(2, 2), padding="same"),
        lambda: (normal(2, 5, 5, 2),),
    ),
    "avg_pool1d_valid": (lambda x: nb.avg_pool(x, 3, strides=1), lambda: (normal(2, 6, 2),)),
}


@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_finite_differences(name):
    fn, make_inputs = CASES[name]
    check_gradients(fn, *make_inputs())


def test_untraced_calls_return_plain_arrays():
    x = np.ones((2, 3), np.float32)
    for out in (nb.add(x, 1.0), nb.softmax(x), nb.conv(x[None], np.ones((1, 3, 2)))):
        assert type(out) is np.ndarray


def test_float32_stays_float32():
    def loss(params):
        h = nb.gelu(nb.matmul(params["x"], params["w"]) * 0.5 + 1.0, approximate=False)
        return nb.mean(nb.softmax(h) ** 2.0)

    params = {"x": np.ones((2, 3), np.float32), "w": np.ones((3, 4), np.float32)}
    value, grads = nb.value_and_grad(loss)(params)
    assert value.dtype == np.float32
    assert grads["x"].dtype == np.float32 and grads["w"].dtype == np.float32


def test_tie_rules():
    a = np.array([1.0, 2.0, 3.0])
    _, grads = nb.value_and_grad(lambda p: nb.sum(nb.maximum(p[0], p[1])))([a, a.copy()])
    np.testing.assert_array_equal(grads[0], [1, 1, 1])
    np.testing.assert_array_equal(grads[1], [0, 0, 0])
    _, grads = nb.value_and_grad(lambda p: nb.sum(nb.minimum(p[0], p[1])))([a, a.copy()])
    np.testing.assert_array_equal(grads[0], [1, 1, 1])

    _, grad = nb.value_and_grad(nb.max)(np.array([1.0, 3.0, 3.0, 0.0]))
    np.testing.assert_array_equal(grad, [0, 0.5, 0.5, 0])
    _, grad = nb.value_and_grad(lambda x: nb.sum(nb.relu(x)))(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(grad, [0, 0, 1])
    _, grad = nb.value_and_grad(lambda x: nb.sum(nb.clip(x, 0.0, 1.0)))(np.array([-1.0, 0.5, 2]))
    np.testing.assert_array_equal(grad, [0, 1, 0])


def test_no_gradient_ops_cut_the_graph():
    def loss(x):
        blocked = nb.floor(x) + nb.sign(x) + nb.stop_gradient(x) + nb.cast(nb.argmax(x), "float64")
        mask = nb.cast(nb.greater(x, 0.0), "float64")
        return nb.sum(blocked * x) + nb.sum(mask)

    x = np.array([0.5, -1.5, 2.5])
    _, grad = nb.value_and_grad(loss)(x)
    # d/dx sum(c * x) with c = floor(x) + sign(x) + x + argmax, all held constant
    np.testing.assert_allclose(grad, np.floor(x) + np.sign(x) + x + 2)


def test_unused_and_integer_params_get_zero_gradients():
    params = {"used": np.ones(3), "unused": np.ones((2, 2), np.float32), "step": np.int32(4)}
    _, grads = nb.value_and_grad(lambda p: nb.sum(p["used"] * 2.0))(params)
    np.testing.assert_array_equal(grads["used"], [2, 2, 2])
    np.testing.assert_array_equal(grads["unused"], np.zeros((2, 2)))
    assert grads["unused"].dtype == np.float32 and grads["step"] == 0

    value, grads = nb.value_and_grad(lambda p: nb.sum(np.ones(2)))(params)
    assert value == 2 and not grads["used"].any()


def test_has_aux_returns_plain_aux():
    def loss(params, x):
        pred = nb.matmul(x, params["w"])
        return nb.mean(pred**2), {"pred": pred, "note": "aux"}

    w, x = normal(3, 2), normal(4, 3)
    (value, aux), grads = nb.value_and_grad(loss, has_aux=True)({"w": w}, x)
    assert isinstance(aux["pred"], np.ndarray) and aux["note"] == "aux"
    np.testing.assert_allclose(aux["pred"], x @ w)
    np.testing.assert_allclose(value, np.mean((x @ w) ** 2))
    np.testing.assert_allclose(grads["w"], x.T @ (2 * x @ w / 8))


def test_non_scalar_loss_is_an_error():
    with pytest.raises(ValueError, match="scalar loss"):
        nb.value_and_grad(lambda x: x * 2.0)(np.ones(3))


def test_einsum_gradient_spells_out_ellipsis():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(3, 5, 6))
    check_gradients(lambda a, b: nb.einsum("...ij,...jk->...ik", a, b), a, b)


def test_einsum_gradient_refuses_broadcasting_ellipsis():
    grad = nb.value_and_grad(lambda a, b: nb.sum(nb.einsum("...i,...i->...", a, b)))
    with pytest.raises(NotImplementedError, match="'...'"):
        grad(np.ones((2, 3)), np.ones((1, 3)))


def test_scan_gradient_and_stacking():
    def rnn(params, xs):
        def step(h, x_t):
            h = nb.tanh(nb.matmul(h, params["w"]) + x_t["in"] * params["u"])
            return h, {"h": h, "none": None}

        h, ys = nb.scan(step, np.zeros((2, 3)), {"in": xs})
        assert ys["h"].shape == (5, 2, 3) and ys["none"] is None
        return nb.sum(h) + nb.mean(ys["h"] ** 2)

    w, u, xs = normal(3, 3) * 0.5, normal(3), normal(5, 2, 1)
    _, grads = nb.value_and_grad(rnn)({"w": w, "u": u}, xs)
    expected_w = numerical_gradient(lambda v: float(rnn({"w": v, "u": u}, xs)), w)
    expected_u = numerical_gradient(lambda v: float(rnn({"w": w, "u": v}, xs)), u)
    np.testing.assert_allclose(grads["w"], expected_w, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grads["u"], expected_u, rtol=1e-6, atol=1e-8)


def sgd_losses(loss, params, *args, steps, learning_rate):
    """The loss before each of `steps` plain SGD steps."""
    step = nb.value_and_grad(loss)
    losses = []
    for _ in range(steps):
        value, grads = step(params, *args)
        losses.append(float(value))
        params = {k: params[k] - learning_rate * grads[k] for k in params}
    return losses


def cross_entropy(logits, labels, classes):
    return -nb.mean(nb.sum(nb.log_softmax(logits) * nb.one_hot(labels, classes), axis=-1))


def test_mlp_trains():
    x = RNG.standard_normal((64, 4)).astype(np.float32)
    labels = (x[:, 0] + x[:, 1] > 0).astype(np.int32)
    params = {
        "w1": (RNG.standard_normal((4, 16)) * 0.5).astype(np.float32),
        "b1": np.zeros(16, np.float32),
        "w2": (RNG.standard_normal((16, 2)) * 0.5).astype(np.float32),
        "b2": np.zeros(2, np.float32),
    }

    def loss(p, x, labels):
        hidden = nb.relu(x @ p["w1"] + p["b1"])
        return cross_entropy(hidden @ p["w2"] + p["b2"], labels, 2)

    losses = sgd_losses(loss, params, x, labels, steps=30, learning_rate=0.5)
    assert losses[-1] < 0.5 * losses[0]


def test_cnn_trains():
    images = RNG.standard_normal((16, 8, 8, 1)).astype(np.float32)
    labels = images[:, :4].mean(axis=(1, 2, 3)) > images[:, 4:].mean(axis=(1, 2, 3))
    params = {
        "conv": (RNG.standard_normal((3, 3, 1, 4)) * 0.3).astype(np.float32),
        "dense": (RNG.standard_normal((4 * 4 * 4, 2)) * 0.1).astype(np.float32),
    }

    def loss(p, images, labels):
        features = nb.max_pool(nb.relu(nb.conv(images, p["conv"], padding="same")), 2)
        logits = nb.reshape(features, (16, -1)) @ p["dense"]
        return cross_entropy(logits, labels.astype(np.int32), 2)

    losses = sgd_losses(loss, params, images, labels, steps=15, learning_rate=0.5)
    assert losses[-1] < 0.7 * losses[0]


def test_random_is_deterministic_given_the_seed():
    seed = np.array([7, 3], np.int32)
    first = nb.random_uniform((3, 4), seed, minval=-1.0, maxval=2.0)
    np.testing.assert_array_equal(first, nb.random_uniform((3, 4), seed, -1.0, 2.0))
    assert first.dtype == np.float32 and first.min() >= -1.0 and first.max() < 2.0
    assert not np.array_equal(first, nb.random_uniform((3, 4), np.array([3, 7], np.int32), -1, 2))
    normal_draw = nb.random_normal((2000,), Traced(seed), mean=1.0, stddev=2.0, dtype="float64")
    assert normal_draw.dtype == np.float64
    assert abs(normal_draw.mean() - 1.0) < 0.2 and abs(normal_draw.std() - 2.0) < 0.2


# ------------------------------------------------------------------- against jax.grad


@pytest.fixture(scope="module")
def jax_modules():
    jax = pytest.importorskip("jax")
    return jax, jax.numpy, jax.lax


def compare_with_jax(ours, theirs, jax, *inputs):
    """Gradients of sum(f(*inputs) * r) from our value_and_grad and from jax.grad."""
    cotangent = np.random.default_rng(2).standard_normal(np.shape(ours(*inputs)))
    cotangent = cotangent.astype(np.float32)
    _, grads = nb.value_and_grad(lambda p: nb.sum(ours(*p) * cotangent))(list(inputs))
    expected = jax.grad(lambda p: (theirs(*p) * cotangent).sum())(list(inputs))
    for grad, reference in zip(grads, expected):
        np.testing.assert_allclose(grad, np.asarray(reference), rtol=1e-4, atol=1e-5)


def test_gradients_match_jax(jax_modules):
    jax, jnp, lax = jax_modules

    def f32(*shape):
        return RNG.standard_normal(shape).astype(np.float32)

    compare_with_jax(nb.matmul, jnp.matmul, jax, f32(2, 3, 4), f32(4, 5))
    compare_with_jax(
        lambda x, k: nb.conv(x, k, strides=2, padding="same", dilation_rate=2),
        lambda x, k: lax.conv_general_dilated(
            x, k, (2, 2), "SAME", rhs_dilation=(2, 2), dimension_numbers=("NHWC", "HWIO", "NHWC")
        ),
        jax,
        f32(2, 9, 8, 3),
        f32(3, 2, 3, 4),
    )
    compare_with_jax(
        lambda x: nb.max_pool(x, 3, strides=2, padding="same"),
        lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME"),
        jax,
        f32(2, 7, 6, 3),
    )
    compare_with_jax(nb.softmax, jax.nn.softmax, jax, f32(4, 5))
    indices = np.array([[1, 1], [0, 3]])
    compare_with_jax(
        lambda x: nb.take(x, indices, axis=1),
        lambda x: jnp.take(x, indices, axis=1),
        jax,
        f32(2, 4),
    )


def test_compiled_functions_compute_inf_and_nan_without_warnings():
    """Like jax.jit and tf.function: a step that overflows or takes log(0) gives inf or NaN
    silently (fit reports a non-finite loss itself); eager NumPy warns as usual."""
    step = nb.jit(lambda x: (nb.log(nb.multiply(x, 0.0)), nb.exp(nb.multiply(x, 1e3))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_zero, overflow = step(np.ones(2, np.float32))
    assert np.all(np.isneginf(log_zero)) and np.all(np.isposinf(overflow))
    with pytest.warns(RuntimeWarning):
        nb.log(np.zeros(1, np.float32))
