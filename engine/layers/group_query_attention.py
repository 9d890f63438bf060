"""GroupQueryAttention: multi-head attention whose key and value heads serve groups of query
heads (one key head: multi-query attention; as many as the query's: multi-head)."""

from __future__ import annotations

import math

from engine import ops
from engine.errors import LayerConfigError
from engine.layers import multi_head_attention as mha
from engine.layers.declaration import (
    Bool,
    ConstraintName,
    Float,
    InitializerName,
    Int,
    Port,
    RegularizerName,
    declare,
    exports,
)
from engine.layers.layer import Layer, add_activity_losses
from engine.layers.multi_head_attention import MultiHeadAttention


@declare("attention", ports=(Port("query"), Port("value"), Port("key", optional=True)))
class GroupQueryAttention(Layer):
    """Keras 3's GroupQueryAttention over (batch, seq, features) inputs.

    Query projected to `num_query_heads` heads, key and value to `num_key_value_heads` heads,
    each of `head_dim`; query head n reads key/value head n // (num_query_heads //
    num_key_value_heads); softmax(q·k / sqrt(head_dim)) · v, projected back to the query's
    features. `sliding_window` keeps each query step to the source steps less than that far
    away; `use_gate` multiplies the heads by sigmoid(a projection of the query) first.
    Masks as MultiHeadAttention's; `return_attention_scores=True` returns (output, scores of
    shape (batch, num_query_heads, target, source)) in an eager call.
    """

    supports_masking = True  # passes its input's mask on, as Keras's does
    # Keras's class, exported as keras.layers.GroupQueryAttention (its weights file names
    # the layer's group after the class)
    keras_class = "GroupedQueryAttention"

    head_dim = Int(minimum=1, suggested=8)
    num_query_heads = Int(minimum=1, suggested=4)
    num_key_value_heads = Int(minimum=1, suggested=2)
    dropout = Float(0.0, minimum=0.0, maximum=1.0, below=True)
    use_bias = Bool(True)
    sliding_window = Int(None, minimum=1)
    flash_attention = Bool(None)
    kernel_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")
    kernel_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    activity_regularizer = RegularizerName(None)
    kernel_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)
    use_gate = Bool(False)
    seed = Int(None)

    def configure(self):
        if self.num_query_heads % self.num_key_value_heads:
            raise LayerConfigError(
                f"GroupQueryAttention: `num_query_heads` ({self.num_query_heads}) must be a "
                f"multiple of `num_key_value_heads` ({self.num_key_value_heads}).")
        if self.flash_attention and self.dropout > 0.0:
            raise LayerConfigError(
                "GroupQueryAttention: `dropout` must be 0 with flash_attention=True, as in "
                f"Keras; got dropout={self.dropout!r}. Pass flash_attention=None or False.")

    # What the MultiHeadAttention exports read (this layer exports as one whose key and
    # value heads are repeated for their query heads).
    num_heads = property(lambda self: self.num_query_heads)
    key_dim = value_dim = property(lambda self: self.head_dim)
    output_shape = None

    def build(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        heads, groups, depth = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self.query_kernel, self.query_bias = self._add_projection(
            "query", (query_shape[-1], heads, depth), (heads, depth))
        self.key_kernel, self.key_bias = self._add_projection(
            "key", (key_shape[-1], groups, depth), (groups, depth))
        if self.use_gate:
            self.gate_kernel, self.gate_bias = self._add_projection(
                "gate", (query_shape[-1], heads, depth), (heads, depth))
        self.value_kernel, self.value_bias = self._add_projection(
            "value", (value_shape[-1], groups, depth), (groups, depth))
        self.output_kernel, self.output_bias = self._add_projection(
            "attention_output", (heads, depth, query_shape[-1]), (query_shape[-1],))
        self.seed_state = self.add_seed_state(self.seed) if self.dropout > 0.0 else None

    def _add_projection(self, name, kernel_shape, bias_shape):
        kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                                 regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint, name=f"{name}/kernel")
        if not self.use_bias:
            return kernel, None
        return kernel, self.add_weight(shape=bias_shape, initializer=self.bias_initializer,
                                       regularizer=self.bias_regularizer,
                                       constraint=self.bias_constraint, name=f"{name}/bias")

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=False,
             use_causal_mask=False):
        key = value if key is None else key
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        q, k, v = (self._projected(x, part) for x, part in
                   ((query, "query"), (key, "key"), (value, "value")))
        dropout = self.dropout if training else 0.0
        seed = self.next_seed(self.seed_state) if dropout > 0.0 else None
        scale = 1.0 / math.sqrt(self.head_dim)
        mask = None if mask is None else ops.expand_dims(mask, 1)  # one for every head
        scores = None
        if return_attention_scores or self.dropout > 0.0:
            heads, scores = self._explicit_attention(q, k, v, mask, scale, dropout, seed)
        else:  # Keras's fused path: a target step with no source left attends evenly
            heads = ops.dot_product_attention(q, k, v, mask=mask, scale=scale)
        if self.use_gate:
            heads = ops.multiply(heads, self._projected(query, "gate"))
        output = self._projected(heads, "output")
        return (output, scores) if return_attention_scores else output

    def _projected(self, x, part):
        """x through one of Keras's projections (EinsumDense layers there), whose outputs
        each the activity regularizer penalises, beside the layer's own output."""
        kernel, bias = getattr(self, f"{part}_kernel"), getattr(self, f"{part}_bias")
        y = MultiHeadAttention._project(x, kernel, bias, 2 if part == "output" else 1)
        return add_activity_losses(self, ops.sigmoid(y) if part == "gate" else y)

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        causal):
        """MultiHeadAttention's mask, and the sliding window's: |target - source| < window."""
        mask = MultiHeadAttention._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, causal)
        if self.sliding_window is None:
            return mask
        target, source = ops.arange(ops.shape(query)[1]), ops.arange(ops.shape(value)[1])
        distance = ops.abs(ops.subtract(ops.expand_dims(target, 1), ops.expand_dims(source, 0)))
        window = ops.expand_dims(ops.less(distance, self.sliding_window), 0)
        return window if mask is None else ops.logical_and(mask, window)

    def _explicit_attention(self, q, k, v, mask, scale, dropout, seed):
        """Keras's softmax-layer path: the weights are returned, and are 0 where `mask` is
        False; each key/value head repeated for the query heads it serves."""
        repeats = self.num_query_heads // self.num_key_value_heads
        k, v = (ops.repeat(x, repeats, axis=2) for x in (k, v))
        logits = ops.einsum("bthk,bshk->bhts", ops.multiply(q, scale), k)
        if mask is not None:
            logits = ops.where(mask, logits, -1e9)
        weights = ops.softmax(logits, axis=-1)
        if mask is not None:
            weights = ops.where(mask, weights, 0.0)
        dropped = weights
        if dropout > 0.0:
            noise = ops.random_uniform(ops.shape(weights), seed, dtype=ops.dtype(weights))
            keep = ops.cast(ops.greater_equal(noise, dropout), ops.dtype(weights))
            dropped = ops.multiply(weights, ops.multiply(keep, 1.0 / (1.0 - dropout)))
        return ops.einsum("bhts,bshk->bthk", dropped, v), weights

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape)
        return tuple(query_shape)

    def check_input_shapes(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape)
        for name, shape, kernel in (("query", query_shape, self.query_kernel),
                                    ("value", value_shape, self.value_kernel),
                                    ("key", key_shape or value_shape, self.key_kernel)):
            if shape[-1] != kernel.shape[0]:
                raise self.shape_error(
                    f"was built for a {name} with last axis {kernel.shape[0]} and cannot take "
                    f"one of shape {tuple(shape)}; make a new layer for inputs of that size.")

    def _check_shapes(self, query_shape, value_shape, key_shape):
        MultiHeadAttention._check_shapes(self, query_shape, value_shape, key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise self.shape_error(
                "needs a value with the query's features (Keras's rule), got query "
                f"{tuple(query_shape)} and value {tuple(value_shape)}.")


# ---------------------------------------------------------------------------------- exports
def _check_translatable(layer):
    """Exports compute as MultiHeadAttention: without a gate and a sliding window."""
    if layer.use_gate or layer.sliding_window is not None:
        from engine.export.errors import ExportError

        raise ExportError(
            f"Layer {layer.name!r} (GroupQueryAttention) with use_gate or sliding_window is "
            "not translated yet; export it without them.")


def _repeated_weights(step, toolkit) -> dict:
    """The layer's weights by key, each key/value head repeated for its query heads: those of
    the MultiHeadAttention it computes as."""
    layer = step.layer
    _check_translatable(layer)
    repeats = layer.num_query_heads // layer.num_key_value_heads
    weights = dict(toolkit.named_weights(layer))
    for key in ("key_kernel", "key_bias", "value_kernel", "value_bias"):
        if key in weights:
            axis = 1 if key.endswith("kernel") else 0
            weights[key] = weights[key].repeat(repeats, axis=axis)
    return weights


def to_torch(step, torch):
    _check_translatable(step.layer)
    return mha.to_torch(step, torch)


def torch_weights(step, torch):
    return mha.torch_weights(step, torch, _repeated_weights(step, torch))


def to_arrays(step, code):
    """MultiHeadAttention's helper, given the parameters with key and value heads repeated
    (built in the output's name first)."""
    layer, output = step.layer, step.outputs[0]
    _check_translatable(layer)
    repeats = layer.num_query_heads // layer.num_key_value_heads
    repeat = code.template("repeat", x="", times="", axis="").split("(")[0]  # jnp.repeat
    lines = [f"{code.indent}{output} = dict({code.params(step)})"]
    for key in ("key_kernel", "key_bias", "value_kernel", "value_bias"):
        if layer.use_bias or key.endswith("kernel"):
            read = f"{output}[{code.literal(key)}]"
            axis = 1 if key.endswith("kernel") else 0
            lines += code.lines(f"{read} = {repeat}", [read, str(repeats), f"axis={axis}"])
    return lines + code.call(step, "apply_multi_head_attention", [output, *step.args])


def to_onnx(b, step, onnx):
    return mha.to_onnx(b, step, onnx, _repeated_weights(step, onnx))


exports(GroupQueryAttention, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
