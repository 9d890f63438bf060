"""Audio spectrograms, as Keras's. STFTSpectrogram: the short-time Fourier transform of each
channel of (batch, time, channels) signals, a strided 1-D convolution with its DFT kernels
(real_kernel, imag_kernel, (frame_length, 1, fft_length // 2 + 1), trainable unless the layer
is frozen), then the spectrogram `mode` asks for. MelSpectrogram: (batch, samples) signals'
power spectra (ops.stft, centred), on the mel scale, in decibels; it has no weights."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from engine import config, initializers, ops
from engine.errors import LayerConfigError
from engine.layers.declaration import Argument, Bool, Choice, Float, Int, declare, exports
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat

MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
FLOATS = ("float16", "float32", "float64")


class WindowFunction(Argument):
    """A window by SciPy's name ("hann", "hamming", ...), its values (a list of numbers) or
    None for none."""

    def convert(self, layer, value):
        if value is None or isinstance(value, str):
            return value
        values = np.asarray(value)
        if values.ndim != 1 or not all(isinstance(v, numbers.Real) for v in values.tolist()):
            raise self.error(layer, "must be a window's name, a 1-D list of its values or None",
                             value)
        return [float(v) for v in values.tolist()]


class OptionalChoice(Choice):
    """A Choice that None also answers (Keras's scaling=None)."""

    def check(self, layer, value):
        return None if value is None else self.convert(layer, value)


@declare("preprocessing")
class STFTSpectrogram(Layer):
    """Spectrograms of each channel: frames of `frame_length`, `frame_step` apart, windowed
    and transformed by the kernels; log, magnitude, psd (power, the inner bins doubled), the
    real or imaginary part, the angle, or stft (real then imaginary bins)."""

    mode = Choice("log", choices=MODES)
    frame_length = Int(256, minimum=1)
    frame_step = Int(None, minimum=1)
    fft_length = Int(None, minimum=1)
    window = WindowFunction("hann")
    periodic = Bool(False)
    scaling = OptionalChoice("density", choices=("density", "spectrum"))
    padding = Choice("valid", choices=("valid", "same"))
    expand_dims = Bool(False)
    data_format = DataFormat(None, choices=("channels_last",))

    def configure(self):
        name = type(self).__name__
        if self.frame_step is not None and self.frame_step > self.frame_length:
            raise LayerConfigError(f"{name}: `frame_step` ({self.frame_step}) must not exceed "
                                   f"`frame_length` ({self.frame_length}), as in Keras.")
        if self.fft_length is not None and self.fft_length < self.frame_length:
            raise LayerConfigError(f"{name}: `fft_length` ({self.fft_length}) must be at least "
                                   f"`frame_length` ({self.frame_length}).")
        if self.fft_length is not None and self.fft_length & (self.fft_length - 1):
            warnings.warn(f"{name}: `fft_length` is recommended to be a power of two; got "
                          f"{self.fft_length}.", stacklevel=3)
        if isinstance(self.window, list) and len(self.window) != self.frame_length:
            raise LayerConfigError(f"{name}: `window` holds {len(self.window)} values; it must "
                                   f"hold frame_length ({self.frame_length}).")
        try:
            self.kernel_initializers = {
                side: initializers.STFT(side, self.window, self.scaling, self.periodic)
                for side in self.sides}
        except LayerConfigError as error:
            raise LayerConfigError(f"{name}: `window` {self.window!r} is not a window SciPy "
                                   f"knows ({error}); pass one of scipy.signal.get_window's "
                                   "names, the window's values or None.") from None

    @property
    def step(self) -> int:
        """The hop between frames: frame_step, or half a frame."""
        return self.frame_step or self.frame_length // 2

    @property
    def bins(self) -> int:
        """fft_length // 2 + 1, fft_length defaulting to the power of two >= frame_length."""
        fft_length = self.fft_length or 2 ** math.ceil(math.log2(self.frame_length))
        return fft_length // 2 + 1

    @property
    def sides(self) -> tuple:
        """The kernels the mode reads: both, but for "real" and "imag"."""
        return (self.mode,) if self.mode in ("real", "imag") else ("real", "imag")

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise self.shape_error("expects (batch, time, channels) signals, rank 3.",
                                   input_shape)
        for side in self.sides:
            setattr(self, f"{side}_kernel", self.add_weight(
                shape=(self.frame_length, 1, self.bins), name=f"{side}_kernel",
                initializer=self.kernel_initializers[side]))

    def call(self, inputs):
        dtype = ops.dtype(inputs)
        if dtype not in FLOATS:
            raise TypeError(f"{type(self).__name__}: inputs must be float16, float32 or "
                            f"float64; got {dtype}.")
        batch, time, channels = ops.shape(inputs)
        signals = ops.reshape(ops.transpose(inputs, (0, 2, 1)), (-1, time, 1))
        parts = {}
        for side in self.sides:
            kernel = ops.cast(getattr(self, f"{side}_kernel"), dtype)
            spectra = ops.conv(signals, kernel, strides=self.step, padding=self.padding)
            parts[side] = ops.reshape(spectra, (-1, channels, *ops.shape(spectra)[1:]))
        return self._layout(self._spectrogram(parts))

    def _spectrogram(self, parts):
        """The mode's values from the (batch, channels, frames, bins) real and imag parts."""
        if self.mode in ("real", "imag"):
            return parts[self.mode]
        real, imag = parts["real"], parts["imag"]
        if self.mode == "angle":
            return ops.arctan2(imag, real)
        if self.mode == "stft":
            return ops.concatenate([real, imag], axis=-1)
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":
            inner = ops.getitem(power, (Ellipsis, slice(1, -1)))
            return ops.add(power, ops.pad(inner, [(0, 0)] * 3 + [(1, 1)]))
        magnitude = ops.sqrt(ops.maximum(power, config.epsilon()))
        return magnitude if self.mode == "magnitude" else ops.log(
            ops.maximum(magnitude, config.epsilon()))

    def _layout(self, values):
        """(batch, channels, frames, bins) as (batch, frames, bins, channels) with
        expand_dims, else (batch, frames, channels * bins)."""
        if self.expand_dims:
            return ops.transpose(values, (0, 2, 3, 1))
        values = ops.transpose(values, (0, 2, 1, 3))
        shape = ops.shape(values)
        return ops.reshape(values, (-1, shape[1], shape[2] * shape[3]))

    def compute_output_shape(self, input_shape):
        batch, time, channels = input_shape
        if time is not None:
            time = (-(-time // self.step) if self.padding == "same"
                    else (time - self.frame_length) // self.step + 1)
        bins = self.bins * (2 if self.mode == "stft" else 1)
        if self.expand_dims:
            return (batch, time, bins, channels)
        return (batch, time, None if channels is None else channels * bins)


# ---------------------------------------------------------------------------------- exports
def _kernels(layer, named):
    """The layer's kernels side by side, (frame_length, 1, sides * bins): real before imag."""
    return np.concatenate([named[f"{side}_kernel"] for side in layer.sides], axis=-1)


def to_torch(step, torch):
    layer, channels = step.layer, step.input_shape[2]
    arguments = ["1", str(len(layer.sides) * layer.bins), f"kernel_size={layer.frame_length}",
                 f"stride={layer.step}", "bias=False"]
    padding = []
    if layer.padding == "same":
        pads = torch.same_padding(step, (layer.frame_length,), (layer.step,), (1,))
        padding = [f"F.pad({{}}, {torch.literal(pads)})"]
    init = torch.module(step, "nn.Conv1d", arguments)
    wrappers = ["{}.permute(0, 2, 1).flatten(0, 1).unsqueeze(1)", *padding,
                f"self.{step.name}({{}})", f"{{}}.unflatten(0, (-1, {channels}))",
                "{}.permute(0, 1, 3, 2)"]
    lines = torch.chain(step, wrappers)
    for statement in _torch_mode(layer, step.outputs[0]):
        lines += torch.assign(step, statement)
    layout = ".permute(0, 2, 3, 1)" if layer.expand_dims else ".permute(0, 2, 1, 3).flatten(2)"
    return torch.Emitted(init, lines + torch.assign(step, step.outputs[0] + layout))


def _torch_mode(layer, out):
    """The statements (values of `out`) that turn the real and imag bins into the mode's."""
    real, imag = f"{out}[..., :{layer.bins}]", f"{out}[..., {layer.bins}:]"
    epsilon = config.epsilon()
    if layer.mode in ("real", "imag", "stft"):
        return []
    if layer.mode == "angle":
        return [f"torch.atan2({imag}, {real})"]
    power = f"{real} ** 2 + {imag} ** 2"
    if layer.mode == "psd":
        return [power, f"{out} + F.pad({out}[..., 1:-1], (1, 1))"]
    magnitude = [power, f"torch.sqrt(torch.clamp({out}, min={epsilon!r}))"]
    if layer.mode == "magnitude":
        return magnitude
    return [*magnitude, f"torch.log(torch.clamp({out}, min={epsilon!r}))"]


def torch_weights(step, torch):
    kernels = _kernels(step.layer, torch.named_weights(step.layer))
    return {"weight": kernels.transpose(2, 1, 0)}


def to_arrays(step, code):
    """A refusal: the JAX and TensorFlow code's `init` draws weights from named random
    initializers, and these kernels are Keras's STFT initializer's (window, scaling)."""
    from engine.export.errors import ExportError

    raise ExportError(f"Layer {step.layer.name!r} (STFTSpectrogram): its DFT kernels come from "
                      "Keras's STFT initializer, which the JAX and TensorFlow code's init cannot "
                      "draw yet; export to PyTorch or ONNX, or save the model (model.save).")


def to_onnx(b, step, onnx):
    layer, name = step.layer, step.name
    time, channels = step.input_shape[1], step.input_shape[2]
    if layer.mode == "angle":
        raise onnx.ExportError(f"Layer {name!r}: STFTSpectrogram(mode='angle') needs atan2, "
                               "which ONNX lacks; export another mode, or to PyTorch code.")
    if time is None:
        raise onnx.ExportError(f"Layer {name!r}: ONNX's Reshape needs the signal's length; "
                               f"the input has shape {step.input_shape}.")
    frames = layer.compute_output_shape(step.input_shape)[1]
    width = len(layer.sides) * layer.bins
    x = onnx.channels_first(b, step.args[0], 3, name)
    x = b.op("Reshape", [x, b.constant(f"{name}/signals", [-1, 1, time], np.int64)],
             f"{name}/signals")
    kernel = _kernels(layer, onnx.named_weights(layer)).transpose(2, 1, 0)
    y = b.op("Conv", [x, b.constant(f"{name}/kernel", kernel)], f"{name}/conv",
             kernel_shape=[layer.frame_length], strides=[layer.step],
             **onnx.padding(step, (layer.frame_length,), (layer.step,), (1,)))
    y = b.op("Reshape", [y, b.constant(f"{name}/split", [-1, channels, width, frames], np.int64)],
             f"{name}/split")
    y = b.op("Transpose", [y], f"{name}/bins_last", perm=[0, 1, 3, 2])
    y = _onnx_mode(b, layer, name, y)
    if layer.expand_dims:
        return [b.op("Transpose", [y], f"{name}/layout", perm=[0, 2, 3, 1])]
    y = b.op("Transpose", [y], f"{name}/frames_first", perm=[0, 2, 1, 3])
    merged = [-1, frames, channels * (width if layer.mode == "stft" else layer.bins)]
    return [b.op("Reshape", [y, b.constant(f"{name}/merged", merged, np.int64)], f"{name}/layout")]


def _onnx_mode(b, layer, name, y):
    """The mode's values from (batch, channels, frames, sides * bins) in ONNX ops."""
    if layer.mode in ("real", "imag", "stft"):
        return y

    def bins(start, stop, hint):
        limits = [b.constant(f"{name}/{hint}_{i}", [v], np.int64) for i, v in
                  enumerate((start, stop, -1))]
        return b.op("Slice", [y, *limits], f"{name}/{hint}")

    real, imag = bins(0, layer.bins, "real"), bins(layer.bins, 2 * layer.bins, "imag")
    power = b.op("Add", [b.op("Mul", [real, real], f"{name}/real_squared"),
                         b.op("Mul", [imag, imag], f"{name}/imag_squared")], f"{name}/power")
    if layer.mode == "psd":
        inner = b.op("Slice", [power, *(b.constant(f"{name}/inner_{i}", [v], np.int64)
                                        for i, v in enumerate((1, -1, -1)))], f"{name}/inner")
        pads = b.constant(f"{name}/pads", [0, 0, 0, 1, 0, 0, 0, 1], np.int64)
        return b.op("Add", [power, b.op("Pad", [inner, pads], f"{name}/padded")],
                    f"{name}/psd")
    epsilon = b.constant(f"{name}/epsilon", np.array(config.epsilon(), "float32"))
    magnitude = b.op("Sqrt", [b.op("Max", [power, epsilon], f"{name}/floor")],
                     f"{name}/magnitude")
    if layer.mode == "magnitude":
        return magnitude
    return b.op("Log", [b.op("Max", [magnitude, epsilon], f"{name}/log_floor")], f"{name}/log")


exports(STFTSpectrogram, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)


# --------------------------------------------------------------------------- MelSpectrogram
MEL_BREAK_HERTZ, MEL_HIGH_FREQUENCY_Q = 700.0, 1127.0  # HTK's mel scale, as Keras's


class StftWindow(WindowFunction):
    """A window ops.stft knows: "hann", "hamming", its values (a list of numbers) or None."""

    def convert(self, layer, value):
        if isinstance(value, str) and value not in ("hann", "hamming"):
            raise self.error(layer, "must be 'hann', 'hamming', a 1-D list of the window's "
                             "values or None", value)
        return super().convert(layer, value)


def mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate, min_freq, max_freq):
    """(num_spectrogram_bins, num_mel_bins) triangular filters, each peaking at 1, that map
    linear frequency bins over [0, sampling_rate / 2] onto mel bands over [min_freq,
    max_freq] (the DC bin weighs nothing); float32, computed step by step as Keras does."""
    f32 = np.float32

    def to_mel(hertz):
        return f32(MEL_HIGH_FREQUENCY_Q) * np.log(f32(1.0) + hertz / f32(MEL_BREAK_HERTZ))

    linear = np.linspace(f32(0.0), f32(sampling_rate) / f32(2.0), num_spectrogram_bins,
                         dtype=f32)[1:]
    bins_mel = to_mel(linear)[:, None]
    edges = np.linspace(to_mel(f32(min_freq)), to_mel(f32(max_freq)), num_mel_bins + 2,
                        dtype=f32)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    weights = np.maximum(f32(0.0), np.minimum(rising, falling))
    return np.pad(weights, [(1, 0), (0, 0)]).astype(f32)


@declare("preprocessing")
class MelSpectrogram(Layer):
    """Mel spectrograms of (batch, samples) or (samples,) signals, as (..., num_mel_bins,
    frames): the centred STFT's magnitudes to the power mag_exp, through mel filters over
    [min_freq, max_freq], then (power_to_db) 10 log10 relative to ref_power, floored at
    min_power and at top_db below the largest value of the whole batch."""

    fft_length = Int(2048, minimum=1)
    sequence_stride = Int(512, minimum=1)
    sequence_length = Int(None, minimum=1)
    window = StftWindow("hann")
    sampling_rate = Int(16000, minimum=1)
    num_mel_bins = Int(128, minimum=1)
    min_freq = Float(20.0, minimum=0.0)
    max_freq = Float(None, minimum=0.0, above=True)
    power_to_db = Bool(True)
    top_db = Float(80.0, minimum=0.0)
    mag_exp = Float(2.0, minimum=0.0, above=True)
    min_power = Float(1e-10, minimum=0.0, above=True)
    ref_power = Float(1.0)

    def configure(self):
        """Keras's resolved defaults (its get_config gives them), then the checks."""
        name = type(self).__name__
        self.sequence_length = self.sequence_length or self.fft_length
        self.max_freq = self.max_freq or float(int(self.sampling_rate / 2))
        if self.fft_length < self.sequence_length:
            raise LayerConfigError(f"{name}: `fft_length` ({self.fft_length}) must be at least "
                                   f"`sequence_length` ({self.sequence_length}).")
        if isinstance(self.window, list) and len(self.window) != self.sequence_length:
            raise LayerConfigError(f"{name}: `window` holds {len(self.window)} values; it must "
                                   f"hold sequence_length ({self.sequence_length}).")
        if self.max_freq <= self.min_freq:
            raise LayerConfigError(f"{name}: `max_freq` ({self.max_freq:g}) must exceed "
                                   f"`min_freq` ({self.min_freq:g}): the mel bands lie between "
                                   "them.")
        self.mel_weights = mel_weight_matrix(self.num_mel_bins, self.fft_length // 2 + 1,
                                             self.sampling_rate, self.min_freq,
                                             self.max_freq)

    def frames(self, samples):
        """How many frames the centred STFT gives: the signal is padded by fft_length // 2
        on each side."""
        return 1 + (samples + 2 * (self.fft_length // 2) - self.fft_length) // self.sequence_stride

    def build(self, input_shape):
        if len(input_shape) not in (1, 2):
            raise self.shape_error("expects (batch, samples) or (samples,) signals, rank 2 or "
                                   "1.", input_shape)
        samples = input_shape[-1]
        if samples is not None and samples <= self.fft_length // 2:
            raise self.shape_error(f"needs more than fft_length // 2 ({self.fft_length // 2}) "
                                   "samples: the centred STFT pads the signal with its own "
                                   "reflection.", input_shape)

    def call(self, inputs):
        compute = self.compute_dtype
        dtype = compute if compute in ("float32", "float64") else "float32"
        signals = ops.cast(inputs, dtype)
        real, imag = ops.stft(signals, self.sequence_length, self.sequence_stride,
                              self.fft_length, window=self.window, center=True)
        magnitude = ops.sqrt(ops.add(ops.square(real), ops.square(imag)))
        spectra = ops.power(magnitude, self.mag_exp)
        mel = ops.tensordot(spectra, ops.convert_to_tensor(self.mel_weights.astype(dtype)),
                            axes=1)
        if self.power_to_db:
            mel = self._decibels(mel)
        return ops.cast(ops.swapaxes(mel, -1, -2), compute)

    def _decibels(self, power):
        """10 log10(power / |ref_power|), both floored at min_power, then floored at top_db
        below the largest value (of the whole batch, as Keras)."""
        reference = 10.0 * math.log10(max(abs(self.ref_power), self.min_power))
        decibels = ops.subtract(ops.multiply(ops.log10(ops.maximum(power, self.min_power)),
                                             10.0), reference)
        return ops.maximum(decibels, ops.subtract(ops.max(decibels), self.top_db))

    def compute_output_shape(self, input_shape):
        samples = input_shape[-1]
        frames = None if samples is None else self.frames(samples)
        return (*input_shape[:-1], self.num_mel_bins, frames)


# ------------------------------------------------------------------- MelSpectrogram exports
def _frame_window(layer) -> np.ndarray:
    """The window of each frame as ops.stft applies it: sequence_length values (periodic
    "hann" or "hamming", or the given ones) centred in fft_length zeros; without a window,
    fft_length ones (as Keras: the whole FFT's samples count); float64."""
    length = _window_length(layer)
    if isinstance(layer.window, list):
        values = np.asarray(layer.window, dtype=np.float64)
    elif layer.window is None or length == 1:
        values = np.ones(length)
    else:
        a = 0.5 if layer.window == "hann" else 0.54
        values = a - (1 - a) * np.cos(2 * np.pi * np.arange(length) / length)
    left = (layer.fft_length - length) // 2
    return np.pad(values, (left, layer.fft_length - length - left))


def _window_length(layer) -> int:
    """The samples the window spans: sequence_length, or fft_length without a window."""
    return layer.fft_length if layer.window is None else layer.sequence_length


def _torch_window(layer, out, x) -> list[str]:
    """Statements making `out` the window, of x's dtype and device, for torch.stft."""
    where = [f"dtype={x}.dtype", f"device={x}.device"]
    if isinstance(layer.window, list):
        return [f"{out} = torch.tensor", [repr(layer.window), *where]]
    if layer.window is None:
        return [f"{out} = torch.ones", [str(layer.fft_length), *where]]
    return [f"{out} = torch.{layer.window}_window", [str(layer.sequence_length), *where]]


def mel_to_torch(step, torch):
    """torch.stft (centred, reflected) magnitudes to the power mag_exp, the mel filters as a
    frozen bias-free nn.Linear, then the decibels."""
    layer, x, out = step.layer, step.args[0], step.outputs[0]
    bins = layer.fft_length // 2 + 1
    init = [*torch.module(step, "nn.Linear", [str(bins), str(layer.num_mel_bins),
                                              "bias=False"]),
            torch.frozen(step, "weight", "the mel filters are constants")]
    lines = torch.lines(*_torch_window(layer, out, x))
    lines += torch.lines(f"{out} = torch.stft", [
        x, str(layer.fft_length), f"hop_length={layer.sequence_stride}",
        f"win_length={_window_length(layer)}", f"window={out}", "center=True",
        "pad_mode='reflect'", "return_complex=True"])
    lines += torch.assign(step, f"{out}.abs() ** {layer.mag_exp!r}")
    lines += torch.assign(step, f"self.{step.name}({out}.transpose(-1, -2))")
    if layer.power_to_db:
        reference = 10.0 * math.log10(max(abs(layer.ref_power), layer.min_power))
        lines += torch.assign(step, f"torch.log10(torch.clamp({out}, min={layer.min_power!r}))")
        lines += torch.assign(step, f"10.0 * {out} - {reference!r}")
        lines += torch.assign(step, f"torch.maximum({out}, {out}.amax() - {layer.top_db!r})")
    return torch.Emitted(init, lines + torch.assign(step, f"{out}.transpose(-1, -2)"))


def mel_torch_weights(step, torch):
    return {"weight": step.layer.mel_weights.T}


def mel_to_arrays(step, code):
    """A refusal: the JAX and TensorFlow code has no short-time Fourier transform yet."""
    from engine.export.errors import ExportError

    raise ExportError(f"Layer {step.layer.name!r} (MelSpectrogram): the JAX and TensorFlow code "
                      "has no short-time Fourier transform yet; export to PyTorch or ONNX, or "
                      "save the model (model.save).")


def mel_to_onnx(b, step, onnx):
    """Reflect-Pad, a strided Conv with the windowed DFT's cos and -sin kernels, the
    magnitudes to the power mag_exp, MatMul by the mel filters, then the decibels."""
    layer, name = step.layer, step.name
    if len(step.input_shape) != 2:
        raise onnx.ExportError(f"Layer {name!r}: MelSpectrogram exports (batch, samples) "
                               f"signals; the input has shape {step.input_shape}.")
    fft, bins = layer.fft_length, layer.fft_length // 2 + 1
    angle = 2 * np.pi * ((np.arange(fft)[:, None] * np.arange(bins)) % fft) / fft
    window = _frame_window(layer)[:, None]
    kernel = np.concatenate([window * np.cos(angle), -window * np.sin(angle)], axis=1)
    x = b.op("Unsqueeze", [step.args[0], b.constant(f"{name}/axis", [1], np.int64)],
             f"{name}/signals")
    half = fft // 2
    x = b.op("Pad", [x, b.constant(f"{name}/pads", [0, 0, half, 0, 0, half], np.int64)],
             f"{name}/reflected", mode="reflect")
    y = b.op("Conv", [x, b.constant(f"{name}/dft", kernel.T[:, None, :])], f"{name}/dft",
             kernel_shape=[fft], strides=[layer.sequence_stride])

    def part(start, hint):
        limits = [b.constant(f"{name}/{hint}_{i}", [v], np.int64)
                  for i, v in enumerate((start, start + bins, 1))]
        return b.op("Slice", [y, *limits], f"{name}/{hint}")

    real, imag = part(0, "real"), part(bins, "imag")
    power = b.op("Add", [b.op("Mul", [real, real], f"{name}/real_squared"),
                         b.op("Mul", [imag, imag], f"{name}/imag_squared")], f"{name}/power")
    spectra = b.op("Pow", [b.op("Sqrt", [power], f"{name}/magnitude"),
                           b.constant(f"{name}/mag_exp", np.array(layer.mag_exp, "float32"))],
                   f"{name}/spectra")
    spectra = b.op("Transpose", [spectra], f"{name}/bins_last", perm=[0, 2, 1])
    y = b.op("MatMul", [spectra, b.constant(f"{name}/mel", layer.mel_weights)], f"{name}/mel")
    if layer.power_to_db:
        y = _onnx_decibels(b, layer, name, y)
    return [b.op("Transpose", [y], f"{name}/layout", perm=[0, 2, 1])]


def _onnx_decibels(b, layer, name, y):
    """10 log10 relative to ref_power, floored at min_power and top_db below the maximum."""
    def scalar(hint, value):
        return b.constant(f"{name}/{hint}", np.array(value, "float32"))

    floored = b.op("Max", [y, scalar("min_power", layer.min_power)], f"{name}/floored")
    reference = 10.0 * math.log10(max(abs(layer.ref_power), layer.min_power))
    decibels = b.op("Sub", [b.op("Mul", [b.op("Log", [floored], f"{name}/log"),
                                         scalar("to_db", 10.0 / math.log(10.0))],
                                 f"{name}/scaled"), scalar("reference", reference)],
                    f"{name}/decibels")
    peak = b.op("ReduceMax", [decibels], f"{name}/peak", keepdims=0)
    floor = b.op("Sub", [peak, scalar("top_db", layer.top_db)], f"{name}/floor")
    return b.op("Max", [decibels, floor], f"{name}/clipped")


exports(MelSpectrogram, torch=mel_to_torch, torch_weights=mel_torch_weights,
        arrays=mel_to_arrays, onnx=mel_to_onnx)
