"""What is specific to the torch backend; the cross-backend rules live in test_conformance.py."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engine.backend import get_backend  # noqa: E402


@pytest.fixture
def b():
    return get_backend("torch")


def f32(*values):
    return np.asarray(values, dtype=np.float32)


def grads_of(b, fn, *args):
    """The gradient of the scalar fn(*args) with respect to each argument, as NumPy."""
    _, grads = b.value_and_grad(lambda params: fn(*params))([b.convert(a) for a in args])
    return [b.to_numpy(g) for g in grads]


# ------------------------------------------------------------------------ devices, dtypes


def test_devices_list_gpus_first_then_the_cpu(b):
    gpus = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    assert b.devices() == [*gpus, "cpu:0"]
    assert b.default_device() == b.devices()[0]


def test_convert_places_arrays_on_the_default_device(b):
    x = b.convert(np.ones(3, np.float32))
    assert f"{x.device.type}:{x.device.index or 0}" == b.default_device()
    assert b.zeros((2,)).device == x.device


def test_convert_keeps_numpy_dtypes_and_honours_dtype_strings(b):
    assert b.dtype(b.convert(np.ones(2))) == "float64"
    assert b.dtype(b.convert(np.ones(2), "float16")) == "float16"
    assert b.dtype(b.convert(1.5)) == "float32"
    assert b.dtype(b.convert([1, 2])) == "int32"
    assert b.dtype(b.zeros((2,))) == "float32"
    with pytest.raises(ValueError, match="Unknown dtype"):
        b.convert(np.ones(2), "float8")


def test_to_numpy_copies(b):
    x = b.convert(f32(1, 2))
    out = b.to_numpy(x)
    out[0] = 9.0
    assert b.to_numpy(x)[0] == 1.0


def test_bfloat16_and_uint32_round_trip_through_numpy(b):
    half = b.convert(f32(1.5, -2.0), "bfloat16")
    assert b.dtype(b.convert(b.to_numpy(half))) == "bfloat16"
    np.testing.assert_array_equal(b.to_numpy(half).astype(np.float32), f32(1.5, -2.0))
    unsigned = b.convert(np.array([1, 4_000_000_000], np.uint32))
    assert b.dtype(unsigned) == "uint32"
    np.testing.assert_array_equal(b.to_numpy(unsigned), [1, 4_000_000_000])


def test_dlpack_round_trip_shares_memory(b):
    array = f32(1, 2, 3)
    x = b.from_dlpack(array)
    array[0] = 7.0
    assert b.to_numpy(x)[0] == 7.0
    back = np.from_dlpack(x)
    np.testing.assert_array_equal(back, [7.0, 2.0, 3.0])


# ------------------------------------------------------------------ scalars and dtypes


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "power", "maximum"])
@pytest.mark.parametrize("scalar", [2.0, 3, np.float64(0.5)])
def test_scalars_on_either_side_keep_float32(b, op, scalar):
    x = b.convert(f32(1, 2))
    assert b.dtype(getattr(b, op)(x, scalar)) == "float32"
    assert b.dtype(getattr(b, op)(scalar, x)) == "float32"
    expected = getattr(np, op)(np.float64(scalar), f32(1, 2).astype(np.float64))
    np.testing.assert_allclose(b.to_numpy(getattr(b, op)(scalar, x)), expected, rtol=1e-6)


def test_scalars_with_integer_arrays(b):
    ints = b.convert(np.array([1, 2], np.int32))
    assert b.dtype(b.add(ints, 2)) == "int32"
    assert b.dtype(b.multiply(ints, 2.5)) == "float32"
    assert b.dtype(b.where(b.greater(ints, 1), 1.0, ints)) == "float32"


# ---------------------------------------------------------------- gradient tie rules


def test_maximum_and_minimum_send_tied_gradients_to_a(b):
    a, c = f32(1, 2, 3), f32(1, 5, 0)
    for op in (b.maximum, b.minimum):
        grad_a, grad_c = grads_of(b, lambda x, y, op=op: b.sum(op(x, y)), a, c)
        assert grad_a[0] == 1.0 and grad_c[0] == 0.0
    np.testing.assert_array_equal(
        grads_of(b, lambda x, y: b.sum(b.maximum(x, y)), a, c)[0], [1, 0, 1]
    )


def test_max_splits_gradient_among_ties_and_relu_is_flat_at_zero(b):
    (grad,) = grads_of(b, lambda x: b.max(x), f32(1, 3, 3))
    np.testing.assert_allclose(grad, [0.0, 0.5, 0.5])
    (grad,) = grads_of(b, lambda x: b.sum(b.relu(x)), f32(-1, 0, 2))
    np.testing.assert_array_equal(grad, [0.0, 0.0, 1.0])


# ------------------------------------------------------------------ padding and pooling


def conv_reference(x, kernel, stride, dilation, pads):
    """float64 cross-correlation of channels-last `x` padded by `pads` (one pair per axis)."""
    x = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)])
    size = kernel.shape[:-2]
    out_shape = [(n - (k - 1) * dilation - 1) // stride + 1 for n, k in zip(x.shape[1:-1], size)]
    out = np.zeros((x.shape[0], *out_shape, kernel.shape[-1]))
    for offset in np.ndindex(*size):
        window = tuple(
            slice(o * dilation, o * dilation + (m - 1) * stride + 1, stride)
            for o, m in zip(offset, out_shape)
        )
        out += x[(slice(None), *window)] @ kernel[offset].astype(np.float64)
    return out


# (input size, kernel size, stride, dilation, TensorFlow's (before, after) "same" padding)
SAME_CASES = [(5, 2, 2, 1, (0, 1)), (7, 3, 2, 2, (2, 2)), (6, 3, 2, 2, (1, 2))]


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize(("n", "k", "stride", "dilation", "pad"), SAME_CASES)
def test_same_padding_follows_tensorflow(b, rank, n, k, stride, dilation, pad):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, *(n,) * rank, 3)).astype(np.float32)
    kernel = rng.normal(size=(*(k,) * rank, 3, 4)).astype(np.float32)
    got = b.to_numpy(b.conv(b.convert(x), b.convert(kernel), stride, "same", dilation))
    expected = conv_reference(x, kernel, stride, dilation, [pad] * rank)
    assert got.shape == (2, *(-(-n // stride),) * rank, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_avg_pool_same_leaves_padding_out_of_the_mean(b):
    x = np.arange(1, 6, dtype=np.float32).reshape(1, 5, 1)
    got = b.to_numpy(b.avg_pool(b.convert(x), 2, padding="same"))
    np.testing.assert_allclose(got.ravel(), [1.5, 3.5, 5.0])
    grid = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    corner = b.to_numpy(b.avg_pool(b.convert(grid), 2, padding="same"))[0, -1, -1, 0]
    assert corner == 8.0


def test_max_pool_same_pads_with_minus_infinity(b):
    x = -np.arange(1, 6, dtype=np.float32).reshape(1, 5, 1)
    got = b.to_numpy(b.max_pool(b.convert(x), 2, padding="same"))
    np.testing.assert_array_equal(got.ravel(), [-1.0, -3.0, -5.0])


# ----------------------------------------------------------------------------- indexing


@pytest.mark.parametrize(
    "key",
    [slice(None, None, -1), (Ellipsis, slice(3, 0, -2)), (None, 1, slice(None, None, -1), 0)],
)
def test_getitem_supports_negative_steps(b, key):
    array = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(b.to_numpy(b.getitem(b.convert(array), key)), array[key])


# ----------------------------------------------------------------------- value_and_grad


def test_value_and_grad_of_nested_params_with_aux(b):
    params = {"dense": [b.convert(f32(1, 2)), b.convert(f32(3))], "unused": b.convert(f32(5, 6))}
    params["steps"] = b.convert(np.array(4, np.int32))

    def loss_fn(p, x):
        w, bias = p["dense"]
        out = b.add(b.sum(b.multiply(w, x)), b.sum(bias))
        return b.square(out), {"out": out}

    (loss, aux), grads = b.value_and_grad(loss_fn, has_aux=True)(params, b.convert(f32(1, 1)))
    assert float(loss) == 36.0 and float(aux["out"]) == 6.0
    assert not loss.requires_grad and not aux["out"].requires_grad
    np.testing.assert_allclose(b.to_numpy(grads["dense"][0]), [12.0, 12.0])
    np.testing.assert_allclose(b.to_numpy(grads["dense"][1]), [12.0])
    np.testing.assert_array_equal(b.to_numpy(grads["unused"]), [0.0, 0.0])
    assert b.to_numpy(grads["steps"]) == 0
    assert not params["dense"][0].requires_grad


def test_value_and_grad_of_a_constant_loss_is_all_zeros(b):
    value, grads = b.value_and_grad(lambda p: b.stop_gradient(b.sum(p[0])))([b.convert(f32(2))])
    assert float(value) == 2.0
    np.testing.assert_array_equal(b.to_numpy(grads[0]), [0.0])


# --------------------------------------------------------------------------- adam_update


def keras_adam(w, g, m, v, alpha, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras's Adam step in float64 NumPy: (weight, momentum, velocity)."""
    w, g, m, v = (np.asarray(a, np.float64) for a in (w, g, m, v))
    m = m + (g - m) * (1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)
    return w - alpha * m / (np.sqrt(v) + epsilon), m, v


