"""Random geometric augmentation while training, as Keras 3's layers: RandomShear (images
sheared along x and y) and RandomPerspective (image corners moved at random).

Like augmentation.py's affine layers, each samples its inputs through
ops.image.affine_transform (RandomPerspective through ops.image.perspective_transform) and is
the identity at inference.
"""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.backend.images import INTERPOLATIONS
from engine.layers.declaration import Choice, Float, Int, declare, exports
from engine.layers.pooling import DataFormat
from engine.layers.preprocessing.augmentation import (
    AffineLayer,
    Factor,
    RandomImageLayer,
    identity_to_onnx,
)
from engine.layers.preprocessing.color_augmentation import (
    identity_to_arrays,
    identity_to_torch,
    random_sign,
)

KERAS_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


class ShearFactor(Factor):
    """A shear: f in [0, 1] means (-f, f); a (lower, upper) pair is kept (sorted), each in
    [-1, 1] (Keras writes f as (-f, f) in its configs)."""

    def __init__(self, default=0.0, **fields):
        super().__init__(default, low=0.0, high=1.0, as_range=False, **fields)

    def convert(self, layer, value):
        if isinstance(value, (tuple, list)):
            pair = Factor(low=-1.0, high=1.0, as_range=False, name=self.name)
            return tuple(sorted(pair.convert(layer, value)))
        return super().convert(layer, value)


def shear_range(factor) -> tuple:
    """(lower, upper) of a shear factor: f means (-f, f)."""
    return factor if isinstance(factor, tuple) else (-factor, factor)


@declare("preprocessing")
class RandomShear(AffineLayer):
    """Each image sheared (about its top-left corner, as Keras's) by random factors drawn
    from `x_factor` and `y_factor`, both turned the other way for half the images."""

    x_factor = ShearFactor()
    y_factor = ShearFactor()
    interpolation = Choice("bilinear", choices=INTERPOLATIONS)
    fill_mode = Choice("reflect", choices=KERAS_FILL_MODES)
    fill_value = Float(0.0)
    data_format = DataFormat(None, choices=("channels_last",))
    seed = Int(None)

    def transform(self, batch, height, width):
        sign = random_sign(self.uniform((batch,), 0.0, 1.0))
        shear_y = ops.multiply(self.uniform((batch,), *shear_range(self.y_factor)), sign)
        shear_x = ops.multiply(self.uniform((batch,), *shear_range(self.x_factor)), sign)
        zero, one = ops.multiply(sign, 0.0), ops.add(ops.multiply(sign, 0.0), 1.0)
        return [one, shear_x, zero, shear_y, one, zero, zero, zero]


@declare("preprocessing")
class RandomPerspective(RandomImageLayer):
    """With a probability drawn from `factor`, each image warped so that its corners move
    by random fractions in [-scale / 2, scale / 2] of their own coordinates (the top-left
    corner stays); outside points read `fill_value`."""

    factor = Factor(1.0, low=0.0, high=1.0)
    scale = Float(1.0, minimum=0.0, maximum=1.0)
    interpolation = Choice("bilinear", choices=INTERPOLATIONS)
    fill_value = Float(0.0)
    seed = Int(None)
    data_format = DataFormat(None, choices=("channels_last",))

    def augment(self, images):
        batch, height, width, _ = ops.shape(images)
        probability = self.uniform((batch,), *self.factor)
        chosen = ops.less(self.uniform((batch,), 0.0, 1.0), probability)
        moves = self.uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale)
        corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]],
                           "float32")
        start = ops.add(ops.multiply(moves, 0.0), corners)
        end = ops.add(start, ops.multiply(start, moves))
        warped = ops.image.perspective_transform(images, start, end, self.interpolation,
                                                 self.fill_value)
        return ops.where(ops.reshape(chosen, (batch, 1, 1, 1)), warped, images)


exports(RandomShear, RandomPerspective, torch=identity_to_torch, arrays=identity_to_arrays,
        onnx=identity_to_onnx)
