"""STFTSpectrogram: each mode but "angle" (its +-pi at real-only bins hangs on the sign of a
zero, so tests/layers/test_audio_layers.py compares it as an angle), both paddings, both
layouts, named, periodic, custom and no windows, each scaling, frozen kernels."""

from engine import layers
from tests.layers.table import row

SIGNALS = (2, 40, 2)
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
]
