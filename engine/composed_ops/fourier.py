"""keras.ops's Fourier transforms: fft, fft2, ifft2, rfft, irfft, stft and istft.

Keras passes a complex array as a (real, imaginary) pair of float arrays, so each transform
here is products with the DFT's cosine and sine matrices (built on the host, once per size):
no complex dtype, and it differentiates and compiles wherever matmul does. stft and istft
frame the signal with `take` and overlap-add it back with pads, as scipy.signal does.
"""

from __future__ import annotations

import functools

import numpy as np

from engine.composed_ops.inputs import as_array, current
from engine.ops import graph_aware, read

_FLOATS = ("float32", "float64")
_WINDOWS = ("hann", "hamming")


# ------------------------------------------------------------------------ checking inputs
def _pair(name, x, rank):
    """The (real, imag) arrays of `x`, checked: a pair of float arrays of one shape, of rank
    at least `rank`."""
    x = read(x)
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{name}: x must be a (real, imag) pair of float tensors, as Keras "
                         f"passes complex values; got {type(x).__name__}.")
    b = current()
    real, imag = (as_array(part) for part in x)
    if b.shape(real) != b.shape(imag):
        raise ValueError(f"{name}: x's real and imaginary parts must have one shape; got "
                         f"{b.shape(real)} and {b.shape(imag)}.")
    if b.dtype(real) not in _FLOATS or b.dtype(imag) not in _FLOATS:
        raise ValueError(f"{name}: x's real and imaginary parts must be float32 or float64; "
                         f"got {b.dtype(real)} and {b.dtype(imag)}.")
    _check_rank(name, "x", b.shape(real), rank)
    return real, b.cast(imag, b.dtype(real))


def _check_rank(name, argument, shape, rank):
    if len(shape) < rank:
        raise ValueError(f"{name}: {argument} must have rank >= {rank}; got shape {shape}.")


def _positive_int(name, argument, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name}: {argument} must be a positive integer; got {value!r}.")
    return int(value)


# ------------------------------------------------------------------------- DFT matrices
@functools.lru_cache(maxsize=64)
def _cos_sin(samples, bins, length, offset=0):
    """cos and sin of 2 pi k (offset + t) / length for sample t (rows) and bin k (columns), in
    float64; the angle is reduced modulo 2 pi exactly, in integers, first."""
    turns = (np.arange(offset, offset + samples)[:, None] * np.arange(bins)) % length
    angle = 2 * np.pi * turns / length
    return np.cos(angle), np.sin(angle)


def _times(x, matrix):
    """x's last axis times a host matrix (n, m), in x's dtype: shape (..., m)."""
    b = current()
    shape = b.shape(x)
    flat = b.reshape(x, (-1, shape[-1]))
    product = b.matmul(flat, b.convert(matrix.astype(b.dtype(x))))
    return b.reshape(product, (*shape[:-1], matrix.shape[1]))


def _dft(real, imag, inverse=False):
    """The complex DFT (inverse: scaled by 1/n) of real + i imag along the last axis."""
    b = current()
    n = b.shape(real)[-1]
    cos, sin = _cos_sin(n, n, n)
    if inverse:
        cos, sin = cos / n, -sin / n
    # (a + ib)(cos - i sin) = a cos + b sin + i (b cos - a sin)
    return (b.add(_times(real, cos), _times(imag, sin)),
            b.subtract(_times(imag, cos), _times(real, sin)))


def _dft2(real, imag, inverse=False):
    """The DFT along the last two axes: along the last, then along the one before."""
    b = current()
    real, imag = _dft(real, imag, inverse)
    rank = len(b.shape(real))
    swap = [*range(rank - 2), rank - 1, rank - 2]
    real, imag = _dft(b.transpose(real, swap), b.transpose(imag, swap), inverse)
    return b.transpose(real, swap), b.transpose(imag, swap)


def _fit_last_axis(x, size):
    """x cropped or zero-padded at the end of its last axis to `size`."""
    b = current()
    shape = b.shape(x)
    if shape[-1] >= size:
        return b.getitem(x, (Ellipsis, slice(0, size)))
    return b.pad(x, [(0, 0)] * (len(shape) - 1) + [(0, size - shape[-1])])


