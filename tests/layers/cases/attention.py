"""Attention, AdditiveAttention and GroupQueryAttention on one set of query, value and key
shapes."""

import numpy as np

from engine import layers
from tests.layers.table import row

QUERY_VALUE_KEY = [(2, 3, 4), (2, 5, 4), (2, 5, 4)]


def _attention(cls, config, weights):
    # weights other than the initial ones, so that a misplaced scale shows
    values = [np.full(shape, 0.5 + i, "float32") for i, (_, shape) in enumerate(weights)]
    return row(cls, config, input_shapes=QUERY_VALUE_KEY, call_with_list=True,
               expected_output_shape=(2, 3, 4), expected_weights=weights, weights=values)


def _gqa_weights(features, heads, groups, depth, gate=False, bias=True):
    """(query, key, gate, value, attention_output) kernels and biases, as Keras's."""

    def projection(kernel, bias_shape):  # the harness compares names after the last /
        return [("kernel", kernel), *([("bias", bias_shape)] if bias else [])]

    return [*projection((features, heads, depth), (heads, depth)),
            *projection((features, groups, depth), (groups, depth)),
            *(projection((features, heads, depth), (heads, depth)) if gate else []),
            *projection((features, groups, depth), (groups, depth)),
            *projection((heads, depth, features), (features,))]


ROWS = [
    _attention(layers.Attention, {}, []),
    _attention(layers.Attention, {"use_scale": True}, [("scale", ())]),
    _attention(layers.Attention, {"score_mode": "concat"}, [("concat_score_weight", ())]),
    _attention(layers.Attention, {"score_mode": "concat", "use_scale": True},
               [("scale", ()), ("concat_score_weight", ())]),
    _attention(layers.AdditiveAttention, {}, [("scale", (4,))]),
    _attention(layers.AdditiveAttention, {"use_scale": False}, []),
    # without a key, the value is the key
    row(layers.AdditiveAttention, {}, input_shapes=QUERY_VALUE_KEY[:2], call_with_list=True,
        expected_output_shape=(2, 3, 4)),
    row(layers.GroupQueryAttention, {"head_dim": 3, "num_query_heads": 4,
                                     "num_key_value_heads": 2,
                                     "bias_initializer": "random_uniform"},
        input_shapes=QUERY_VALUE_KEY, expected_output_shape=(2, 3, 4),
        expected_weights=_gqa_weights(4, 4, 2, 3)),
    row(layers.GroupQueryAttention, {"head_dim": 2, "num_query_heads": 3,
                                     "num_key_value_heads": 1, "use_gate": True,
                                     "sliding_window": 2, "use_bias": False},
        input_shapes=QUERY_VALUE_KEY, expected_output_shape=(2, 3, 4),
        expected_weights=_gqa_weights(4, 3, 1, 2, gate=True, bias=False)),
    row(layers.GroupQueryAttention, {"head_dim": 2, "num_query_heads": 2,
                                     "num_key_value_heads": 1, "dropout": 0.5, "seed": 3},
        input_shapes=QUERY_VALUE_KEY[:2], slow=True, training=True, random=True),
]
