"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D. Each row builds Keras's layer (seconds on JAX): the
export catalogue's conv_lstm model checks all three ranks against Keras in CI, the slow rows
here their gradients too."""

from engine import layers
from tests.layers.table import row

FRAMES_2D = (2, 3, 5, 5, 2)  # batch, time, height, width, channels


def _conv_lstm(cls, config, input_shape, kernel_size, frame, slow=False):
    """A row whose output frames are `frame`, with weights of `kernel_size`."""
    output = (2, 3, *frame) if config.get("return_sequences") else (2, *frame)
    outputs = [output, (2, *frame), (2, *frame)] if config.get("return_state") else output
    width = 4 * config["filters"]
    weights = [("kernel", (*kernel_size, input_shape[-1], width)),
               ("recurrent_kernel", (*kernel_size, config["filters"], width)),
               *([("bias", (width,))] if config.get("use_bias", True) else [])]
    return row(cls, config, input_shape, slow=slow, expected_output_shape=outputs,
               expected_weights=weights)


ROWS = [
    _conv_lstm(layers.ConvLSTM2D, {"filters": 3, "kernel_size": 3, "padding": "same",
                                   "return_sequences": True,
                                   "bias_initializer": "random_uniform"},
               FRAMES_2D, (3, 3), (5, 5, 3)),
    _conv_lstm(layers.ConvLSTM2D, {"filters": 2, "kernel_size": (2, 3), "strides": 2,
                                   "padding": "same", "return_state": True,
                                   "go_backwards": True, "unit_forget_bias": False,
                                   "bias_initializer": "random_uniform"},
               FRAMES_2D, (2, 3), (3, 3, 2), slow=True),
    _conv_lstm(layers.ConvLSTM1D, {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                                   "activation": "relu",
                                   "recurrent_activation": "hard_sigmoid", "use_bias": False,
                                   "return_sequences": True, "return_state": True},
               (2, 3, 5, 2), (2,), (3, 2), slow=True),
    _conv_lstm(layers.ConvLSTM1D, {"filters": 2, "kernel_size": 2}, (2, 3, 5, 2), (2,), (4, 2)),
    _conv_lstm(layers.ConvLSTM3D, {"filters": 2, "kernel_size": 2, "go_backwards": True,
                                   "bias_initializer": "random_uniform"},
               (2, 3, 3, 3, 3, 1), (2, 2, 2), (2, 2, 2, 2)),
]