@pytest.mark.parametrize("in_place", [False, True])
def test_adam_update_reads_transposed_arrays_by_their_values(b, in_place):
    rng = np.random.default_rng(0)
    w, g, m = (rng.normal(size=(3, 4)).astype(np.float32) for _ in range(3))
    v = rng.uniform(size=(3, 4)).astype(np.float32)
    # arrays laid out column by column: the fused kernel walks memory, not indices
    args = [torch.from_numpy(np.ascontiguousarray(a.T)).t() for a in (w, g, m, v)]
    assert not any(a.is_contiguous() for a in args)
    new_w, new_m, new_v = b.adam_update(*[[a] for a in args], 0.01, 0.9, 0.999, 1e-7, in_place)
    for got, want in zip((new_w, new_m, new_v), keras_adam(w, g, m, v, 0.01)):
        np.testing.assert_allclose(b.to_numpy(got[0]), want, rtol=1e-5, atol=1e-7)


def test_adam_update_in_place_writes_into_the_weights_and_slots(b):
    w, g, m, v = (torch.full((5,), value) for value in (1.0, 0.5, 0.1, 0.2))
    new_w, new_m, new_v = b.adam_update([w], [g], [m], [v], 0.01, 0.9, 0.999, 1e-7, True)
    assert new_w[0] is w and new_m[0] is m and new_v[0] is v
    np.testing.assert_allclose(w.numpy(), keras_adam(1.0, 0.5, 0.1, 0.2, 0.01)[0], rtol=1e-6)


