"""Regularization layers besides Dropout: spatial dropout, Gaussian noise and dropout, alpha
dropout (random while training, the identity at inference), and ActivityRegularization (the
identity that adds a penalty on its inputs to the losses)."""

from __future__ import annotations

import math

from engine import ops, random, regularizers
from engine.layers.declaration import Float, Int, Sizes, declare, exports
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat

# SELU's constants: AlphaDropout keeps a SELU network's mean and variance
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class RandomRegularization(Layer):
    """A layer that draws only while training, from a seed state made at build; the
    identity at inference or when it has nothing to draw (`active` False)."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    def build(self, input_shape):
        self.seed_state = self.add_seed_state(self.seed)

    def call(self, inputs, training=False):
        if not training or not self.active:
            return inputs
        return self.draw(inputs, self.next_seed(self.seed_state))

    @property
    def active(self) -> bool:
        return self.rate > 0

    def compute_output_shape(self, input_shape):
        return input_shape


class SpatialDropout(RandomRegularization):
    """Dropout of whole channels: one draw per sample and channel, shared by every position
    of (batch, *spatial, channels)."""

    rank: int
    rate = Float(minimum=0.0, maximum=1.0, below=True, suggested=0.5)
    seed = Int(None)

    def get_config(self) -> dict:
        """Keras's: without `trainable`, which its spatial dropout layers do not take."""
        config = super().get_config()
        del config["trainable"]
        return config

    def draw(self, inputs, seed):
        shape = ops.shape(inputs)
        return random.dropout(inputs, self.rate, (shape[0], *(1,) * self.rank, shape[-1]), seed)

    def build(self, input_shape):
        self.check_input_shapes(input_shape)
        super().build(input_shape)

    def check_input_shapes(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise self.shape_error(
                f"expects inputs of rank {self.rank + 2}, (batch, "
                f"{'spatial, ' * self.rank}channels).", input_shape)

    def compute_output_shape(self, input_shape):
        self.check_input_shapes(input_shape)
        return input_shape


@declare("regularization")
class SpatialDropout1D(SpatialDropout):
    """Drops whole channels of (batch, steps, channels)."""

    rank = 1


@declare("regularization")
class SpatialDropout2D(SpatialDropout):
    """Drops whole channels of (batch, rows, columns, channels)."""

    rank = 2
    data_format = DataFormat(None, choices=("channels_last",), after="rate")


@declare("regularization")
class SpatialDropout3D(SpatialDropout):
    """Drops whole channels of (batch, depth, rows, columns, channels)."""

    rank = 3
    data_format = DataFormat(None, choices=("channels_last",), after="rate")


@declare("regularization")
class GaussianNoise(RandomRegularization):
    """inputs + normal noise of `stddev` while training."""

    stddev = Float(minimum=0.0, maximum=1.0, suggested=0.1)
    seed = Int(None)

    @property
    def active(self) -> bool:
        return self.stddev > 0

    def draw(self, inputs, seed):
        return ops.add(inputs, random.normal(ops.shape(inputs), 0.0, self.stddev,
                                             ops.dtype(inputs), seed))


@declare("regularization")
class GaussianDropout(RandomRegularization):
    """inputs * normal noise of mean 1 and stddev sqrt(rate / (1 - rate)) while training."""

    rate = Float(minimum=0.0, maximum=1.0, below=True, suggested=0.1)
    seed = Int(None)

    def draw(self, inputs, seed):
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return ops.multiply(inputs, random.normal(ops.shape(inputs), 1.0, stddev,
                                                  ops.dtype(inputs), seed))


@declare("regularization")
class AlphaDropout(RandomRegularization):
    """Dropout for SELU networks: dropped values become SELU's negative saturation, and an
    affine map keeps the mean and variance. `noise_shape` (None: the inputs' size) shares a
    draw along axes of size 1."""

    rate = Float(minimum=0.0, maximum=1.0, below=True, suggested=0.1)
    noise_shape = Sizes(None, unknown=True)
    seed = Int(None)

    def build(self, input_shape):
        self.check_input_shapes(input_shape)
        super().build(input_shape)

    def check_input_shapes(self, input_shape):
        if self.noise_shape is not None and len(self.noise_shape) != len(input_shape):
            raise self.shape_error(
                f"has noise_shape={self.noise_shape}, which needs inputs of rank "
                f"{len(self.noise_shape)}.", input_shape)

    def draw(self, inputs, seed):
        shape = ops.shape(inputs)
        noise_shape = shape if self.noise_shape is None else tuple(
            size if given is None else given for given, size in zip(self.noise_shape, shape))
        dtype = ops.dtype(inputs)
        kept = ops.cast(ops.greater_equal(random.uniform(noise_shape, seed=seed), self.rate),
                        dtype)
        saturation = -SELU_ALPHA * SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * saturation**2)) ** -0.5
        b = -a * saturation * self.rate
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(ops.subtract(1.0, kept), saturation))
        return ops.add(ops.multiply(x, a), b)


@declare("regularization")
class ActivityRegularization(Layer):
    """The identity, adding l1 * sum(|x|) + l2 * sum(x ** 2) of its inputs (divided by the
    batch size) to the losses."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    l1 = Float(0.0, minimum=0.0)
    l2 = Float(0.0, minimum=0.0)

    def configure(self):
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)

    def get_config(self) -> dict:
        """Keras's: l1 and l2, not the regularizer they make."""
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    return torch.Emitted([], torch.assign(step, f"{step.args[0]}  # identity at inference"))


def to_arrays(step, code):
    return code.assign(step, f"{step.args[0]}  # identity at inference")


def to_onnx(b, step, onnx):
    return [step.args[0]]  # the identity at inference


exports(SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, GaussianNoise, GaussianDropout,
        AlphaDropout, ActivityRegularization, torch=to_torch, arrays=to_arrays, onnx=to_onnx)
