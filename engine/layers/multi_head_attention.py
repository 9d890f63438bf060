"""MultiHeadAttention: scaled dot-product attention over several learned projections."""

from __future__ import annotations

import functools
import math

import numpy as np

from engine import ops
from engine.layers.declaration import (
    Axes,
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


class OutputSize(Int):
    """The output's feature size: None (the query's) or one positive int; Keras also takes
    (n,). Multi-axis outputs are not supported."""

    def convert(self, layer, value):
        if isinstance(value, (tuple, list)) and len(value) == 1:
            value = value[0]
        return super().convert(layer, value)


class SequenceAxis(Axes):
    """Only attention over axis 1 of (batch, seq, dim) inputs (Keras's default) is supported."""

    def convert(self, layer, value):
        axes = list(value) if isinstance(value, (tuple, list)) else [value]
        if axes != [1]:
            raise self.error(
                layer,
                "is not supported but for attention over the sequence axis of (batch, seq, dim) "
                "inputs: pass attention_axes=None (or 1)",
                value,
            )
        return axes


@declare("attention", ports=(Port("query"), Port("value"), Port("key", optional=True)))
class MultiHeadAttention(Layer):
    """Keras 3's MultiHeadAttention over the sequence axis of (batch, seq, dim) inputs.

    Called as `mha(query, value)` or `mha(query, value, key)`; the key defaults to the value.
    Each head projects query and key to `key_dim` and value to `value_dim`, attends with
    softmax(q·k / sqrt(key_dim)), and the heads are projected together to the output.
    """

    supports_masking = True  # passes its input's mask on, as Keras's does

    num_heads = Int(minimum=1, suggested=2)
    key_dim = Int(minimum=1, suggested=16)
    value_dim = Int(None, minimum=1)
    dropout = Float(0.0, minimum=0.0, maximum=1.0, below=True)
    use_bias = Bool(True)
    output_shape = OutputSize(None, minimum=1)
    attention_axes = SequenceAxis(None, several=True)
    kernel_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")
    kernel_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    activity_regularizer = RegularizerName(None)
    kernel_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)
    seed = Int(None)

    def configure(self):
        if self.value_dim is None:
            self.value_dim = self.key_dim

    def build(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        output_dim = self.output_shape or query_shape[-1]
        heads = self.num_heads
        self.query_kernel, self.query_bias = self._add_projection(
            "query", (query_shape[-1], heads, self.key_dim), (heads, self.key_dim))
        self.key_kernel, self.key_bias = self._add_projection(
            "key", (key_shape[-1], heads, self.key_dim), (heads, self.key_dim))
        self.value_kernel, self.value_bias = self._add_projection(
            "value", (value_shape[-1], heads, self.value_dim), (heads, self.value_dim))
        self.output_kernel, self.output_bias = self._add_projection(
            "attention_output", (heads, self.value_dim, output_dim), (output_dim,))
        if self.dropout > 0.0:
            self.seed_state = self.add_seed_state(self.seed)

    def _add_projection(self, name, kernel_shape, bias_shape):
        kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                                 name=f"{name}/kernel", regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        if not self.use_bias:
            return kernel, None
        return kernel, self.add_weight(shape=bias_shape, initializer=self.bias_initializer,
                                       name=f"{name}/bias", regularizer=self.bias_regularizer,
                                       constraint=self.bias_constraint)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, training=False, use_causal_mask=False):
        """Keras's masks: `attention_mask` (batch, target, source), True where a target step
        may attend to a source step, joined (and) with the query's, value's and key's masks
        (batch, steps; engine/layers/masks.py passes them) and a causal mask."""
        key = value if key is None else key
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        q = self._project(query, self.query_kernel, self.query_bias, 1)
        k = self._project(key, self.key_kernel, self.key_bias, 1)
        v = self._project(value, self.value_kernel, self.value_bias, 1)
        # Keras regularizes each projection's activity (the output's is the layer's own)
        q, k, v = (add_activity_losses(self, t) for t in (q, k, v))
        dropout = self.dropout if training else 0.0
        seed = self.next_seed(self.seed_state) if dropout > 0.0 else None
        scale = 1.0 / math.sqrt(self.key_dim)
        if mask is None:
            heads = ops.dot_product_attention(q, k, v, scale=scale, dropout=dropout, seed=seed)
        else:
            heads = self._masked_attention(q, k, v, mask, scale, dropout, seed)
        return self._project(heads, self.output_kernel, self.output_bias, 2)

    @staticmethod
    def _attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                        causal):
        """The (batch, target, source) bool mask of the attention weights, or None."""
        parts = [None if attention_mask is None else ops.cast(attention_mask, "bool")]
        if query_mask is not None:
            parts.append(ops.expand_dims(ops.cast(query_mask, "bool"), -1))
        for source_mask in (value_mask, key_mask):
            if source_mask is not None:
                parts.append(ops.expand_dims(ops.cast(source_mask, "bool"), -2))
        if causal:
            target, source = ops.shape(query)[1], ops.shape(value)[1]
            parts.append(ops.expand_dims(ops.greater_equal(
                ops.expand_dims(ops.arange(target), 1), ops.expand_dims(ops.arange(source), 0)),
                0))
        parts = [p for p in parts if p is not None]
        return functools.reduce(ops.logical_and, parts) if parts else None

    def _masked_attention(self, q, k, v, mask, scale, dropout, seed):
        """Attention whose weights are 0 where `mask` is False, as Keras's: a target step
        with no source left attends evenly (Keras's fused path), or, with dropout (Keras's
        softmax-layer path), not at all."""
        logits = ops.einsum("bthk,bshk->bhts", ops.multiply(q, scale), k)
        mask = ops.expand_dims(mask, 1)  # one mask for every head
        weights = ops.softmax(ops.where(mask, logits, -1e9), axis=-1)
        if self.dropout > 0.0:
            weights = ops.where(mask, weights, 0.0)
        if dropout > 0.0:
            noise = ops.random_uniform(ops.shape(weights), seed, dtype=ops.dtype(weights))
            keep = ops.cast(ops.greater_equal(noise, dropout), ops.dtype(weights))
            weights = ops.multiply(weights, ops.multiply(keep, 1.0 / (1.0 - dropout)))
        return ops.einsum("bhts,bshk->bthk", weights, v)

    @staticmethod
    def _project(x, kernel, bias, contracted):
        """x's last `contracted` axes against the kernel's first ones, plus the bias: one dense
        op on x, kernel and bias flattened to (..., n), (n, m) and (m,), then unflattened."""
        batch = ops.shape(x)[:-contracted]
        inner, outer = kernel.shape[:contracted], kernel.shape[contracted:]
        matrix = ops.reshape(kernel, (math.prod(inner), math.prod(outer)))
        bias = None if bias is None else ops.reshape(bias, (math.prod(outer),))
        y = ops.dense(ops.reshape(x, (*batch, math.prod(inner))), matrix, bias)
        return ops.reshape(y, (*batch, *outer))

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        return (*query_shape[:-1], self.output_shape or query_shape[-1])

    def check_input_shapes(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape)
        key = "key" if key_shape is not None else "key (the value, as no key was given)"
        for name, shape, kernel in (("query", query_shape, self.query_kernel),
                                    ("value", value_shape, self.value_kernel),
                                    (key, key_shape or value_shape, self.key_kernel)):
            if shape[-1] != kernel.shape[0]:
                raise self.shape_error(
                    f"was built for a {name} with last axis {kernel.shape[0]} and cannot take "
                    f"one of shape {tuple(shape)}; make a new layer for inputs of that size.",
                    _shapes(query_shape, value_shape, key_shape))

    def _check_shapes(self, query_shape, value_shape, key_shape):
        shapes = _shapes(query_shape, value_shape, key_shape)
        named = dict(zip(("query", "value", "key"), shapes))
        for name, shape in named.items():
            if len(shape) != 3 or shape[-1] is None:
                raise self.shape_error(
                    f"expects the {name} as (batch, sequence, features) with a known feature "
                    f"size, got shape {tuple(shape)}.", shapes)
        batches = {shape[0] for shape in named.values()} - {None}
        if len(batches) > 1:
            raise self.shape_error(
                f"needs one batch size for query, value and key, got {sorted(batches)}.", shapes)
        lengths = {value_shape[1], (key_shape or value_shape)[1]} - {None}
        if len(lengths) > 1:
            raise self.shape_error(
                f"needs key and value of the same sequence length, got key {tuple(key_shape)} "
                f"and value {tuple(value_shape)}.", shapes)

