"""MultiHeadAttention, SimpleRNN, LSTM and GRU."""

from engine import layers
from tests.layers.table import row

SEQUENCE = (2, 5, 3)


def _mha_keras_reference(config):
    """Keras's MHA, forced onto its einsum path (see the value_dim row below)."""
    import keras

    # On JAX, Keras's fused dot_product_attention path fails when value_dim != key_dim; a
    # dropout rate > 0 (inactive: the reference runs with training=False) avoids that path.
    return keras.layers.MultiHeadAttention(**{**config, "dropout": 0.1})


def _mha_weights(query_dim, key_dim_in, value_dim_in, heads, key_dim, value_dim, out_dim):
    return [("kernel", (query_dim, heads, key_dim)), ("bias", (heads, key_dim)),
            ("kernel", (key_dim_in, heads, key_dim)), ("bias", (heads, key_dim)),
            ("kernel", (value_dim_in, heads, value_dim)), ("bias", (heads, value_dim)),
            ("kernel", (heads, value_dim, out_dim)), ("bias", (out_dim,))]


def _rnn(cls, config, states, bias_shape):
    """A row of SimpleRNN, LSTM or GRU with 4 units, `gates` kernels wide."""
    gates = {layers.SimpleRNN: 1, layers.LSTM: 4, layers.GRU: 3}[cls]
    output = (2, 5, 4) if config.get("return_sequences") else (2, 4)
    outputs = [output, *[(2, 4)] * states] if config.get("return_state") else output
    weights = [("kernel", (3, gates * 4)), ("recurrent_kernel", (4, gates * 4)),
               *([("bias", bias_shape)] if bias_shape else [])]
    return row(cls, {"units": 4, **config}, SEQUENCE, expected_output_shape=outputs,
               expected_weights=weights)


ROWS = [
    row(layers.MultiHeadAttention, {"num_heads": 2, "key_dim": 3},
        input_shapes=[(2, 4, 6), (2, 5, 6)], expected_output_shape=(2, 4, 6),
        expected_weights=_mha_weights(6, 6, 6, 2, 3, 3, 6)),
    row(layers.MultiHeadAttention, {"num_heads": 2, "key_dim": 3, "value_dim": 5,
                                    "output_shape": 7, "bias_initializer": "random_uniform"},
        input_shapes=[(2, 4, 6), (2, 5, 8), (2, 5, 9)], expected_output_shape=(2, 4, 7),
        expected_weights=_mha_weights(6, 9, 8, 2, 3, 5, 7), keras_layer=_mha_keras_reference),
    _rnn(layers.SimpleRNN, {"return_sequences": True, "bias_initializer": "random_uniform"},
         1, (4,)),
    _rnn(layers.SimpleRNN, {"return_state": True, "go_backwards": True, "activation": "relu",
                            "use_bias": False}, 1, None),
    _rnn(layers.LSTM, {"return_sequences": True, "return_state": True,
                       "bias_initializer": "random_uniform"}, 2, (16,)),
    _rnn(layers.LSTM, {"go_backwards": True, "unit_forget_bias": False,
                       "bias_initializer": "random_uniform"}, 2, (16,)),
    _rnn(layers.GRU, {"return_state": True, "bias_initializer": "random_uniform"}, 1, (2, 12)),
    _rnn(layers.GRU, {"reset_after": False, "return_sequences": True, "go_backwards": True,
                      "bias_initializer": "random_uniform"}, 1, (12,)),
    _rnn(layers.GRU, {"use_bias": False, "return_sequences": True, "return_state": True,
                      "go_backwards": True}, 1, None),
]
