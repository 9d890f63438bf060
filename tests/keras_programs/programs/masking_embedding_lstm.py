"""Understanding masking & padding: padded sequences, an Embedding with `mask_zero=True`
feeding an LSTM (in a Sequential and a functional model), and the mask it computes.

Source: keras-io guides/understanding_masking_and_padding.py ("Padding sequence data",
"Mask-generating layers: Embedding and Masking"),
https://keras.io/guides/understanding_masking_and_padding/. Adapted: the models' outputs on
the padded inputs are returned.
"""

import numpy as np


def run(keras, same_weights):
    layers, ops = keras.layers, keras.ops
    raw_inputs = [
        [711, 632, 71],
        [73, 8, 3215, 55, 927],
        [83, 91, 1, 645, 1253, 927],
    ]

    # By default, this will pad using 0s; it is configurable via the
    # "value" parameter.
    # Note that you could use "pre" padding (at the beginning) or
    # "post" padding (at the end).
    # We recommend using "post" padding when working with RNN layers
    # (in order to be able to use the
    # CuDNN implementation of the layers).
    padded_inputs = keras.utils.pad_sequences(raw_inputs, padding="post")
    print(padded_inputs)

    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(padded_inputs)
    mask = ops.convert_to_numpy(masked_output._keras_mask)
    print(mask)

    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True),
            layers.LSTM(32),
        ]
    )
    same_weights(model)
    sequential_output = model.predict(padded_inputs)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    outputs = layers.LSTM(32)(x)

    model = keras.Model(inputs, outputs)
    same_weights(model)
    functional_output = model.predict(padded_inputs)
    # A masked LSTM's output on a padded row is its state after the last real step.
    assert np.allclose(model.predict(padded_inputs[:1, :3]), functional_output[:1], atol=1e-6)
    return {
        "masked_steps": int((~mask.astype(bool)).sum()),
        "sequential_sum": sequential_output.sum(),
        "functional_sum": functional_output.sum(),
    }
