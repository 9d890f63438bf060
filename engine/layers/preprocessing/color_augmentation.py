"""Random colour augmentation while training, as Keras 3's layers: grayscale, inversion,
solarization, posterization, degeneration, saturation, hue, sharpness, colour jitter and
Gaussian blur of channels-last image batches, and AutoContrast and Equalization.

Like augmentation.py's layers, each draws its transformation per image from its seed state
(the draws are the engine's own, not Keras's) and passes images through at inference; only
AutoContrast, which draws nothing, works at inference too, as Keras's does. Values are read in
`value_range`, scaled to [0, 255] where Keras computes there.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from engine import ops
from engine import random as engine_random
from engine.layers.declaration import Argument, Float, Int, declare, exports
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat
from engine.layers.preprocessing.augmentation import (
    Factor,
    RandomBrightness,
    RandomContrast,
    RandomImageLayer,
    ValueRange,
    identity_to_onnx,
)
from engine.layers.windows import check_rank

EPSILON = 1e-7  # keras.config.epsilon(), which RandomSaturation divides with
PIXELS = (0.0, 255.0)


def rescaled(images, source, target):
    """`images` moved linearly from the value range `source` to `target`."""
    if tuple(source) == tuple(target):
        return images
    scale = (target[1] - target[0]) / (source[1] - source[0])
    return ops.add(ops.multiply(ops.subtract(images, source[0]), scale), target[0])


def random_sign(draws):
    """-1 where uniform `draws` are above 1/2, else 1 (as Keras turns hue and shear either
    way), in the draws' dtype."""
    return ops.subtract(1.0, ops.multiply(ops.cast(ops.greater(draws, 0.5), ops.dtype(draws)),
                                          2.0))


def channels_last_planes(images) -> list:
    """The three (batch, height, width) planes of RGB images."""
    return [ops.getitem(images, (Ellipsis, k)) for k in range(3)]


RGB, RGB_OR_GRAY = (3,), (3, 1)  # the channels a colour layer can read


class ColorLayer(RandomImageLayer):
    """A random layer on images with any number of channels, or only those of `channels`
    (RGB: three; RGB_OR_GRAY: three or one)."""

    channels: ClassVar[tuple | None] = None

    def build(self, input_shape):
        super().build(input_shape)
        if self.channels is not None and input_shape[-1] not in self.channels:
            need = " or ".join(map(str, self.channels))
            raise self.shape_error(f"needs images with {need} channels (RGB"
                                   f"{' or grayscale' if 1 in self.channels else ''}); give it "
                                   "such images.", tuple(input_shape))

    def chosen(self, batch, factor):
        """(batch, 1, 1, 1) booleans: each image chosen with a probability drawn from the
        (lower, upper) `factor`, as Keras's probability factors are read."""
        probability = self.uniform((batch,), *factor)
        chosen = ops.less(self.uniform((batch,), 0.0, 1.0), probability)
        return ops.reshape(chosen, (batch, 1, 1, 1))


@declare("preprocessing")
class RandomGrayscale(ColorLayer):
    """Each image turned to grayscale (kept with three channels) with probability
    `factor`."""

    channels = RGB_OR_GRAY
    factor = Float(0.5, minimum=0.0, maximum=1.0)
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def augment(self, images):
        batch = ops.shape(images)[0]
        gray = ops.image.rgb_to_grayscale(images)
        chosen = ops.less(self.uniform((batch, 1, 1, 1), 0.0, 1.0), self.factor)
        return ops.where(chosen, gray, images)


@declare("preprocessing")
class RandomInvert(ColorLayer):
    """Each image inverted (the top of `value_range` minus it) with a probability drawn from
    `factor` (1.0: from [0, 1])."""

    factor = Factor(1.0, low=0.0, high=1.0)
    value_range = ValueRange((0, 255))
    seed = Int(None)
    data_format = DataFormat(None, choices=("channels_last",))

    def augment(self, images):
        chosen = self.chosen(ops.shape(images)[0], self.factor)
        return ops.where(chosen, ops.subtract(self.value_range[1], images), images)


