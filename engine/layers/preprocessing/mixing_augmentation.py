"""Random augmentation that mixes or erases regions while training, as Keras 3's layers:
MixUp (images blended with others of the batch), CutMix (a box pasted from another image of
the batch) and RandomErasing (a box filled with noise or a value).

Each is the identity at inference. MixUp and CutMix, given {"images": ..., "labels": ...} as
Keras's are, mix the labels in the same proportions (eagerly: a functional graph takes
tensors).
"""

from __future__ import annotations

import numpy as np

from engine import ops
from engine import random as engine_random
from engine.layers.declaration import Argument, Float, Int, declare, exports
from engine.layers.pooling import DataFormat
from engine.layers.preprocessing.augmentation import (
    Factor,
    RandomImageLayer,
    ValueRange,
    identity_to_onnx,
)
from engine.layers.preprocessing.color_augmentation import identity_to_arrays, identity_to_torch
from engine.layers.preprocessing.numerical import is_number


class BoxLayer(RandomImageLayer):
    """A layer that draws one box per image (as Keras's CutMix and RandomErasing do)."""

    def box_mask(self, images, width_ratio, height_ratio):
        """(batch, height, width, 1) booleans: a box of `width_ratio` and `height_ratio`
        (each (batch,)) of the image's sides, at a random place within it."""
        batch, height, width, _ = ops.shape(images)
        columns = self.span(batch, width, width_ratio, np.arange(width, dtype="float32"))
        rows = self.span(batch, height, height_ratio, np.arange(height, dtype="float32"))
        return ops.logical_and(ops.expand_dims(rows, 2), ops.expand_dims(columns, 1))

    def span(self, batch, length, ratio, positions):
        """(batch, length, 1) booleans: the positions in [start, start + ratio * length) for
        a random start that keeps the span inside."""
        extent = ops.multiply(ratio, float(length))
        start = ops.multiply(self.uniform((batch,), 0.0, 1.0), ops.subtract(length, extent))
        start, end = ops.expand_dims(start, 1), ops.expand_dims(ops.add(start, extent), 1)
        inside = ops.logical_and(ops.greater_equal(positions, start), ops.less(positions, end))
        return ops.expand_dims(inside, -1)

    def beta(self, batch, alpha):
        """(batch,) draws from Beta(alpha, alpha)."""
        return engine_random.beta((batch,), alpha, alpha, seed=self.next_seed(self.seed_state))

    def permutation(self, batch):
        """A random order of the batch's images."""
        return engine_random.shuffle(ops.arange(batch), seed=self.next_seed(self.seed_state))


class MixingLayer(BoxLayer):
    """Mixes each image with another of the batch; given {"images": ..., "labels": ...}
    (as Keras's takes them, eagerly), it mixes the labels in the same proportion."""

    def build(self, input_shape):
        super().build(input_shape["images"] if isinstance(input_shape, dict) else input_shape)

    def call(self, inputs, training=True):
        if not isinstance(inputs, dict):
            return super().call(inputs, training)
        images = ops.cast(inputs["images"], self.dtype)
        if not training:
            return {**inputs, "images": images}
        images, order, weight = self.mix(images)
        mixed = {**inputs, "images": images}
        if "labels" in inputs:
            labels = ops.cast(inputs["labels"], self.dtype)
            weight = ops.reshape(weight, (-1, 1))
            mixed["labels"] = ops.add(ops.multiply(weight, labels), ops.multiply(
                ops.subtract(1.0, weight), ops.take(labels, order, axis=0)))
        return mixed

    def augment(self, images):
        return self.mix(images)[0]

    def mix(self, images) -> tuple:
        """(the mixed images, the order of the images mixed in, (batch,) the share of each
        image's own label)."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            super().compute_output_shape(input_shape["images"])
            return dict(input_shape)
        return super().compute_output_shape(input_shape)


@declare("preprocessing")
class MixUp(MixingLayer):
    """Each image blended with another of the batch (a random permutation): w x + (1 - w)
    x', with w drawn from Beta(alpha, alpha)."""

    alpha = Float(0.2, minimum=0.0, above=True)
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def mix(self, images):
        batch = ops.shape(images)[0]
        order = self.permutation(batch)
        weight = self.beta(batch, self.alpha)
        others = ops.take(images, order, axis=0)
        share = ops.reshape(weight, (batch, 1, 1, 1))
        mixed = ops.add(ops.multiply(share, images),
                        ops.multiply(ops.subtract(1.0, share), others))
        return mixed, order, weight


