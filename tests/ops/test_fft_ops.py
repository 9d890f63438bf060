"""keras.ops's Fourier transforms (fft, fft2, ifft2, rfft, irfft, stft, istft) and cdist
against keras.ops on every backend, from one table; their gradients against JAX's through
Keras and against finite differences; graph nodes, namespaces and the errors."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import engine
from engine import layers, ops

RNG = np.random.default_rng(29)


def normal(*shape):
    return RNG.standard_normal(shape).astype("float32")


PAIR = (normal(2, 3, 8), normal(2, 3, 8))
SIGNAL = normal(2, 37)
SPECTRUM = tuple(np.asarray(part) for part in ops.stft(SIGNAL, 8, 3, 8))  # (2, 13, 5)
SQUARE = np.asarray([[0.0, 0.0], [1.0, 1.0]], "float32")

# (name, positional arguments, keyword arguments)
CASES = [
    ("fft", (PAIR,), {}), ("fft2", (PAIR,), {}), ("ifft2", (PAIR,), {}),
    ("rfft", (SIGNAL,), {}), ("rfft", (SIGNAL,), {"fft_length": 16}),
    ("rfft", (np.arange(5, dtype="int32"),), {"fft_length": 3}),
    ("irfft", (PAIR,), {}), ("irfft", (PAIR,), {"fft_length": 7}),
    ("stft", (SIGNAL, 8, 3, 8), {}),
    ("stft", (SIGNAL, 6, 2, 9), {"window": "hamming", "center": False}),
    ("stft", (SIGNAL, 5, 4, 8), {"window": None}),
    ("stft", (SIGNAL[0], 5, 2, 8), {"window": np.arange(5, dtype="float32")}),
    ("istft", (SPECTRUM, 8, 3, 8), {}), ("istft", (SPECTRUM, 8, 3, 8), {"length": 30}),
    ("istft", (SPECTRUM, 6, 2, 8), {"window": "hamming"}),
    ("istft", (SPECTRUM, 8, 3, 8), {"window": None}),
    ("cdist", (PAIR[0], PAIR[1][:, :2]), {}), ("cdist", (PAIR[0][0], PAIR[1]), {}),
    ("cdist", (np.arange(6, dtype="int32").reshape(3, 2), SQUARE), {}),
]
# More of the same kinds, run with --slow
SLOW_CASES = [
    ("rfft", (SIGNAL,), {"fft_length": 51}), ("irfft", (PAIR,), {"fft_length": 20}),
    ("istft", (SPECTRUM, 8, 3, 8), {"center": False}),
    ("istft", (SPECTRUM, 5, 1, 8), {"window": np.ones(5, "float32"), "length": 40}),
    ("fft", ((normal(5), normal(5)),), {}), ("ifft2", ((normal(3, 5), normal(3, 5)),), {}),
]


def _case_id(case):
    name, args, kwargs = case
    shapes = "-".join("x".join(map(str, np.shape(a[0] if isinstance(a, tuple) else a)))
                      for a in args if isinstance(a, (tuple, np.ndarray)))
    options = "-".join(f"{k}={v if not isinstance(v, np.ndarray) else 'array'}"
                       for k, v in kwargs.items())
    return "-".join(filter(None, [name, shapes, *map(str, args[1:4]), options]))


def _as_list(result, to_numpy):
    return [to_numpy(r) for r in (result if isinstance(result, tuple) else (result,))]


def _keras(name, args, kwargs):
    import keras

    return _as_list(getattr(keras.ops, name)(*args, **kwargs), keras.ops.convert_to_numpy)


@functools.cache
def _keras_case(index):
    """Keras's result for (CASES + SLOW_CASES)[index], computed once for all backends."""
    return _keras(*(CASES + SLOW_CASES)[index])


@pytest.mark.parametrize("index", [
    *range(len(CASES)),
    *(pytest.param(i, marks=pytest.mark.slow) for i in range(len(CASES), len(CASES + SLOW_CASES)))
], ids=[_case_id(c) for c in CASES + SLOW_CASES])
def test_op_computes_as_keras(index, backend_name):
    name, args, kwargs = (CASES + SLOW_CASES)[index]
    expected = _keras_case(index)
    result = getattr(ops, name)(*args, **kwargs)
    assert isinstance(result, tuple) == (len(expected) > 1)
    for got, want in zip(_as_list(result, ops.to_numpy), expected, strict=True):
        assert got.shape == want.shape
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5)