def test_adam_update_leaves_its_inputs_unless_in_place(b):
    w, g, m, v = (torch.full((5,), value) for value in (1.0, 0.5, 0.25, 0.125))
    new_w, _, _ = b.adam_update([w], [g], [m], [v], b.convert(f32(0.01)), 0.9, 0.999, 1e-7)
    assert [float(t[0]) for t in (w, g, m, v)] == [1.0, 0.5, 0.25, 0.125]
    np.testing.assert_allclose(new_w[0].numpy(), keras_adam(1.0, 0.5, 0.25, 0.125, 0.01)[0])


def test_adam_update_mixes_dtypes_and_takes_beta_one(b):
    weights = [torch.ones(3, dtype=torch.float64), torch.ones(2, dtype=torch.float16)]
    gradients = [torch.full_like(w, 0.5) for w in weights]
    slots = [[torch.full_like(w, 0.25) for w in weights] for _ in range(2)]
    for beta_1 in (0.9, 1.0):  # at beta_1 = 1 the momentum never moves: no fused kernel
        new_w, new_m, _ = b.adam_update(weights, gradients, *slots, 0.01, beta_1, 0.999, 1e-7)
        assert [t.dtype for t in new_w] == [torch.float64, torch.float16]
        want_w, want_m, _ = keras_adam(1.0, 0.5, 0.25, 0.25, 0.01, beta_1)
        np.testing.assert_allclose(b.to_numpy(new_w[0]), np.full(3, want_w), rtol=1e-12)
        np.testing.assert_allclose(b.to_numpy(new_m[1]), np.full(2, want_m), rtol=1e-3)


# ------------------------------------------------------------------------------ random


def test_random_numbers_are_determined_by_the_seed(b):
    seed = np.array([3, 7], np.int32)
    first = b.to_numpy(b.random_uniform((4,), seed, minval=-1.0, maxval=1.0))
    again = b.to_numpy(b.random_uniform((4,), b.convert(seed)))
    np.testing.assert_array_equal(b.to_numpy(b.random_uniform((4,), seed, -1.0, 1.0)), first)
    assert not np.array_equal(b.to_numpy(b.random_uniform((4,), np.array([3, 8], np.int32))), again)
    assert np.all((first >= -1.0) & (first < 1.0))
    normal = b.random_normal((2, 3), seed, mean=1.0, dtype="float64")
    assert b.dtype(normal) == "float64" and b.shape(normal) == (2, 3)
    np.testing.assert_array_equal(
        b.to_numpy(b.random_normal((2, 3), seed, 1.0, 1.0, "float64")), b.to_numpy(normal)
    )