@declare("preprocessing")
class Solarization(ColorLayer):
    """Each image (on [0, 255]) given a random addition, clipped, and inverted where at or
    above a random threshold; the additions and thresholds are drawn as Keras draws them,
    from [lower, 255 * upper] of `addition_factor` and `threshold_factor`."""

    addition_factor = Factor(0.0, low=0.0, high=1.0)
    threshold_factor = Factor(0.0, low=0.0, high=1.0)
    value_range = ValueRange((0, 255))
    seed = Int(None)

    def augment(self, images):
        shape = (ops.shape(images)[0], 1, 1, 1)
        additions = self.uniform(shape, self.addition_factor[0], self.addition_factor[1] * 255)
        thresholds = self.uniform(shape, self.threshold_factor[0],
                                  self.threshold_factor[1] * 255)
        pixels = ops.clip(ops.add(rescaled(images, self.value_range, PIXELS), additions),
                          0.0, 255.0)
        solarized = ops.where(ops.less(pixels, thresholds), pixels,
                              ops.subtract(255.0, pixels))
        return rescaled(solarized, PIXELS, self.value_range)


class Bits(Factor):
    """RandomPosterization's bits kept per channel: n means [1, n], a pair a range; whole
    numbers in [1, 8]."""

    def __init__(self, default=Factor.default, **fields):
        super().__init__(default, low=1.0, high=8.0, **fields)

    def convert(self, layer, value):
        values = value if isinstance(value, (tuple, list)) else (value,)
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                   for v in values):
            raise self.error(layer, "must be a whole number of bits or a (lower, upper) pair "
                             "of them, in [1, 8]", value)
        return tuple(int(v) for v in super().convert(layer, value))


@declare("preprocessing")
class RandomPosterization(ColorLayer):
    """Each image (on [0, 255]) kept to a random number of its values' high bits, drawn
    from [lower, upper) of `factor` (or lower when they are equal)."""

    factor = Bits(suggested=4)
    value_range = ValueRange((0, 255))
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def augment(self, images):
        batch = ops.shape(images)[0]
        lower, upper = self.factor
        if lower == upper:
            bits = ops.add(ops.zeros((batch, 1, 1, 1)), lower)
        else:
            drawn = engine_random.randint((batch, 1, 1, 1), lower, upper, "float32",
                                          seed=self.next_seed(self.seed_state))
            bits = ops.cast(drawn, self.dtype)
        step = ops.power(2.0, ops.subtract(8.0, bits))
        pixels = ops.floor(ops.clip(rescaled(images, self.value_range, PIXELS), 0.0, 255.0))
        kept = ops.multiply(ops.floor(ops.divide(pixels, step)), step)
        return rescaled(kept, PIXELS, self.value_range)


@declare("preprocessing")
class RandomColorDegeneration(ColorLayer):
    """Each image moved towards its grayscale by a random fraction drawn from `factor`
    (negative: away from it), then clipped to `value_range`."""

    channels = RGB_OR_GRAY
    factor = Factor(suggested=0.5)
    value_range = ValueRange((0, 255))
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def augment(self, images):
        fraction = self.uniform((ops.shape(images)[0], 1, 1, 1), *self.factor)
        gray = ops.image.rgb_to_grayscale(images)
        moved = ops.add(images, ops.multiply(fraction, ops.subtract(gray, images)))
        return ops.clip(moved, *self.value_range)


@declare("preprocessing")
class RandomSaturation(ColorLayer):
    """Each image's saturation scaled by f / (1 - f) for a random f from `factor` (0.5
    keeps it), the saturation clipped to `value_range` as Keras clips it."""

    channels = RGB
    factor = Factor(suggested=0.5)
    value_range = ValueRange((0, 255))
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def augment(self, images):
        drawn = self.uniform((ops.shape(images)[0], 1, 1), *self.factor)
        scale = ops.divide(drawn, ops.add(ops.subtract(1.0, drawn), EPSILON))
        hue, saturation, value = channels_last_planes(ops.image.rgb_to_hsv(images))
        saturation = ops.clip(ops.multiply(saturation, scale), *self.value_range)
        return ops.image.hsv_to_rgb(ops.stack([hue, saturation, value], axis=-1))


