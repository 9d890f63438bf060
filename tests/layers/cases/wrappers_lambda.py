"""Lambda with a function given by name (a Python function's config is bytecode, loaded only
out of safe mode: that case is in tests/layers/test_wrappers_lambda.py), and
SpectralNormalization around Dense, Conv2D and Embedding."""

import numpy as np

from engine import layers
from tests.layers.table import row

SPECTRAL_CASES = [
    ({"class_name": "Dense", "config": {"units": 3}}, {"input_shape": (2, 4)}, 1, True),
    ({"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 2}},
     {"input_shape": (2, 4, 4, 3)}, 3, True),
    # Keras casts the output to the inputs' dtype, so an Embedding's come out as integers
    # there: that case is checked against the NumPy reference only.
    ({"class_name": "Embedding", "config": {"input_dim": 6, "output_dim": 3}},
     {"input_data": np.random.default_rng(0).integers(0, 6, (2, 4)).astype("int32")}, 1,
     False),
]


def _keras_lambda(config):
    import keras

    return keras.layers.Lambda(keras.activations.tanh)


def _keras_spectral_normalization(config):
    import keras

    return keras.layers.SpectralNormalization.from_config(config)


ROWS = [
    row(layers.Lambda, {"function": "tanh"}, (2, 4, 3), expected_output_shape=(2, 4, 3),
        keras_layer=_keras_lambda),
    # In training the kernel is assigned W / sigma and vector_u moves on (the harness compares
    # the weights after the call with Keras's); the power iteration's vectors are constants to
    # the gradient, which finite differences cannot see, so only inference's gradients are
    # checked.
    *[row(layers.SpectralNormalization, {"layer": layer, "power_iterations": iterations},
          **inputs, training=training, check_gradients=not training, keras=keras,
          keras_layer=_keras_spectral_normalization)
      for layer, inputs, iterations, keras in SPECTRAL_CASES for training in (False, True)],
]
