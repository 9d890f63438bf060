"""STFTSpectrogram: each mode but "angle" (its +-pi at real-only bins hangs on the sign of a
zero, so tests/layers/test_audio_layers.py compares it as an angle), both paddings, both
layouts, named, periodic, custom and no windows, each scaling, frozen kernels.
MelSpectrogram: decibels with and without the top_db floor biting, a negative ref_power,
magnitudes without decibels, an odd FFT longer than its frame, named, custom and no windows."""

from engine import layers
from tests.layers.table import row

SIGNALS = (2, 40, 2)
MONO = (2, 40)
MEL = {"fft_length": 16, "sequence_stride": 4, "sampling_rate": 8000, "num_mel_bins": 6}
KERNELS = [("real_kernel", (8, 1, 5)), ("imag_kernel", (8, 1, 5))]  # fft_length 8

ROWS = [
    row(layers.STFTSpectrogram, {"frame_length": 8, "frame_step": 4, "fft_length": 16},
        SIGNALS, expected_weights=[("real_kernel", (8, 1, 9)), ("imag_kernel", (8, 1, 9))]),
    row(layers.STFTSpectrogram, {"mode": "stft", "frame_length": 8, "frame_step": 3,
                                 "padding": "same", "window": "hamming"}, SIGNALS,
        expected_weights=KERNELS),
    row(layers.STFTSpectrogram, {"mode": "psd", "frame_length": 7, "periodic": True,
                                 "expand_dims": True}, SIGNALS),
    row(layers.STFTSpectrogram, {"mode": "magnitude", "frame_length": 8, "scaling": "spectrum",
                                 "window": None, "trainable": False}, SIGNALS),
    row(layers.STFTSpectrogram, {"mode": "real", "frame_length": 8, "scaling": None},
        SIGNALS, expected_weights=KERNELS[:1]),
    row(layers.STFTSpectrogram, {"mode": "imag", "frame_length": 5, "fft_length": 8,
                                 "window": [0.0, 0.5, 1.0, 0.5, 0.25], "padding": "same"},
        SIGNALS, expected_weights=[("imag_kernel", (5, 1, 5))]),
    row(layers.MelSpectrogram, MEL, MONO, expected_output_shape=(2, 6, 11)),
    row(layers.MelSpectrogram, {**MEL, "window": "hamming", "ref_power": -3.0, "top_db": 5.0,
                                "min_freq": 300.0, "max_freq": 3500.0}, MONO),
    row(layers.MelSpectrogram, {**MEL, "fft_length": 15, "sequence_length": 10, "window": None,
                                "power_to_db": False, "mag_exp": 1.0}, MONO,
        expected_output_shape=(2, 6, 10)),
    row(layers.MelSpectrogram, {**MEL, "sequence_length": 5, "sequence_stride": 3,
                                "window": [0.0, 0.5, 1.0, 0.5, 0.25], "min_power": 1e-3}, MONO),
]