@declare("preprocessing")
class RandomHue(ColorLayer):
    """Each image's hue turned by half a random fraction from `factor` of the colour wheel,
    either way at random (on [0, 1] images; back in `value_range`)."""

    channels = RGB
    factor = Factor(low=0.0, high=1.0, suggested=0.5)
    value_range = ValueRange((0, 255))
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def augment(self, images):
        batch = ops.shape(images)[0]
        sign = random_sign(self.uniform((batch, 1, 1), 0.0, 1.0))
        turn = ops.multiply(ops.multiply(sign, self.uniform((batch, 1, 1), *self.factor)), 0.5)
        hsv = ops.image.rgb_to_hsv(rescaled(images, self.value_range, (0.0, 1.0)))
        hue, saturation, value = channels_last_planes(hsv)
        hue = ops.add(hue, turn)
        hue = ops.where(ops.greater(hue, 1.0), ops.subtract(hue, 1.0), hue)
        hue = ops.where(ops.less(hue, 0.0), ops.add(hue, 1.0), hue)
        rgb = ops.image.hsv_to_rgb(ops.stack([hue, saturation, value], axis=-1))
        return rescaled(ops.clip(rgb, 0.0, 1.0), (0.0, 1.0), self.value_range)


# PIL's smoothing filter, which RandomSharpness moves each image away from
SMOOTHING = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], "float32") / 13.0


@declare("preprocessing")
class RandomSharpness(ColorLayer):
    """Each image moved from its smoothed copy by a random 2f - 1 for f from `factor`
    (0.5 keeps it, 1 sharpens, 0 smooths), then clipped to `value_range`."""

    factor = Factor(low=0.0, high=1.0, suggested=0.5)
    value_range = ValueRange((0, 255))
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def augment(self, images):
        sharpness = ops.multiply(self.uniform((ops.shape(images)[0], 1, 1, 1), *self.factor),
                                 2.0)
        kernel = np.tile(SMOOTHING[:, :, None, None], (1, 1, ops.shape(images)[-1], 1))
        smoothed = ops.depthwise_conv(images, kernel, strides=1, padding="same")
        moved = ops.add(images, ops.multiply(ops.subtract(1.0, sharpness),
                                             ops.subtract(smoothed, images)))
        return ops.clip(moved, *self.value_range)


@declare("preprocessing")
class RandomColorJitter(ColorLayer):
    """RandomBrightness, RandomContrast, RandomSaturation and RandomHue in turn, each whose
    factor is given (None skips it), on images in `value_range`."""

    value_range = ValueRange((0, 255))
    brightness_factor = Factor(None)
    contrast_factor = Factor(None, low=0.0, high=1.0)
    saturation_factor = Factor(None)
    hue_factor = Factor(None, low=0.0, high=1.0)
    seed = Int(None)
    data_format = DataFormat(None, choices=("channels_last",))

    def configure(self):
        kinds = ((RandomBrightness, self.brightness_factor),
                 (RandomContrast, self.contrast_factor),
                 (RandomSaturation, self.saturation_factor), (RandomHue, self.hue_factor))
        # each its own stream (seed, seed + 1, ...), so one draw does not repeat another's
        self.steps = [kind(factor, value_range=self.value_range,
                           seed=None if self.seed is None else self.seed + index)
                      for index, (kind, factor) in enumerate(kinds) if factor is not None]

    @property
    def channels(self):
        """RGB where saturation or hue is jittered; else any."""
        return RGB if (self.saturation_factor, self.hue_factor) != (None, None) else None

    def build(self, input_shape):
        super().build(input_shape)
        for step in self.steps:
            step.build(input_shape)

    def augment(self, images):
        for step in self.steps:
            images = step.augment(images)
        return images


class OddSizes(Argument):
    """An odd kernel size, or a (lower, upper) pair of them (kept as the pair)."""

    type = "int_or_int_list"

    def convert(self, layer, value):
        sizes = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
        if not (len(sizes) == 2 and all(isinstance(s, (int, np.integer)) and s > 0
                                        and s % 2 == 1 for s in sizes)):
            raise self.error(layer, "must be an odd positive integer or a pair of them", value)
        return tuple(int(s) for s in sizes)


