"""MultiHeadAttention: scaled dot-product attention over several learned projections."""

from __future__ import annotations

import math

from engine import initializers, ops
from engine.errors import LayerConfigError
from engine.layers.layer import Layer


class MultiHeadAttention(Layer):
    """Keras 3's MultiHeadAttention over the sequence axis of (batch, seq, dim) inputs.

    Called as `mha(query, value)` or `mha(query, value, key)`; the key defaults to the value.
    Each head projects query and key to `key_dim` and value to `value_dim`, attends with
    softmax(q·k / sqrt(key_dim)), and the heads are projected together to the output.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = _positive_int("num_heads", num_heads)
        self.key_dim = _positive_int("key_dim", key_dim)
        self.value_dim = key_dim if value_dim is None else _positive_int("value_dim", value_dim)
        self.dropout = _rate(dropout)
        self.use_bias = bool(use_bias)
        self.output_dim = _output_dim(output_shape)
        self.attention_axes = _sequence_axis_only(attention_axes)
        self.kernel_initializer = initializers.check(kernel_initializer)
        self.bias_initializer = initializers.check(bias_initializer)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise LayerConfigError(f"MultiHeadAttention seed must be an int or None, got {seed!r}.")
        self.seed = seed

    def build(self, query_shape, value_shape, key_shape=None):
        self._check_shapes(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        output_dim = self.output_dim or query_shape[-1]
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
                                 name=f"{name}/kernel")
        if not self.use_bias:
            return kernel, None
        return kernel, self.add_weight(shape=bias_shape, initializer=self.bias_initializer,
                                             name=f"{name}/bias")

    def call(self, query, value, key=None, training=False):
        key = value if key is None else key
        q = self._project(query, self.query_kernel, self.query_bias, 1)
        k = self._project(key, self.key_kernel, self.key_bias, 1)
        v = self._project(value, self.value_kernel, self.value_bias, 1)
        dropout = self.dropout if training else 0.0
        seed = self.next_seed(self.seed_state) if dropout > 0.0 else None
        heads = ops.dot_product_attention(q, k, v, 1.0 / math.sqrt(self.key_dim), dropout, seed)
        return self._project(heads, self.output_kernel, self.output_bias, 2)

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
        return (*query_shape[:-1], self.output_dim or query_shape[-1])

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

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self.output_dim, "attention_axes": self.attention_axes,
                "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer, "seed": self.seed}


def _shapes(query_shape, value_shape, key_shape):
    shapes = [tuple(query_shape), tuple(value_shape)]
    return shapes if key_shape is None else [*shapes, tuple(key_shape)]


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LayerConfigError(f"MultiHeadAttention {name} must be a positive int, got {value!r}.")
    return value


def _rate(dropout):
    if isinstance(dropout, (int, float)) and not isinstance(dropout, bool) and 0 <= dropout < 1:
        return float(dropout)
    raise LayerConfigError(f"MultiHeadAttention dropout must be a rate in [0, 1), got {dropout!r}.")


def _output_dim(output_shape):
    """None (the query's feature size) or one positive int; Keras also allows (n,)."""
    if isinstance(output_shape, (tuple, list)) and len(output_shape) == 1:
        output_shape = output_shape[0]
    if output_shape is None:
        return None
    if isinstance(output_shape, bool) or not isinstance(output_shape, int) or output_shape <= 0:
        raise LayerConfigError(
            "MultiHeadAttention output_shape must be None or one positive int (the output "
            f"feature size), got {output_shape!r}; multi-axis outputs are not supported."
        )
    return output_shape


def _sequence_axis_only(attention_axes):
    """Only attention over axis 1 of (batch, seq, dim) inputs (Keras's default) is supported."""
    if attention_axes is None:
        return None
    axes = list(attention_axes) if isinstance(attention_axes, (tuple, list)) else [attention_axes]
    if axes != [1]:
        raise LayerConfigError(
            f"MultiHeadAttention attention_axes={attention_axes!r} is not supported: only "
            "attention over the sequence axis of (batch, seq, dim) inputs is. Pass "
            "attention_axes=None (or 1)."
        )
    return axes