# ----------------------------------------------------------------------------- compile


def test_jit_is_eager_unless_compile_steps_is_set(b):
    def step(x):
        return b.multiply(x, 2.0)

    assert b.jit(step) is step


def test_compile_steps_routes_jit_through_torch_compile(b, monkeypatch):
    # Inductor needs ~20 s of C++ compilation on a CPU; the "eager" backend still runs
    # TorchDynamo's graph capture, which is the part this test is about.
    compiled = []
    original = torch.compile

    def eager_compile(fn):
        compiled.append(fn)
        return original(fn, backend="eager")

    monkeypatch.setattr(torch, "compile", eager_compile)
    monkeypatch.setattr(b, "compile_steps", True)

    def train_step(params, x):
        loss_fn = b.value_and_grad(lambda p, x: b.sum(b.square(b.multiply(p["w"], x))))
        loss, grads = loss_fn(params, x)
        return loss, {"w": b.subtract(params["w"], b.multiply(grads["w"], 0.1))}

    step = b.jit(train_step)
    loss, params = step({"w": b.convert(f32(1, 2))}, b.convert(f32(1, 1)))
    assert compiled == [train_step]
    assert float(loss) == 5.0
    np.testing.assert_allclose(b.to_numpy(params["w"]), [0.8, 1.6], rtol=1e-6)


def test_a_tap_stands_for_its_tensor_and_one_tapped_twice_splits_its_gradient(b):
    """Inside value_and_grad a tap adds no node: its gradient is asked for the tapped tensor.
    A tensor tapped twice (a layer returning one array twice) still gives each tap only the
    gradient through its own use."""
    x = b.convert(f32(1.0, 2.0, 3.0))
    seen = {}

    def loss(params):
        w, (first, second) = params
        h = b.multiply(w, x)
        a, c = b.tap(h, first), b.tap(h, second)
        seen["substituted"] = a is h and c is not h
        return b.sum(b.multiply(a, 2.0)) + b.sum(b.multiply(c, c))

    taps = [b.tap_zeros((3,)), b.tap_zeros((3,))]
    _, (grad_w, (grad_first, grad_second)) = b.value_and_grad(loss)(
        (b.convert(f32(1.0, 1.0, 1.0)), taps)
    )
    assert seen["substituted"]
    h = f32(1.0, 2.0, 3.0)
    np.testing.assert_allclose(b.to_numpy(grad_first), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(b.to_numpy(grad_second), 2.0 * h)
    np.testing.assert_allclose(b.to_numpy(grad_w), h * (2.0 + 2.0 * h))


def test_a_tap_that_is_not_a_parameter_of_the_gradient_keeps_its_node(b):
    x = b.convert(f32(1.0, -2.0))
    outside = b.tap_zeros((2,))
    tapped_is_h = []

    def loss(params):
        h = b.multiply(params[0], x)
        tapped = b.tap(h, outside)
        tapped_is_h.append(tapped is h)
        return b.sum(b.multiply(tapped, tapped))

    _, (grad,) = b.value_and_grad(loss)([b.convert(f32(1.0, 1.0))])
    assert tapped_is_h == [False]
    np.testing.assert_allclose(b.to_numpy(grad), [2.0, 8.0])  # 2 w x²


def test_a_tap_on_a_parameter_itself_gets_only_the_gradient_through_the_tap(b):
    """A parameter is a leaf, not computed in the call: its tap keeps its node, so the tap's
    gradient is the tapped use's alone, not the parameter's whole gradient."""

    def loss(params):
        w, tap = params
        return b.sum(b.multiply(b.tap(w, tap), 3.0)) + b.sum(b.multiply(w, w))

    w = b.convert(f32(1.0, 2.0))
    _, (grad_w, grad_tap) = b.value_and_grad(loss)((w, b.tap_zeros((2,))))
    np.testing.assert_allclose(b.to_numpy(grad_tap), [3.0, 3.0])
    np.testing.assert_allclose(b.to_numpy(grad_w), [5.0, 7.0])