@declare("preprocessing")
class RandomGaussianBlur(ColorLayer):
    """Each image blurred with probability drawn from `factor`, by a Gaussian of
    `kernel_size` whose (vertical, horizontal) sigmas are drawn once per batch from `sigma`;
    the batch then clipped to `value_range`."""

    factor = Factor(1.0, low=0.0, high=1.0)
    kernel_size = OddSizes(3)
    sigma = Factor(1.0, low=0.0, high=1.0)
    value_range = ValueRange((0, 255))
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def augment(self, images):
        chosen = self.chosen(ops.shape(images)[0], self.factor)
        sigma = ops.add(self.uniform((2,), *self.sigma), 1e-6)
        blurred = ops.image.gaussian_blur(images, self.kernel_size, sigma)
        return ops.clip(ops.where(chosen, blurred, images), *self.value_range)


@declare("preprocessing")
class AutoContrast(Layer):
    """Each channel of each image stretched so that its lowest value becomes the bottom of
    `value_range` and its highest the top (a constant channel is kept); at inference too."""

    value_range = ValueRange((0, 255))

    def build(self, input_shape):
        check_rank(self, input_shape, 4)

    def call(self, inputs):
        images = ops.cast(inputs, self.dtype)
        low = ops.min(images, axis=(1, 2), keepdims=True)
        span = ops.subtract(ops.max(images, axis=(1, 2), keepdims=True), low)
        flat = ops.equal(span, 0.0)
        ratio = ops.divide(ops.subtract(images, low), ops.where(flat, 1.0, span))
        bottom, top = self.value_range
        stretched = ops.add(ops.multiply(ops.clip(ratio, 0.0, 1.0), top - bottom), bottom)
        return ops.where(flat, images, stretched)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 4)
        return input_shape


@declare("preprocessing")
class Equalization(RandomImageLayer):
    """While training, each channel's histogram (of `bins` bins on [0, 255], over the whole
    batch) equalized: each value mapped to its bin's share of the cumulative count. The
    identity at inference, as Keras's."""

    value_range = ValueRange((0, 255))
    bins = Int(256, minimum=2)
    data_format = DataFormat(None, choices=("channels_last",))

    def build(self, input_shape):
        check_rank(self, input_shape, 4)  # nothing is drawn: no seed state

    def augment(self, images):
        pixels = rescaled(images, self.value_range, PIXELS)
        channels = [self.equalized(ops.getitem(pixels, (Ellipsis, k)))
                    for k in range(ops.shape(images)[-1])]
        return rescaled(ops.stack(channels, axis=-1), PIXELS, self.value_range)

    def equalized(self, channel):
        """One channel (on [0, 255]) through its cumulative histogram's lookup table."""
        bins = self.bins
        binned = ops.clip(ops.cast(ops.multiply(channel, (bins - 1) / 255.0), "int32"),
                          0, bins - 1)
        counts = ops.bincount(ops.reshape(binned, (-1,)), minlength=bins)
        cumulative = ops.cast(ops.cumsum(counts), "float32")
        lowest = ops.take(cumulative, ops.argmax(ops.cast(ops.greater(cumulative, 0.0), "int32")))
        total = ops.subtract(ops.take(cumulative, bins - 1), lowest)
        table = ops.divide(ops.multiply(ops.subtract(cumulative, lowest), 255.0),
                           ops.where(ops.equal(total, 0.0), 1.0, total))
        table = ops.clip(ops.round(table), 0.0, 255.0)
        index = ops.cast(ops.clip(ops.multiply(channel, (bins - 1) / 255.0), 0, bins - 1),
                         "int32")
        mapped = ops.cast(ops.take(table, index), self.dtype)
        used = ops.sum(ops.cast(ops.greater(counts, 0), "int32"))
        return ops.where(ops.less_equal(used, 1), channel, mapped)


# ---------------------------------------------------------------------------------- exports
# The random layers pass images through at inference (the comment is kept short: these
# layers' names are long).
def identity_to_torch(step, torch):
    return torch.Emitted([], torch.assign(step, f"{step.args[0]}  # identity at inference"))


def identity_to_arrays(step, code):
    return code.assign(step, f"{step.args[0]}  # identity at inference")