@declare("preprocessing")
class CutMix(MixingLayer):
    """Into each image, a box cut from the same place of another image of the batch (a
    random permutation); the box's sides are sqrt(1 - w) of the image's, w drawn from
    Beta(a, a) with a drawn from `factor` once per batch, and w the share of the image's own
    label."""

    factor = Factor(1.0, low=0.0, high=1.0)
    seed = Int(None)
    data_format = DataFormat(None, choices=("channels_last",))

    def mix(self, images):
        batch = ops.shape(images)[0]
        alpha = ops.add(self.uniform((), *self.factor), 1e-6)
        weight = self.beta(batch, alpha)
        ratio = ops.sqrt(ops.subtract(1.0, weight))
        inside = self.box_mask(images, ratio, ratio)
        order = self.permutation(batch)
        return ops.where(inside, ops.take(images, order, axis=0), images), order, weight


class FillValue(Argument):
    """None (Gaussian noise scaled by the top of the value range), a number, or one number
    per channel (three)."""

    type = "float"

    def convert(self, layer, value):
        if is_number(value) and not isinstance(value, bool):
            return float(value)
        if (isinstance(value, (tuple, list)) and len(value) == 3
                and all(is_number(v) and not isinstance(v, bool) for v in value)):
            return tuple(float(v) for v in value)
        raise self.error(layer, "must be None, a number or a list of three numbers", value)


@declare("preprocessing")
class RandomErasing(BoxLayer):
    """With a probability drawn from `factor`, a box of each image (its sides sqrt of
    fractions drawn from `scale`) filled with `fill_value`, or where that is None with
    Gaussian noise times the top of `value_range`, clipped to `value_range`."""

    factor = Factor(1.0, low=0.0, high=1.0)
    scale = Factor((0.02, 0.33), low=0.0, high=1.0)
    fill_value = FillValue(None)
    value_range = ValueRange((0, 255))
    seed = Int(None)
    data_format = DataFormat(None, choices=("channels_last",))

    def build(self, input_shape):
        super().build(input_shape)
        if isinstance(self.fill_value, tuple) and input_shape[-1] != 3:
            raise self.shape_error("has one `fill_value` per channel (three) but the images "
                                   "have another number; give one fill_value for all.",
                                   tuple(input_shape))

    def augment(self, images):
        batch = ops.shape(images)[0]
        sides = ops.sqrt(self.uniform((batch, 2), *self.scale))
        inside = self.box_mask(images, ops.getitem(sides, (slice(None), 0)),
                               ops.getitem(sides, (slice(None), 1)))
        probability = self.uniform((batch,), *self.factor)
        chosen = ops.less(self.uniform((batch,), 0.0, 1.0), probability)
        return ops.where(ops.logical_and(inside, ops.reshape(chosen, (batch, 1, 1, 1))),
                         self.fill(images), images)

    def fill(self, images):
        """What the box is filled with, clipped to the value range."""
        low, high = self.value_range
        if self.fill_value is None:
            noise = ops.random_normal(ops.shape(images), self.next_seed(self.seed_state),
                                      dtype=self.dtype)
            return ops.clip(ops.multiply(noise, high), low, high)
        return ops.clip(ops.convert(np.asarray(self.fill_value, dtype="float32")), low, high)


exports(MixUp, CutMix, RandomErasing, torch=identity_to_torch, arrays=identity_to_arrays,
        onnx=identity_to_onnx)
