"""BatchNormalization: normalise each feature by batch statistics, and remember their average."""

from __future__ import annotations

import numbers

from engine import initializers, ops
from engine.errors import LayerConfigError
from engine.layers.layer import Layer


class BatchNormalization(Layer):
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta, per feature along `axis`.

    Training uses the batch's mean and (biased) variance and moves the moving statistics
    toward them: moving = moving * momentum + batch * (1 - momentum). Inference, and training
    of a frozen layer (trainable=False), use the moving statistics.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise LayerConfigError(f"BatchNormalization: `axis` must be an int, got {axis!r}.")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        if self.epsilon <= 0:
            raise LayerConfigError(f"BatchNormalization: `epsilon` must be > 0, got {epsilon!r}.")
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.check(beta_initializer)
        self.gamma_initializer = initializers.check(gamma_initializer)
        self.moving_mean_initializer = initializers.check(moving_mean_initializer)
        self.moving_variance_initializer = initializers.check(moving_variance_initializer)

    def build(self, input_shape):
        features = (input_shape[self._feature_axis(input_shape)],)
        if features[0] is None:
            raise self.shape_error(f"needs a known size along axis {self.axis}.", input_shape)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=features, initializer=self.gamma_initializer, name="gamma")
        if self.center:
            self.beta = self.add_weight(
                shape=features, initializer=self.beta_initializer, name="beta")
        self.moving_mean = self.add_weight(shape=features, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=features,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")

    def call(self, inputs, training=False):
        shape = ops.shape(inputs)
        axis = self._feature_axis(shape)
        if training and self.trainable:
            others = tuple(a for a in range(len(shape)) if a != axis)
            mean, variance = ops.moments(inputs, axis=others)
            self._update(self.moving_mean, mean)
            self._update(self.moving_variance, variance)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        # per-feature vectors, reshaped to broadcast against inputs along `axis`
        features = tuple(-1 if a == axis else 1 for a in range(len(shape)))
        mean, variance, gamma, beta = (
            None if v is None else ops.reshape(v, features)
            for v in (mean, variance, self.gamma, self.beta)
        )
        return ops.normalize_by_moments(inputs, mean, variance, self.epsilon, gamma, beta)

    def _update(self, moving, batch):
        moving.assign(ops.add(ops.multiply(moving, self.momentum),
                              ops.multiply(batch, 1.0 - self.momentum)))

    def _feature_axis(self, shape):
        if not -len(shape) <= self.axis < len(shape):
            raise self.shape_error(
                f"axis={self.axis} is out of range for inputs of rank {len(shape)}.", shape
            )
        return self.axis % len(shape)

    def compute_output_shape(self, input_shape):
        self._feature_axis(input_shape)
        return input_shape

    def check_input_shapes(self, input_shape):
        """The size along `axis` must stay the one the weights were made for."""
        features = self.moving_mean.shape[0]
        if input_shape[self._feature_axis(input_shape)] != features:
            raise self.shape_error(
                f"was built for {features} features along axis {self.axis}; these inputs have "
                f"{input_shape[self._feature_axis(input_shape)]}.",
                input_shape,
            )

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": self.beta_initializer,
                "gamma_initializer": self.gamma_initializer,
                "moving_mean_initializer": self.moving_mean_initializer,
                "moving_variance_initializer": self.moving_variance_initializer}
