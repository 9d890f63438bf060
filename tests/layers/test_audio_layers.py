"""STFTSpectrogram and MelSpectrogram beyond the harness rows: STFTSpectrogram's mode="angle"
against Keras as angles, MelSpectrogram's unbatched and float16 signals against Keras, the
errors, and the exports that refuse them."""

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


# --------------------------------------------------------------------------- MelSpectrogram
MEL = {"fft_length": 16, "sequence_stride": 4, "sampling_rate": 8000, "num_mel_bins": 6}
MONO = SIGNALS[..., 0]


def test_mel_unbatched_signals_and_float16_match_keras(backend_name):
    """A (samples,) signal gives (num_mel_bins, frames); float16 computes in float32."""
    import keras

    for config, signals in [(MEL, MONO[0]), ({**MEL, "dtype": "float16"}, MONO)]:
        ours = layers.MelSpectrogram(**config)
        got = ops.to_numpy(ours(signals))
        want = np.asarray(keras.layers.MelSpectrogram(**config)(signals))
        assert got.shape == want.shape == ours.compute_output_shape(signals.shape)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got.astype("float32"), want.astype("float32"), rtol=2e-3,
                                   atol=2e-2)


def test_mel_config_holds_keras_resolved_defaults():
    config = layers.MelSpectrogram(fft_length=64, sampling_rate=22050).get_config()
    assert config["sequence_length"] == 64 and config["max_freq"] == 11025.0


@pytest.mark.parametrize("config, message", [
    ({"fft_length": 8, "sequence_length": 9}, "`fft_length` .* must be at least "
                                              "`sequence_length`"),
    ({"sequence_stride": 0}, "`sequence_stride` must be a positive integer"),
    ({"num_mel_bins": 0}, "`num_mel_bins` must be a positive integer"),
    ({"window": "blackman"}, "`window` must be 'hann', 'hamming', a 1-D list"),
    ({"sequence_length": 4, "window": [1.0, 2.0]}, "`window` holds 2 values; it must hold "
                                                   "sequence_length"),
    ({"min_freq": 5000.0, "max_freq": 4000.0}, "`max_freq` .* must exceed `min_freq`"),
    ({"sampling_rate": 30}, r"`max_freq` \(15\) must exceed `min_freq` \(20\)"),
    ({"min_freq": -1.0}, "`min_freq` must be in"),
    ({"min_power": 0.0}, "`min_power` must be in"),
    ({"mag_exp": 0.0}, "`mag_exp` must be in"),
    ({"top_db": -1.0}, "`top_db` must be in"),
])
def test_mel_bad_configs_say_what_to_do(config, message):
    with pytest.raises(LayerConfigError, match=f"MelSpectrogram: {message}"):
        layers.MelSpectrogram(**config)


def test_mel_bad_inputs_say_what_to_do():
    with pytest.raises(LayerShapeError, match="MelSpectrogram.*rank 2 or 1"):
        layers.MelSpectrogram(**MEL)(SIGNALS)
    with pytest.raises(LayerShapeError, match=r"MelSpectrogram.*more than fft_length // 2 "
                                              r"\(8\) samples"):
        layers.MelSpectrogram(**MEL)(MONO[:, :8])


def test_mel_jax_and_tensorflow_code_refuse_it():
    source = layers.Input((40,))
    model = engine.Model(source, layers.MelSpectrogram(**MEL)(source))
    for target in ("jax", "tensorflow"):
        with pytest.raises(ExportError, match="MelSpectrogram.*no short-time Fourier transform"):
            model.to_code(target)