def auto_contrast_statements(x, out, value_range, functions, lines) -> list:
    """AutoContrast as short statements on `x` giving `out`, in an array library whose
    names are `functions` (min, max, where, clip, ...); `lines(head, arguments)` writes a
    call wrapped to the line length."""
    f, (bottom, top) = functions, value_range
    axes = [f"{f['axis']}=(1, 2)", f"{f['keep']}=True"]
    return [*lines(f"{out}_x = {f['float']}", [x, f["float32"]]),
            *lines(f"{out}_low = {f['min']}", [f"{out}_x", *axes]),
            *lines(f"{out}_high = {f['max']}", [f"{out}_x", *axes]),
            *lines(f"{out}_span = {f['subtract']}", [f"{out}_high", f"{out}_low"]),
            *lines(f"{out}_flat = {f['equal']}", [f"{out}_span", "0.0"]),
            *lines(f"{out}_span = {f['where']}", [f"{out}_flat", "1.0", f"{out}_span"]),
            *lines(f"{out}_ratio = {f['subtract']}", [f"{out}_x", f"{out}_low"]),
            *lines(f"{out}_ratio = {f['clip']}", [f"{out}_ratio / {out}_span", "0.0", "1.0"]),
            *lines(f"{out} = {f['where']}", [f"{out}_flat", f"{out}_x",
                                              f"{out}_ratio * {top - bottom!r} + {bottom!r}"])]


# Each library's names of what AutoContrast computes with
ARRAY_FUNCTIONS = {
    "torch": {"float": "torch.as_tensor", "float32": "dtype=torch.float32",
              "min": "torch.amin", "max": "torch.amax", "axis": "dim", "keep": "keepdim",
              "subtract": "torch.sub", "equal": "torch.eq", "where": "torch.where",
              "clip": "torch.clamp"},
    "JAX": {"float": "jnp.asarray", "float32": "jnp.float32", "min": "jnp.min",
            "max": "jnp.max", "axis": "axis", "keep": "keepdims", "subtract": "jnp.subtract",
            "equal": "jnp.equal", "where": "jnp.where", "clip": "jnp.clip"},
    "TensorFlow": {"float": "tf.cast", "float32": "tf.float32", "min": "tf.reduce_min",
                   "max": "tf.reduce_max", "axis": "axis", "keep": "keepdims",
                   "subtract": "tf.subtract", "equal": "tf.equal", "where": "tf.where",
                   "clip": "tf.clip_by_value"},
}


def auto_contrast_to_torch(step, torch):
    return torch.Emitted([], auto_contrast_statements(
        step.args[0], step.outputs[0], step.layer.value_range, ARRAY_FUNCTIONS["torch"],
        torch.lines))


def auto_contrast_to_arrays(step, code):
    return auto_contrast_statements(step.args[0], step.outputs[0], step.layer.value_range,
                                    ARRAY_FUNCTIONS[code.dialect.framework], code.lines)


def auto_contrast_to_onnx(b, step, onnx):
    layer, name = step.layer, step.name
    bottom, top = layer.value_range
    x = b.op("Cast", [step.args[0]], f"{name}/cast", to=1)  # 1: FLOAT
    low = b.op("ReduceMin", [x], f"{name}/low", axes=[1, 2], keepdims=1)
    high = b.op("ReduceMax", [x], f"{name}/high", axes=[1, 2], keepdims=1)
    span = b.op("Sub", [high, low], f"{name}/span")
    zero, one = (b.constant(f"{name}/{label}", np.float32(v))
                 for label, v in (("zero", 0.0), ("one", 1.0)))
    flat = b.op("Equal", [span, zero], f"{name}/flat")
    ratio = b.op("Div", [b.op("Sub", [x, low], f"{name}/shifted"),
                         b.op("Where", [flat, one, span], f"{name}/divisor")], f"{name}/ratio")
    ratio = b.op("Clip", [ratio, zero, one], f"{name}/clip")
    scaled = b.op("Mul", [ratio, b.constant(f"{name}/width", np.float32(top - bottom))],
                  f"{name}/scaled")
    stretched = b.op("Add", [scaled, b.constant(f"{name}/bottom", np.float32(bottom))],
                     f"{name}/stretched")
    return [b.op("Where", [flat, x, stretched], name)]


exports(AutoContrast, torch=auto_contrast_to_torch, arrays=auto_contrast_to_arrays,
        onnx=auto_contrast_to_onnx)
exports(RandomGrayscale, RandomInvert, Solarization, RandomPosterization,
        RandomColorDegeneration, RandomSaturation, RandomHue, RandomSharpness,
        RandomColorJitter, RandomGaussianBlur, Equalization, torch=identity_to_torch,
        arrays=identity_to_arrays, onnx=identity_to_onnx)
