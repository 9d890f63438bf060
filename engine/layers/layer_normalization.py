"""LayerNormalization: normalise each sample over its feature axes."""

from __future__ import annotations

import numbers

from engine import initializers, ops
from engine.errors import LayerConfigError
from engine.layers.layer import Layer


class LayerNormalization(Layer):
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta, with per-sample statistics.

    The statistics are taken over `axis` (an int or a list of ints); gamma and beta have the
    sizes of those axes.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes
        ):
            raise LayerConfigError(
                f"LayerNormalization: `axis` must be an int or a list of ints, got {axis!r}."
            )
        self.axis = [int(a) for a in axes] if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        if self.epsilon <= 0:
            raise LayerConfigError(f"LayerNormalization: `epsilon` must be > 0, got {epsilon!r}.")
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.check(beta_initializer)
        self.gamma_initializer = initializers.check(gamma_initializer)

    def build(self, input_shape):
        axes = self._axes(input_shape)
        features = tuple(input_shape[a] for a in axes)
        if None in features:
            raise self.shape_error(f"needs known sizes along axis {self.axis}.", input_shape)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=features, initializer=self.gamma_initializer, name="gamma")
        if self.center:
            self.beta = self.add_weight(
                shape=features, initializer=self.beta_initializer, name="beta")

    def call(self, inputs):
        axes = self._axes(ops.shape(inputs))
        return ops.layer_norm(inputs, axes, self.epsilon, self.gamma, self.beta)

    def _axes(self, shape):
        """The normalised axes as sorted non-negative ints, or a shape error."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if not all(-len(shape) <= a < len(shape) for a in axes):
            raise self.shape_error(
                f"axis={self.axis} is out of range for inputs of rank {len(shape)}.", shape
            )
        return tuple(sorted({a % len(shape) for a in axes}))

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return input_shape

    def check_input_shapes(self, input_shape):
        """The sizes along `axis` must stay those the weights were made for."""
        weight = self.gamma if self.gamma is not None else self.beta
        axes = self._axes(input_shape)
        if weight is not None and tuple(input_shape[a] for a in axes) != weight.shape:
            raise self.shape_error(
                f"was built for sizes {weight.shape} along axis {self.axis}; these inputs have "
                f"{tuple(input_shape[a] for a in axes)}.",
                input_shape,
            )

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": self.beta_initializer,
                "gamma_initializer": self.gamma_initializer}
