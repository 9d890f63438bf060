"""Embedding: integer ids to rows of a learned table."""

from __future__ import annotations

from engine import ops
from engine.layers.declaration import (
    Bool,
    ConstraintName,
    InitializerName,
    Int,
    RegularizerName,
    declare,
    exports,
)
from engine.layers.layer import Layer


@declare("core")
class Embedding(Layer):
    """embeddings[ids]: ids of any shape in [0, input_dim) -> (*ids.shape, output_dim)."""

    input_dim = Int(minimum=1, suggested=1000)
    output_dim = Int(minimum=1, suggested=64)
    embeddings_initializer = InitializerName("random_uniform")
    embeddings_regularizer = RegularizerName(None)
    embeddings_constraint = ConstraintName(None)
    mask_zero = Bool(False)  # id 0 is padding: the outputs carry a mask of the other ids

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def check_input_shapes(self, input_shape):
        """The table fits ids of any shape."""

    def call(self, inputs):
        return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

    def compute_mask(self, inputs, previous_mask):
        """Where the ids are not 0, with mask_zero (engine/layers/masks.py); else none."""
        return ops.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    layer = step.layer
    init = torch.module(step, "nn.Embedding", [str(layer.input_dim), str(layer.output_dim)])
    return torch.Emitted(init, torch.assign(step, f"self.{step.name}({step.args[0]}.long())"))


def torch_weights(step, torch):
    return {"weight": torch.named_weights(step.layer)["embeddings"]}


def to_arrays(step, code):
    table = f'{code.params(step)}["embeddings"]'
    return code.chain(step, [code.template("take", table=table)])


def to_onnx(b, step, onnx):
    table = b.constant(f"{step.name}/embeddings", onnx.named_weights(step.layer)["embeddings"])
    ids = b.op("Cast", [step.args[0]], f"{step.name}/ids", to=7)  # 7: INT64
    return [b.op("Gather", [table, ids], step.name, axis=0)]


exports(Embedding, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays, onnx=to_onnx)