def _shapes(query_shape, value_shape, key_shape):
    shapes = [tuple(query_shape), tuple(value_shape)]
    return shapes if key_shape is None else [*shapes, tuple(key_shape)]


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    """The generated MultiHeadAttention module (torch's own differs in its projections)."""
    layer = step.layer
    shapes = [s[-1] for s in step.arg_shapes]
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) > 2 else value
    arguments = [f"query_features={query}", f"key_features={key}", f"value_features={value}",
                 f"num_heads={layer.num_heads}", f"key_dim={layer.key_dim}",
                 f"value_dim={layer.value_dim}", f"output_features={layer.output_shape or query}"]
    if not layer.use_bias:
        arguments.append("bias=False")
    if layer.dropout:
        arguments.append(f"dropout={layer.dropout!r}")
    init = torch.module(step, "MultiHeadAttention", arguments)
    forward = torch.lines(f"{step.outputs[0]} = self.{step.name}", step.args)
    return torch.Emitted(init, forward, ("MultiHeadAttention",))


def torch_weights(step, torch, weights=None):
    """The state_dict of the generated module, from the layer's `weights` by key (its own
    when None)."""
    w = torch.named_weights(step.layer) if weights is None else weights
    state = {}
    for part, torch_name in (("query", "query"), ("key", "key"), ("value", "value"),
                             ("attention_output", "output")):
        kernel = w[f"{part}_kernel"]
        if part == "attention_output":  # (heads, value_dim, out) -> (out, heads * value_dim)
            state[f"{torch_name}.weight"] = kernel.reshape(-1, kernel.shape[-1]).T
        else:  # (features, heads, dim) -> (heads * dim, features)
            state[f"{torch_name}.weight"] = kernel.reshape(kernel.shape[0], -1).T
        if f"{part}_bias" in w:
            state[f"{torch_name}.bias"] = w[f"{part}_bias"].reshape(-1)
    return state


