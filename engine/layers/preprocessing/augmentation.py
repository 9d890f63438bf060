"""Random image augmentation while training, as Keras 3's layers: flips, rotations, zooms,
translations, contrast, brightness and crops of channels-last image batches.

Each draws one transformation per image from its seed state (reproducible with `seed`, as
Dropout's masks are; the draws are the engine's own, not Keras's) and is the identity at
inference, except RandomCrop, which then crops to the target's aspect ratio and resizes.
Like Keras's, these layers train when called directly (training defaults to True); models
call them with training=False in predict and evaluate.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import numpy as np

from engine import ops
from engine.backend.images import FILL_MODES, INTERPOLATIONS
from engine.layers.declaration import Argument, Choice, Float, Int, declare, exports
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat
from engine.layers.preprocessing import images as image_layers
from engine.layers.preprocessing.numerical import is_number
from engine.layers.windows import check_rank


@dataclasses.dataclass
class Factor(Argument):
    """A number f, or a (lower, upper) pair, each within [low, high]. With `as_range`, kept
    as Keras keeps it: the pair (sorted), f meaning (max(-|f|, low), |f|); else as given."""

    low: float = -1.0
    high: float = 1.0
    as_range: bool = True
    type: ClassVar[str] = "float"

    def convert(self, layer, value):
        pair = isinstance(value, (tuple, list)) and len(value) == 2
        values = tuple(value) if pair else (value,)
        if not all(is_number(v) and self.low <= v <= self.high for v in values):
            raise self.error(layer, f"must be a number or a (lower, upper) pair in "
                             f"[{self.low:g}, {self.high:g}]", value)
        if not self.as_range:
            return tuple(float(v) for v in values) if pair else float(value)
        if pair:
            return tuple(sorted(float(v) for v in values))
        return (max(-abs(float(value)), self.low), abs(float(value)))


def factor_range(value) -> tuple:
    """(lower, upper) of a zoom or translation factor: f means (-f, f)."""
    return tuple(value) if isinstance(value, tuple) else (-value, value)


class ValueRange(Argument):
    """(low, high): the values images take, to which results are clipped (kept sorted)."""

    type = "int_list"

    def convert(self, layer, value):
        if not (isinstance(value, (tuple, list)) and len(value) == 2
                and all(is_number(v) for v in value) and value[0] != value[1]):
            raise self.error(layer, "must be a (low, high) pair of different numbers", value)
        return tuple(sorted(value))


class RandomImageLayer(Layer):
    """Draws with its seed state while training (`augment`); `infer` at inference. Each
    subclass declares its arguments itself, in Keras's order (`seed` among them)."""

    def build(self, input_shape):
        check_rank(self, input_shape, 4)
        self.seed_state = self.add_seed_state(self.seed)

    def call(self, inputs, training=True):
        x = ops.cast(inputs, self.dtype)
        return self.augment(x) if training else self.infer(x)

    def infer(self, images):
        return images

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 4)
        return input_shape

    def uniform(self, shape, low, high):
        return ops.random_uniform(shape, self.next_seed(self.seed_state), minval=low,
                                  maxval=high, dtype=self.dtype)


@declare("preprocessing")
class RandomFlip(RandomImageLayer):
    """Each image flipped left-right ("horizontal"), upside down ("vertical") or either
    (each with probability 1/2)."""

    mode = Choice("horizontal_and_vertical",
                  choices=("horizontal", "vertical", "horizontal_and_vertical"))
    seed = Int(None)
    data_format = DataFormat(None, choices=("channels_last",))

    def augment(self, images):
        batch = ops.shape(images)[0]
        for axis, flips in ((2, "horizontal"), (1, "vertical")):
            if flips in self.mode:
                flip = ops.less(self.uniform((batch, 1, 1, 1), 0.0, 1.0), 0.5)
                reverse = [slice(None)] * 4
                reverse[axis] = slice(None, None, -1)
                images = ops.where(flip, ops.getitem(images, tuple(reverse)), images)
        return images


def sampling_arguments() -> tuple:
    """fill_mode, interpolation, seed, fill_value, data_format: the arguments that follow
    the factors of every affine layer, in Keras's order."""
    return (Choice("reflect", choices=FILL_MODES), Choice("bilinear", choices=INTERPOLATIONS),
            Int(None), Float(0.0), DataFormat(None, choices=("channels_last",)))


class AffineLayer(RandomImageLayer):
    """A random affine transformation per image, sampled by ops.image.affine_transform."""

    def augment(self, images):
        batch, height, width, _ = ops.shape(images)
        transform = ops.stack(self.transform(batch, height, width), axis=1)
        return ops.image.affine_transform(images, transform, self.interpolation,
                                          self.fill_mode, self.fill_value)

    def transform(self, batch, height, width) -> list:
        """[a0, a1, a2, b0, b1, b2, c0, c1], each (batch,): output (x, y) samples the input at
        (a0 x + a1 y + a2, b0 x + b1 y + b2)."""
        raise NotImplementedError


@declare("preprocessing")
class RandomRotation(AffineLayer):
    """Each image turned about its centre by a random fraction of a full turn in `factor`
    (0.1: up to 36 degrees either way)."""

    factor = Factor(suggested=0.1)
    fill_mode, interpolation, seed, fill_value, data_format = sampling_arguments()

    def transform(self, batch, height, width):
        lower, upper = self.factor
        angle = self.uniform((batch,), lower * 2 * math.pi, upper * 2 * math.pi)
        cos, sin = ops.cos(angle), ops.sin(angle)
        cx, cy = (width - 1) / 2, (height - 1) / 2
        zero = ops.multiply(angle, 0.0)
        a2 = ops.add(ops.subtract(cx, ops.multiply(cos, cx)), ops.multiply(sin, cy))
        b2 = ops.subtract(ops.subtract(cy, ops.multiply(sin, cx)), ops.multiply(cos, cy))
        return [cos, ops.negative(sin), a2, sin, cos, b2, zero, zero]