def _real_dft(x, n):
    """(real, imag) of the first n // 2 + 1 DFT bins of real x, cropped or padded to n."""
    cos, sin = _cos_sin(n, n // 2 + 1, n)
    x = _fit_last_axis(x, n)
    return _times(x, cos), current().negative(_times(x, sin))


def _inverse_real_dft(real, imag, n):
    """The length-n real signal whose first n // 2 + 1 DFT bins are real + i imag (cropped or
    padded to that); the imaginary parts of the zero and Nyquist bins do not count."""
    bins = n // 2 + 1
    cos, sin = _cos_sin(bins, n, n)
    weight = np.full((bins, 1), 2.0 / n)
    weight[0] = 1.0 / n
    if n % 2 == 0:
        weight[-1] = 1.0 / n  # the Nyquist bin has no mirror image
    b = current()
    real, imag = _fit_last_axis(real, bins), _fit_last_axis(imag, bins)
    return b.subtract(_times(real, weight * cos), _times(imag, weight * sin))


# ------------------------------------------------------------------------ the transforms
@graph_aware
def fft(x):
    """The DFT of (real, imag) along the last axis, as a (real, imag) pair."""
    return _dft(*_pair("fft", x, 1))


@graph_aware
def fft2(x):
    """The 2-D DFT of (real, imag) along the last two axes, as a (real, imag) pair."""
    return _dft2(*_pair("fft2", x, 2))


@graph_aware
def ifft2(x):
    """The inverse 2-D DFT (divided by the number of points) along the last two axes."""
    return _dft2(*_pair("ifft2", x, 2), inverse=True)


@graph_aware
def rfft(x, fft_length=None):
    """The fft_length // 2 + 1 unique DFT bins of real x along its last axis, x cropped or
    zero-padded to fft_length (default: its length)."""
    b, x = current(), as_array(x)
    _check_rank("rfft", "x", b.shape(x), 1)
    if b.dtype(x).startswith(("float16", "bfloat16")):
        raise ValueError(f"rfft: x must be float32 or float64 (or integers); got {b.dtype(x)}.")
    if not b.dtype(x).startswith("float"):
        x = b.cast(x, "float32")
    n = b.shape(x)[-1] if fft_length is None else _positive_int("rfft", "fft_length",
                                                                 fft_length)
    return _real_dft(x, n)


@graph_aware
def irfft(x, fft_length=None):
    """The real signal of length fft_length (default 2 * (bins - 1)) whose rfft is x."""
    real, imag = _pair("irfft", x, 1)
    if fft_length is None:
        n = 2 * (current().shape(real)[-1] - 1)
        if n <= 0:
            raise ValueError("irfft: x holds a single bin, which fixes no signal length: "
                             "pass fft_length.")
    else:
        n = _positive_int("irfft", "fft_length", fft_length)
    return _inverse_real_dft(real, imag, n)


# ------------------------------------------------------------------------ short-time DFT
def _frame_options(name, sequence_length, sequence_stride, fft_length):
    """(sequence_length, fft_length), checked with the stride: positive integers, the frame
    no longer than the FFT."""
    _positive_int(name, "sequence_stride", sequence_stride)
    sequence_length = _positive_int(name, "sequence_length", sequence_length)
    fft_length = _positive_int(name, "fft_length", fft_length)
    if fft_length < sequence_length:
        raise ValueError(f"{name}: fft_length must be at least sequence_length; got "
                         f"fft_length={fft_length}, sequence_length={sequence_length}.")
    return sequence_length, fft_length


def _window(name, window, sequence_length, fft_length, dtype):
    """The frame's window as a backend array of fft_length (a named or given window of
    sequence_length centred, zeros either side; ones without a window)."""
    b = current()
    if window is None:
        return b.ones((fft_length,), dtype)
    if isinstance(window, str):
        if window not in _WINDOWS:
            raise ValueError(f"{name}: window must be one of {_WINDOWS}, a tensor of shape "
                             f"(sequence_length,) or None; got {window!r}.")
        window = b.convert(_periodic_window(window, sequence_length).astype(dtype))
    window = b.cast(as_array(window), dtype)
    if b.shape(window) != (sequence_length,):
        raise ValueError(f"{name}: window must have shape (sequence_length,) = "
                         f"({sequence_length},); got {b.shape(window)}.")
    left = (fft_length - sequence_length) // 2
    return b.pad(window, [(left, fft_length - sequence_length - left)])


def _periodic_window(name, length):
    """scipy.signal.get_window(name, length) for "hann" or "hamming": the periodic window, as
    spectral analysis uses, in float64."""
    if length == 1:
        return np.ones(1)
    a = 0.5 if name == "hann" else 0.54
    return a - (1 - a) * np.cos(2 * np.pi * np.arange(length) / length)


def _reflect_pad(x, width):
    """x's last axis padded by `width` on each side with its mirror image (edges not
    repeated), as NumPy's "reflect" mode."""
    b = current()
    length = b.shape(x)[-1]
    position = np.arange(-width, length + width)
    if length == 1:
        position = np.zeros_like(position)
    else:
        position = np.abs(position) % (2 * (length - 1))
        position = np.where(position >= length, 2 * (length - 1) - position, position)
    return b.take(x, b.convert(position.astype("int32")), axis=-1)


@graph_aware
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The rfft of each windowed frame of fft_length, sequence_stride apart, along x's last
    axis (padded by reflection so frame t centres on t * stride, with `center`): a (real, imag)
    pair of shape (..., frames, fft_length // 2 + 1)."""
    sequence_length, fft_length = _frame_options("stft", sequence_length, sequence_stride,
                                                 fft_length)
    b, x = current(), as_array(x)
    if b.dtype(x) not in _FLOATS:
        raise TypeError(f"stft: x must be float32 or float64; got {b.dtype(x)}.")
    _check_rank("stft", "x", b.shape(x), 1)
    window = _window("stft", window, sequence_length, fft_length, b.dtype(x))
    if center:
        x = _reflect_pad(x, fft_length // 2)
    length = b.shape(x)[-1]
    if length < fft_length:
        raise ValueError(f"stft: x's last axis ({length} samples"
                         f"{', padded' if center else ''}) is shorter than fft_length "
                         f"({fft_length}).")
    frames = 1 + (length - fft_length) // sequence_stride
    index = np.arange(frames)[:, None] * sequence_stride + np.arange(fft_length)
    framed = b.multiply(b.take(x, b.convert(index.astype("int32")), axis=-1), window)
    return _real_dft(framed, fft_length)


def _overlap_add(frames, stride):
    """Frames (..., count, width) summed at offsets `stride` apart: (..., (count - 1) * stride
    + width). Each frame is cut into stride-long pieces; piece j of every frame lands j
    strides later, so the sum is one shifted pad per piece."""
    b = current()
    *lead, count, width = b.shape(frames)
    pieces = -(-width // stride)
    frames = _fit_last_axis(frames, pieces * stride)
    frames = b.reshape(frames, (*lead, count, pieces, stride))
    total = None
    for j in range(pieces):
        piece = b.getitem(frames, (Ellipsis, j, slice(None)))
        shifted = b.pad(piece, [(0, 0)] * len(lead) + [(j, pieces - 1 - j), (0, 0)])
        total = shifted if total is None else b.add(total, shifted)
    total = b.reshape(total, (*lead, (count + pieces - 1) * stride))
    return b.getitem(total, (Ellipsis, slice(0, (count - 1) * stride + width)))


@graph_aware
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The signal whose stft (with the same arguments) is x: each frame's irfft, windowed and
    overlap-added, divided by the overlapping windows' squares, as scipy.signal.istft; cut to
    `length` samples (or the centre padding removed, with `center`)."""
    sequence_length, fft_length = _frame_options("istft", sequence_length, sequence_stride,
                                                 fft_length)
    if length is not None:
        length = _positive_int("istft", "length", length)
    real, imag = _pair("istft", x, 2)
    b = current()
    count = b.shape(real)[-2]
    given = window is not None
    window = _window("istft", window, sequence_length, fft_length, b.dtype(real))
    frames = b.multiply(_inverse_real_dft(real, imag, fft_length), window)
    squares = b.broadcast_to(b.square(window), (count, fft_length))
    norm = _overlap_add(squares, sequence_stride)
    norm = b.where(b.greater(norm, 1e-10), norm, b.ones((), b.dtype(norm)))
    # scipy scales frames by the window's sum; Keras divides it out again, or by the stride
    scale = b.divide(b.sum(window), b.sum(window) if given else float(sequence_stride))
    signal = b.divide(b.multiply(_overlap_add(frames, sequence_stride), scale), norm)
    start = fft_length // 2 if center else 0
    stop = b.shape(signal)[-1] - start if length is None else start + length
    return b.getitem(signal, (Ellipsis, slice(start, stop)))
