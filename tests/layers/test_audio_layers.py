"""STFTSpectrogram beyond the harness rows: mode="angle" against Keras as angles, the errors,
and the exports that refuse it."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import layers, ops
from engine.errors import LayerConfigError, LayerShapeError
from engine.export.errors import ExportError

SIGNALS = np.random.default_rng(28).standard_normal((2, 40, 2)).astype("float32")


def test_angle_mode_gives_keras_angles(backend_name):
    """Bins with no imaginary part sit at +-pi by the sign of a zero: compared as angles."""
    import keras

    config = {"mode": "angle", "frame_length": 8, "frame_step": 3, "scaling": None}
    ours = layers.STFTSpectrogram(**config)
    got = ops.to_numpy(ours(SIGNALS))
    theirs = keras.layers.STFTSpectrogram(**config)
    theirs(SIGNALS)
    theirs.set_weights(ours.get_weights())
    want = np.asarray(theirs(SIGNALS))
    assert got.shape == want.shape == (2, 11, 10)
    np.testing.assert_allclose(np.cos(got), np.cos(want), atol=1e-5)
    np.testing.assert_allclose(np.sin(got), np.sin(want), atol=1e-5)


def test_trainable_false_freezes_the_kernels_as_keras_does():
    layer = layers.STFTSpectrogram(frame_length=8, trainable=False)
    layer(SIGNALS)
    assert [w.name.split("/")[-1] for w in layer.non_trainable_weights] == [
        "real_kernel", "imag_kernel"]
    assert not layer.trainable_weights


@pytest.mark.parametrize("config, message", [
    ({"frame_length": 8, "frame_step": 9}, "`frame_step` .* must not exceed `frame_length`"),
    ({"frame_length": 8, "frame_step": 0}, "`frame_step` must be a positive integer"),
    ({"frame_length": 8, "fft_length": 4}, "`fft_length` .* must be at least `frame_length`"),
    ({"mode": "phase"}, "`mode` must be one of"),
    ({"padding": "causal"}, "`padding` must be one of"),
    ({"scaling": "power"}, "`scaling` must be one of"),
    ({"window": "no-such-window"}, "`window` 'no-such-window' is not a window SciPy knows"),
    ({"frame_length": 4, "window": [1.0, 2.0]}, "`window` holds 2 values; it must hold "
                                                "frame_length"),
    ({"window": [[1.0]]}, "`window` must be a window's name, a 1-D list"),
])
def test_bad_configs_say_what_to_do(config, message):
    with pytest.raises(LayerConfigError, match=f"STFTSpectrogram: {message}"):
        layers.STFTSpectrogram(**config)


def test_fft_length_not_a_power_of_two_warns():
    with pytest.warns(UserWarning, match="`fft_length` is recommended to be a power of two"):
        layers.STFTSpectrogram(frame_length=8, fft_length=12)


def test_bad_inputs_say_what_to_do():
    with pytest.raises(LayerShapeError, match="STFTSpectrogram.*rank 3"):
        layers.STFTSpectrogram(frame_length=8)(SIGNALS[..., 0])
    with pytest.raises(TypeError, match="STFTSpectrogram: inputs must be float16, float32 or "
                                        "float64; got int32"):
        layers.STFTSpectrogram(frame_length=8)(SIGNALS.astype("int32"))


def test_exports_that_cannot_compute_it_refuse_it(tmp_path):
    source = layers.Input((40, 2))
    model = engine.Model(source, layers.STFTSpectrogram("angle", 8)(source))
    with pytest.raises(ExportError, match="needs atan2, which ONNX lacks"):
        model.export_onnx(tmp_path / "model.onnx")
    with pytest.raises(ExportError, match="Keras's STFT initializer"):
        model.to_code("jax")
