"""The recurrent family around SimpleRNN, LSTM and GRU: their cells alone, RNN over any cell,
Bidirectional and TimeDistributed. Keras builds of these are slow: the rows beyond one per
kind run with --slow."""

from engine import layers
from tests.layers.table import row

SEQUENCE = (2, 5, 3)


def _cell(kind, **config):
    return {"module": "keras.layers", "class_name": kind, "config": {"units": 4, **config},
            "registered_name": None}


def _layer(kind, config):
    return {"module": "keras.layers", "registered_name": None, "class_name": kind,
            "config": config}


def _keras_from_config(class_name):
    def build(config):
        import keras

        return getattr(keras.layers, class_name).from_config(config)

    return build


def _one_step(kind, config):
    """A cell alone takes one step: (inputs, state) -> (output, new state)."""
    return row(getattr(layers, kind), {"units": 4, **config}, input_shapes=[(2, 3), (2, 4)],
               expected_output_shape=[(2, 4), (2, 4)])


def _rnn(cell, config, slow=False):
    return row(layers.RNN, {"cell": cell, **config}, SEQUENCE, slow=slow,
               keras_layer=_keras_from_config("RNN"))


def _bidirectional(inner, config, slow=False):
    return row(layers.Bidirectional, {"layer": inner, **config}, SEQUENCE, slow=slow,
               keras_layer=_keras_from_config("Bidirectional"))


ROWS = [
    _one_step("SimpleRNNCell", {"activation": "relu", "bias_initializer": "random_uniform"}),
    _one_step("GRUCell", {"bias_initializer": "random_uniform"}),
    _one_step("GRUCell", {"reset_after": False, "use_bias": False}),
    _rnn(_cell("LSTMCell", bias_initializer="random_uniform"), {"return_sequences": True}),
    _rnn(_cell("GRUCell", reset_after=False), {"return_state": True, "go_backwards": True},
         slow=True),
    _rnn(_cell("SimpleRNNCell"), {"return_sequences": True, "return_state": True}, slow=True),
    _rnn([_cell("LSTMCell"), _cell("GRUCell", units=3)], {"return_state": True}, slow=True),
    _bidirectional(_layer("LSTM", {"units": 4, "return_sequences": True}), {}),
    _bidirectional(_layer("GRU", {"units": 3, "return_state": True}), {"merge_mode": "sum"},
                   slow=True),
    _bidirectional(_layer("SimpleRNN", {"units": 3, "return_sequences": True}),
                   {"merge_mode": None}),
    _bidirectional(_layer("RNN", {"cell": _cell("LSTMCell"), "return_sequences": True,
                                  "return_state": True}), {"merge_mode": "ave"}, slow=True),
    row(layers.TimeDistributed, {"layer": _layer("Dense", {"units": 4, "activation": "tanh"})},
        SEQUENCE, keras_layer=_keras_from_config("TimeDistributed")),
    row(layers.TimeDistributed, {"layer": _layer("Conv1D", {"filters": 2, "kernel_size": 2})},
        (2, 3, 4, 2), keras_layer=_keras_from_config("TimeDistributed")),
]