@declare("preprocessing")
class RandomZoom(AffineLayer):
    """Each image zoomed about its centre: out (showing more) by a positive factor, in by a
    negative one; 0.2 draws from [-20%, +20%]. width_factor None keeps the aspect ratio."""

    height_factor = Factor(low=-1.0, high=1.0, as_range=False, suggested=0.2)
    width_factor = Factor(None, low=-1.0, high=1.0, as_range=False)
    fill_mode, interpolation, seed, fill_value, data_format = sampling_arguments()

    def transform(self, batch, height, width):
        zoom_y = ops.add(self.uniform((batch,), *factor_range(self.height_factor)), 1.0)
        zoom_x = zoom_y if self.width_factor is None else ops.add(
            self.uniform((batch,), *factor_range(self.width_factor)), 1.0)
        zero = ops.multiply(zoom_y, 0.0)
        a2 = ops.multiply(ops.subtract(1.0, zoom_x), (width - 1) / 2)
        b2 = ops.multiply(ops.subtract(1.0, zoom_y), (height - 1) / 2)
        return [zoom_x, zero, a2, zero, zoom_y, b2, zero, zero]


@declare("preprocessing")
class RandomTranslation(AffineLayer):
    """Each image shifted by random fractions of its height and width (0.2: up to 20%
    either way)."""

    height_factor = Factor(as_range=False, suggested=0.1)
    width_factor = Factor(as_range=False, suggested=0.1)
    fill_mode, interpolation, seed, fill_value, data_format = sampling_arguments()

    def transform(self, batch, height, width):
        dy = ops.multiply(self.uniform((batch,), *factor_range(self.height_factor)), height)
        dx = ops.multiply(self.uniform((batch,), *factor_range(self.width_factor)), width)
        zero, one = ops.multiply(dx, 0.0), ops.add(ops.multiply(dx, 0.0), 1.0)
        return [one, zero, ops.negative(dx), zero, one, ops.negative(dy), zero, zero]


@declare("preprocessing")
class RandomContrast(RandomImageLayer):
    """Each image's deviations from its per-channel mean scaled by a random factor in
    [1 - lower, 1 + upper] of `factor`, then clipped to `value_range`."""

    factor = Factor(low=0.0, high=1.0, suggested=0.2)
    value_range = ValueRange((0, 255))
    seed = Int(None)

    def augment(self, images):
        lower, upper = self.factor
        scale = self.uniform((ops.shape(images)[0], 1, 1, 1), 1.0 - lower, 1.0 + upper)
        mean = ops.mean(images, axis=(1, 2), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(images, mean), scale), mean)
        return ops.clip(out, *self.value_range)


@declare("preprocessing")
class RandomBrightness(RandomImageLayer):
    """A random fraction in `factor` of the `value_range`'s width added to each image, then
    clipped to `value_range`."""

    factor = Factor(suggested=0.2)
    value_range = ValueRange((0, 255))
    seed = Int(None)

    def augment(self, images):
        lower, upper = self.factor
        low, high = self.value_range
        delta = self.uniform((ops.shape(images)[0], 1, 1, 1), lower, upper)
        return ops.clip(ops.add(images, ops.multiply(delta, high - low)), low, high)


@declare("preprocessing")
class RandomCrop(RandomImageLayer):
    """A random (height, width) window, one place for the whole batch, while training; at
    inference (and for images not larger than the window) the largest centred window of the
    target's aspect ratio, resized."""

    height = Int(minimum=1, suggested=32)
    width = Int(minimum=1, suggested=32)
    seed = Int(None)
    data_format = DataFormat(None, choices=("channels_last",))
    interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio = "bilinear", True, False

    def augment(self, images):
        height, width = ops.shape(images)[1:3]
        if height <= self.height or width <= self.width:
            return self.infer(images)
        for axis, size, window in ((1, height, self.height), (2, width, self.width)):
            start = ops.floor(self.uniform((1,), 0.0, float(size - window + 1)))
            start = ops.minimum(ops.cast(start, "int32"), size - window)
            images = ops.take(images, ops.add(start, np.arange(window, dtype="int32")),
                              axis=axis)
        return images

    def infer(self, images):
        return image_layers.resized(self, images)

    def compute_output_shape(self, input_shape):
        return image_layers.ImageLayer.compute_output_shape(self, input_shape)


# ---------------------------------------------------------------------------------- exports
def identity_to_torch(step, torch):
    why = f"{type(step.layer).__name__} passes images through at inference"
    return torch.Emitted([], torch.assign(step, f"{step.args[0]}  # {why}"))


def identity_to_arrays(step, code):
    why = f"{type(step.layer).__name__} passes images through at inference"
    return code.assign(step, f"{step.args[0]}  # {why}")


def identity_to_onnx(b, step, onnx):
    return [step.args[0]]  # the identity at inference


exports(RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast,
        RandomBrightness, torch=identity_to_torch, arrays=identity_to_arrays,
        onnx=identity_to_onnx)
exports(RandomCrop, torch=image_layers.to_torch, arrays=image_layers.to_arrays,
        onnx=image_layers.to_onnx)
