"""What dot_product_attention does before and around its softmax, on every backend: its
argument checks, grouped-query key heads, and the causal mask joined with the caller's."""

from __future__ import annotations

import numpy as np

_BFLOAT16_MAX = 3.3895313892515355e38  # NumPy has no bfloat16 to ask


def key_heads_for_queries(b, query, key, value, flash_attention, attn_logits_soft_cap):
    """key and value with each key head repeated for the query heads that read it (query head
    n reads key head n // group), after Keras's checks of the arguments."""
    if flash_attention:
        raise ValueError(
            "dot_product_attention: flash_attention=True is not supported; pass None or False "
            "(the same attention, computed without a fused kernel).")
    if attn_logits_soft_cap is not None:
        raise ValueError(
            "dot_product_attention: attn_logits_soft_cap is only supported by Keras on JAX "
            "with TPUs; pass attn_logits_soft_cap=None.")
    shapes = [tuple(b.shape(x)) for x in (query, key, value)]
    if any(len(shape) != 4 for shape in shapes):
        raise ValueError(
            "dot_product_attention takes query, key and value as 4-d arrays (batch, steps, "
            f"heads, depth); got shapes {shapes[0]}, {shapes[1]} and {shapes[2]}.")
    (_, _, heads, depth), key_shape, value_shape = shapes
    key_heads = key_shape[2]
    if key_shape[-1] != depth or key_shape[:3] != value_shape[:3] or heads % key_heads:
        raise ValueError(
            "dot_product_attention needs a key of the query's depth, a value with the key's "
            "batch, steps and heads, and key heads that divide the query's heads; got query "
            f"{shapes[0]}, key {key_shape} and value {value_shape}.")
    if key_heads == heads:
        return key, value
    group = heads // key_heads
    return [_repeat_heads(b, x, group) for x in (key, value)]


def _repeat_heads(b, x, group):
    batch, steps, key_heads, depth = b.shape(x)
    spread = b.broadcast_to(b.expand_dims(x, 3), (batch, steps, key_heads, group, depth))
    return b.reshape(spread, (batch, steps, key_heads * group, depth))


def joined_mask(b, mask, logits, is_causal):
    """The bool mask of the (batch, heads, target, source) logits: `mask` and, when
    `is_causal`, target step t attending to source steps up to t; None when neither."""
    if mask is not None:
        mask = b.cast(mask, "bool")
    if not is_causal:
        return mask
    target, source = b.shape(logits)[-2:]
    rows = b.expand_dims(b.arange(target), 1)
    causal = b.greater_equal(rows, b.expand_dims(b.arange(source), 0))
    return causal if mask is None else b.logical_and(mask, causal)


def masked_logit(dtype) -> float:
    """What a masked logit becomes: -0.7 times the dtype's largest value, as in Keras."""
    return -0.7 * (_BFLOAT16_MAX if dtype == "bfloat16" else float(np.finfo(dtype).max))
