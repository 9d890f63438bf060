"""BatchNormalization: normalise each feature by batch statistics, and remember their average."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers import precision
from engine.layers.declaration import (
    Axes,
    Bool,
    ConstraintName,
    Float,
    InitializerName,
    RegularizerName,
    declare,
    exports,
)
from engine.layers.layer import Layer


@declare("normalization")
class BatchNormalization(Layer):
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta, per feature along `axis`.

    Training uses the batch's mean and (biased) variance and moves the moving statistics
    toward them: moving = moving * momentum + batch * (1 - momentum). Inference, and training
    of a frozen layer (trainable=False), use the moving statistics.
    """

    supports_masking = True  # passes its input's mask on, as Keras's does

    axis = Axes(-1)
    momentum = Float(0.99)
    epsilon = Float(1e-3, minimum=0.0, above=True)
    center = Bool(True)
    scale = Bool(True)
    beta_initializer = InitializerName("zeros")
    gamma_initializer = InitializerName("ones")
    moving_mean_initializer = InitializerName("zeros")
    moving_variance_initializer = InitializerName("ones")
    beta_regularizer = RegularizerName(None)
    gamma_regularizer = RegularizerName(None)
    beta_constraint = ConstraintName(None)
    gamma_constraint = ConstraintName(None)

    def build(self, input_shape):
        features = (input_shape[self._feature_axis(input_shape)],)
        if features[0] is None:
            raise self.shape_error(f"needs a known size along axis {self.axis}.", input_shape)
        self.gamma = self.beta = None
        # read as they are (autocast=False) even under a mixed policy: computed in float32
        if self.scale:
            self.gamma = self.add_weight(
                shape=features, initializer=self.gamma_initializer, name="gamma",
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                autocast=False)
        if self.center:
            self.beta = self.add_weight(
                shape=features, initializer=self.beta_initializer, name="beta",
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                autocast=False)
        self.moving_mean = self.add_weight(shape=features, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean", autocast=False)
        self.moving_variance = self.add_weight(shape=features,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance",
                                               autocast=False)

    def call(self, inputs, training=False):
        inputs = precision.upcast(inputs)
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
        return precision.downcast(
            self, ops.normalize_by_moments(inputs, mean, variance, self.epsilon, gamma, beta))

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


# ---------------------------------------------------------------------------------- exports
_TORCH_KINDS = {2: "nn.BatchNorm1d", 3: "nn.BatchNorm1d", 4: "nn.BatchNorm2d", 5: "nn.BatchNorm3d"}


def to_torch(step, torch):
    """torch's BatchNorm over axis 1, the layer's axis moved there and back; torch's momentum
    weighs the new batch, Keras's the moving statistics."""
    layer = step.layer
    rank = len(step.input_shape)
    axis = layer.axis % rank
    if rank not in _TORCH_KINDS:
        raise torch.ExportError(
            f"Layer {layer.name!r}: PyTorch's BatchNorm takes inputs of rank 2 to 5; this one "
            f"has shape {step.input_shape}."
        )
    arguments = [str(step.input_shape[axis]), f"eps={layer.epsilon!r}",
                 f"momentum={round(1.0 - layer.momentum, 12)!r}"]
    if not (layer.center or layer.scale):
        arguments.append("affine=False")
    init = torch.module(step, _TORCH_KINDS[rank], arguments)
    if layer.center and not layer.scale:
        init.append(torch.frozen(step, "weight", "scale=False: gamma stays 1"))
    if layer.scale and not layer.center:
        init.append(torch.frozen(step, "bias", "center=False: beta stays 0"))
    if axis == 1:
        return torch.Emitted(init, torch.chain(step, [f"self.{step.name}({{}})"]))
    wrappers = [f"{{}}.movedim({axis}, 1)", f"self.{step.name}({{}})", f"{{}}.movedim(1, {axis})"]
    return torch.Emitted(init, torch.chain(step, wrappers))


def torch_weights(step, torch):
    layer, w = step.layer, torch.named_weights(step.layer)
    size = w["moving_mean"].shape
    state = {}
    if layer.center or layer.scale:
        state["weight"] = w.get("gamma", np.ones(size, np.float32))
        state["bias"] = w.get("beta", np.zeros(size, np.float32))
    return {**state, "running_mean": w["moving_mean"], "running_var": w["moving_variance"],
            "num_batches_tracked": np.array(0, np.int64)}


def to_arrays(step, code):
    layer = step.layer
    axis = layer.axis % len(step.input_shape)
    arguments = [code.params(step), step.args[0], f"axis={axis}", f"epsilon={layer.epsilon!r}"]
    return code.call(step, "apply_batch_normalization", arguments)


def to_onnx(b, step, onnx):
    """(x - moving_mean) * gamma / sqrt(moving_variance + epsilon) + beta, the factor folded
    into one constant."""
    layer, w = step.layer, onnx.named_weights(step.layer)
    rank = len(step.input_shape)
    shape = [1] * rank
    shape[layer.axis % rank] = -1
    inverse = (1.0 / np.sqrt(w["moving_variance"] + np.float32(layer.epsilon))).astype(np.float32)
    if "gamma" in w:
        inverse = inverse * w["gamma"]
    beta = b.constant(f"{step.name}/beta", w["beta"].reshape(shape)) if "beta" in w else None
    mean = b.constant(f"{step.name}/moving_mean", w["moving_mean"].reshape(shape))
    inverse = b.constant(f"{step.name}/inverse", inverse.reshape(shape))
    return [onnx.normalize(b, step, step.args[0], mean, inverse, beta)]


exports(BatchNormalization, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
