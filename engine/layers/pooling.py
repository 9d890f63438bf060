"""2-D pooling over (batch, height, width, channels): max, average, and global average."""

from __future__ import annotations

from engine import ops
from engine.layers.arguments import choice, int_tuple
from engine.layers.layer import Layer
from engine.layers.windows import PADDINGS, check_rank, spatial_output_shape


class Pooling2D(Layer):
    """A window of `pool_size` moved by `strides` (pool_size when None) reduced to one value."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        self.pool_size = int_tuple(layer, "pool_size", pool_size, 2)
        strides = self.pool_size if strides is None else strides
        self.strides = int_tuple(layer, "strides", strides, 2)
        self.padding = choice(layer, "padding", padding, PADDINGS)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 4)
        spatial = spatial_output_shape(self, input_shape, self.pool_size, self.strides,
                                       self.padding, (1, 1), "pool")
        return (input_shape[0], *spatial, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


class MaxPooling2D(Pooling2D):
    """The largest value of each window."""

    def call(self, inputs):
        return ops.max_pool(inputs, self.pool_size, self.strides, self.padding)


class AveragePooling2D(Pooling2D):
    """The mean of each window; with padding="same" the padded cells are left out."""

    def call(self, inputs):
        return ops.avg_pool(inputs, self.pool_size, self.strides, self.padding)


class GlobalAveragePooling2D(Layer):
    """The mean over height and width: (batch, channels), or (batch, 1, 1, channels)."""

    def __init__(self, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = bool(keepdims)

    def call(self, inputs):
        return ops.mean(inputs, axis=(1, 2), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 4)
        if self.keepdims:
            return (input_shape[0], 1, 1, input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}