def test_float64_keeps_the_backends_float(backend_name):
    """Keras's JAX computes in float32 only; the engine keeps float64 where the backend does
    (JAX without x64 makes it float32), with float64's precision."""
    signal = SIGNAL.astype("float64")
    real, imag = ops.rfft(signal)
    dtype = ops.dtype(ops.convert(signal))
    assert ops.dtype(real) == ops.dtype(imag) == dtype
    tolerance = 1e-10 if dtype == "float64" else 1e-5
    want = np.fft.rfft(signal)
    np.testing.assert_allclose(ops.to_numpy(real), want.real, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(ops.to_numpy(imag), want.imag, rtol=tolerance, atol=tolerance)


def _pair(ns, x, shape):
    """A (real, imag) pair of `shape` from 16 values: x, and x reversed."""
    return ns.reshape(x, shape), ns.reshape(ns.flip(x, 0), shape)


# Each a function of one float array of 16 values, to an array or a (real, imag) pair
GRADIENTS = [
    ("fft", lambda ns, x: ns.fft(_pair(ns, x, (2, 8)))),
    ("fft2", lambda ns, x: ns.fft2(_pair(ns, x, (4, 4)))),
    ("ifft2", lambda ns, x: ns.ifft2(_pair(ns, x, (2, 8)))),
    ("rfft", lambda ns, x: ns.rfft(x, fft_length=12)),
    ("irfft", lambda ns, x: ns.irfft(_pair(ns, x, (2, 8)))),
    ("stft", lambda ns, x: ns.stft(x, 6, 2, 8)),
    ("istft", lambda ns, x: ns.istft(_pair(ns, x, (4, 4)), 6, 2, 6, window="hamming")),
    ("cdist", lambda ns, x: ns.cdist(*_pair(ns, x, (4, 4)))),
]
X = normal(16)


def _total(ns, outputs, weights):
    """The sum of each output times its fixed weights: a scalar to differentiate."""
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    total = 0.0
    for output, weight in zip(outputs, weights):
        total = ns.add(total, ns.sum(ns.multiply(output, weight)))
    return total


def _weights(function):
    outputs = function(ops, ops.convert(X))
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return [normal(*ops.shape(o)) for o in outputs]


@functools.cache
def _jax_gradient(index):
    """The gradient of GRADIENTS[index] through keras.ops on JAX, and the weights it used."""
    import jax
    import keras

    function = GRADIENTS[index][1]
    weights = _weights(function)
    gradient = jax.jit(jax.grad(lambda x: _total(keras.ops, function(keras.ops, x), weights)))
    return weights, np.asarray(gradient(X))


@pytest.mark.parametrize("index", range(len(GRADIENTS)), ids=[g[0] for g in GRADIENTS])
def test_gradients_match_jax_through_keras(index, backend_name):
    function = GRADIENTS[index][1]
    weights, want = _jax_gradient(index)
    b = engine.backend.active()
    _, got = b.value_and_grad(lambda x: _total(ops, function(ops, x), weights))(b.convert(X))
    np.testing.assert_allclose(ops.to_numpy(got), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name, function", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_numpy_gradients_match_finite_differences(name, function):
    weights = [w.astype("float64") for w in _weights(function)]
    x = X.astype("float64")
    b = engine.backend.active()
    _, gradient = b.value_and_grad(lambda v: _total(ops, function(ops, v), weights))(x)
    numeric = np.zeros_like(x)
    for index in range(x.size):
        step = np.zeros_like(x)
        step[index] = 1e-6
        numeric[index] = (ops.to_numpy(_total(ops, function(ops, x + step), weights))
                          - ops.to_numpy(_total(ops, function(ops, x - step), weights))) / 2e-6
    np.testing.assert_allclose(ops.to_numpy(gradient), numeric, rtol=1e-6, atol=1e-6)


def test_istft_inverts_stft(backend_name):
    real, imag = ops.stft(SIGNAL, 8, 2, 8)
    signal = ops.istft((real, imag), 8, 2, 8, length=37)
    np.testing.assert_allclose(ops.to_numpy(signal), SIGNAL, rtol=1e-4, atol=1e-5)
    # fft_length 1 with center pads nothing: the whole signal comes back, as Keras's
    # docstring and output shape say (its JAX backend returns an empty array there)
    one = ops.istft(ops.stft(np.arange(5.0, dtype="float32"), 1, 1, 1), 1, 1, 1)
    np.testing.assert_allclose(ops.to_numpy(one), np.arange(5.0))


def test_graph_nodes_have_keras_shapes():
    import keras

    def shapes(ns, source):
        outputs = [ns.stft(source, 8, 3, 8), ns.rfft(source, 16), ns.fft((source, source)),
                   ns.istft(ns.stft(source, 8, 2, 8), 8, 2, 8)]
        return [tuple(t.shape) for out in outputs
                for t in (out if isinstance(out, (tuple, list)) else (out,))]

    assert shapes(ops, layers.Input((37,))) == shapes(keras.ops, keras.Input((37,)))
    source = layers.Input((37,))
    model = engine.models.Model(source, ops.stft(source, 8, 3, 8))
    real, imag = model(SIGNAL)
    want = _keras("stft", (SIGNAL, 8, 3, 8), {})
    np.testing.assert_allclose(ops.to_numpy(real), want[0], rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(ops.to_numpy(imag), want[1], rtol=1e-4, atol=2e-5)


def test_keras_names_resolve():
    import engine as keras

    for name in ("fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "cdist"):
        assert getattr(keras.ops, name) is getattr(ops, name)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ops.fft(PAIR[0]), ValueError, r"fft: x must be a \(real, imag\) pair"),
    (lambda: ops.fft((PAIR[0], PAIR[1][0])), ValueError,
     "fft: x's real and imaginary parts must have one shape"),
    (lambda: ops.fft2((SIGNAL[0], SIGNAL[0])), ValueError, "fft2: x must have rank >= 2"),
    (lambda: ops.ifft2((np.ones((2, 2), "int32"),) * 2), ValueError,
     "ifft2: x's real and imaginary parts must be float32 or float64"),
    (lambda: ops.rfft(SIGNAL, fft_length=0), ValueError,
     "rfft: fft_length must be a positive integer"),
    (lambda: ops.rfft(SIGNAL, fft_length=4.0), ValueError,
     "rfft: fft_length must be a positive integer"),
    (lambda: ops.irfft((SIGNAL[:, :1],) * 2), ValueError, "irfft: .*pass fft_length"),
    (lambda: ops.irfft(PAIR, fft_length=-2), ValueError,
     "irfft: fft_length must be a positive integer"),
    (lambda: ops.stft(SIGNAL, 8, 0, 8), ValueError,
     "stft: sequence_stride must be a positive integer"),
    (lambda: ops.stft(SIGNAL, 9, 2, 8), ValueError,
     "stft: fft_length must be at least sequence_length"),
    (lambda: ops.stft(SIGNAL, 8, 2, 8, window="blackman"), ValueError,
     "stft: window must be one of"),
    (lambda: ops.stft(SIGNAL, 8, 2, 8, window=np.ones(7, "float32")), ValueError,
     r"stft: window must have shape \(sequence_length,\)"),
    (lambda: ops.stft(SIGNAL.astype("int32"), 8, 2, 8), TypeError,
     "stft: x must be float32 or float64"),
    (lambda: ops.stft(SIGNAL[:, :5], 8, 2, 8, center=False), ValueError,
     "stft: x's last axis .* is shorter than fft_length"),
    (lambda: ops.istft(SPECTRUM[0], 8, 3, 8), ValueError, r"istft: x must be a \(real, imag"),
    (lambda: ops.istft((SIGNAL, SIGNAL), 8, 3, 8, length=0), ValueError,
     "istft: length must be a positive integer"),
    (lambda: ops.cdist(SIGNAL[0], SIGNAL), ValueError, "cdist: x and y must have rank >= 2"),
    (lambda: ops.cdist(PAIR[0], SQUARE), ValueError, "cdist: x's and y's vectors must have"),
])
def test_bad_arguments_say_what_to_do(call, error, message, backend_name):
    with pytest.raises(error, match=message):
        call()


def test_keras_files_hold_them(tmp_path):
    """A functional model of these ops saves to a .keras file that Keras loads and computes
    alike, and that the engine loads back."""
    import keras

    source = layers.Input((37,))
    real, imag = ops.stft(source, 8, 3, 8, window="hamming")
    spectra = ops.fft2(ops.ifft2((real, imag)))
    total = ops.sum(ops.irfft(ops.rfft(source, 16), 16), axis=-1, keepdims=True)
    outputs = [ops.cdist(*spectra), total, ops.istft(ops.fft(spectra), 8, 3, 8)]
    model = engine.Model(source, outputs)
    model.save(tmp_path / "fourier.keras")
    want = [ops.to_numpy(o) for o in model(SIGNAL)]
    for loaded, to_numpy in [(engine.models.load_model(tmp_path / "fourier.keras"), ops.to_numpy),
                             (keras.models.load_model(tmp_path / "fourier.keras"), np.asarray)]:
        for got, expected in zip(loaded(SIGNAL), want, strict=True):
            np.testing.assert_allclose(to_numpy(got), expected, rtol=1e-4, atol=1e-4)