def to_arrays(step, code):
    return code.call(step, "apply_multi_head_attention", [code.params(step), *step.args])


def to_onnx(b, step, onnx, weights=None):
    """Heads as (batch, heads, seq, dim) tensors: MatMul, Softmax, MatMul; from the layer's
    `weights` by key (its own when None)."""
    layer = step.layer
    w = onnx.named_weights(layer) if weights is None else weights
    query, value = step.args[0], step.args[1]
    key = step.args[2] if len(step.args) > 2 else value
    heads, name = layer.num_heads, step.name

    def project(x, part, perm):
        kernel = w[f"{part}_kernel"]
        bias = w.get(f"{part}_bias")
        y = onnx.affine(b, x, kernel.reshape(kernel.shape[0], -1),
                        None if bias is None else bias.reshape(-1), f"{name}/{part}")
        if part == "query":  # the engine scales the projected query by 1 / sqrt(key_dim)
            y = b.op("Mul", [y, b.constant(f"{name}/scale", 1.0 / math.sqrt(layer.key_dim))],
                     f"{name}/query_scaled")
        split = b.constant(f"{name}/{part}_heads", [0, 0, heads, -1], np.int64)
        y = b.op("Reshape", [y, split], f"{name}/{part}_split")
        return b.op("Transpose", [y], f"{name}/{part}_by_head", perm=perm)

    q = project(query, "query", [0, 2, 1, 3])
    k = project(key, "key", [0, 2, 3, 1])
    v = project(value, "value", [0, 2, 1, 3])
    scores = b.op("Softmax", [b.op("MatMul", [q, k], f"{name}/logits")], f"{name}/scores",
                  axis=-1)
    attended = b.op("Transpose", [b.op("MatMul", [scores, v], f"{name}/attended")],
                    f"{name}/by_time", perm=[0, 2, 1, 3])
    merged = b.op("Reshape", [attended, b.constant(f"{name}/merge", [0, 0, -1], np.int64)],
                  f"{name}/merged")
    kernel = w["attention_output_kernel"]
    return [onnx.affine(b, merged, kernel.reshape(-1, kernel.shape[-1]),
                        w.get("attention_output_bias"), f"{name}/output")]


exports(MultiHeadAttention, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
        onnx=to_onnx)
