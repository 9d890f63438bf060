"""ReversibleEmbedding: an Embedding that also projects vectors back onto its vocabulary, as
Keras 3's keras.layers.ReversibleEmbedding (a language model's tied input and output table).

`layer(ids)` looks ids up as Embedding does; `layer(vectors, reverse=True)` gives logits
vectors @ embeddings.T (or @ reverse_embeddings, a separate (output_dim, input_dim) table,
when tie_weights is False), optionally soft-capped: tanh(logits / cap) * cap. A functional
graph keeps tensors only, so reverse=True is for eager calls and subclassed models' call().
"""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.declaration import Bool, DTypeName, Float, declare, exports
from engine.layers.embedding import Embedding, to_arrays, to_onnx, to_torch, torch_weights
from engine.layers.layer import Layer


@declare("core")
class ReversibleEmbedding(Layer):
    """Embedding whose `reverse=True` call maps (..., output_dim) vectors to (...,
    input_dim) logits through the transposed table (or its own reverse table). Forwards it
    is Embedding, whose arguments and methods it shares."""

    input_dim, output_dim = Embedding.input_dim, Embedding.output_dim
    tie_weights = Bool(True)
    embeddings_initializer = Embedding.embeddings_initializer
    embeddings_regularizer = Embedding.embeddings_regularizer
    embeddings_constraint = Embedding.embeddings_constraint
    mask_zero = Embedding.mask_zero
    reverse_dtype = DTypeName(None)
    logit_soft_cap = Float(None, minimum=0.0, above=True)

    check_input_shapes = Embedding.check_input_shapes

    def build(self, input_shape):
        Embedding.build(self, input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings")

    @property
    def reverse_embeddings_initializer(self):
        """The initializer of reverse_embeddings (exports ask it of each weight): the
        table's, as Keras draws both."""
        return self.embeddings_initializer

    def call(self, inputs, reverse=False):
        if not reverse:
            return Embedding.call(self, inputs)
        kernel = (ops.transpose(self.embeddings) if self.tie_weights
                  else self.reverse_embeddings)
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel,
                                                                              self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, previous_mask):
        """Embedding's mask of ids; none for the vectors a reverse call takes."""
        if np.dtype(ops.dtype(inputs)).kind == "f":
            return None
        return Embedding.compute_mask(self, inputs, previous_mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*input_shape[:-1], self.input_dim)
        return Embedding.compute_output_shape(self, input_shape)


# A graph calls it forwards only (reverse=True is refused there): Embedding's translations,
# without the reverse table.
exports(ReversibleEmbedding, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
