"""SpectralNormalization: a layer's kernel divided by its largest singular value, estimated
by power iteration, as Keras 3's (Miyato et al. 2018, arXiv:1802.05957)."""

from __future__ import annotations

import dataclasses

from engine import initializers, ops
from engine.layers.declaration import Int, declare, exports, translation
from engine.layers.layer_argument import config_of
from engine.layers.wrapper import Wrapper


@declare("normalization")
class SpectralNormalization(Wrapper):
    """Keras 3's SpectralNormalization around a layer with a `kernel` (Dense, Conv*) or
    `embeddings` (Embedding). In training each call runs `power_iterations` steps from the
    non-trainable `vector_u` (1, kernel's last size), then assigns the kernel W / sigma and
    the new vector_u before running the layer; in inference the layer runs as it is."""

    power_iterations = Int(1, minimum=1)

    get_config = config_of

    def build(self, input_shape):
        super().build(input_shape)
        self.kernel = self._kernel_of(self.layer)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel.shape[-1]), trainable=False, name="vector_u",
            initializer=initializers.TruncatedNormal(stddev=0.02))

    def _kernel_of(self, layer):
        for name in ("kernel", "embeddings"):
            weight = getattr(layer, name, None)
            if weight is not None:
                return weight
        raise self.shape_error(
            f"wraps {type(layer).__name__} {layer.name!r}, which has no `kernel` nor "
            "`embeddings` weight to normalise; wrap a Dense, convolution or Embedding layer.")

    def call(self, inputs, training=False):
        if training:
            vector_u, kernel = self.normalized_weights()
            self.vector_u.assign(vector_u)
            self.kernel.assign(kernel)
        return self.layer.call(inputs, **self.layer.call_kwargs({"training": training}))

    def normalized_weights(self):
        """(the new vector_u, the kernel divided by its estimated spectral norm); an all-zero
        kernel keeps both as they are, as Keras's does."""
        width = self.kernel.shape[-1]
        weights = ops.reshape(self.kernel, (-1, width))
        vector_u = self.vector_u.value
        for _ in range(self.power_iterations):
            vector_v = ops.normalize(ops.matmul(vector_u, ops.transpose(weights)), axis=None)
            vector_u = ops.normalize(ops.matmul(vector_v, weights), axis=None)
        vector_u, vector_v = ops.stop_gradient(vector_u), ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        zero = ops.all(ops.equal(self.kernel, 0.0))
        kernel = ops.where(zero, self.kernel,
                           ops.divide(self.kernel, ops.where(zero, 1.0, sigma)))
        return ops.where(zero, self.vector_u.value, vector_u), kernel

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


# ---------------------------------------------------------------------------------- exports
# In inference the wrapper is its layer: each target gets the layer's own translation.
def _inner(target):
    def translate(*arguments):
        *before, step, toolkit = arguments
        layer = step.layer.layer
        inner = dataclasses.replace(step, layer=layer)
        return translation(type(layer).__name__, target)(*before, inner, toolkit)

    return translate


def _torch_weights(step, torch):
    translate = translation(type(step.layer.layer).__name__, "torch_weights")
    return {} if translate is None else translate(dataclasses.replace(
        step, layer=step.layer.layer), torch)


exports(SpectralNormalization, torch=_inner("torch"), torch_weights=_torch_weights,
        arrays=_inner("arrays"), onnx=_inner("onnx"))
