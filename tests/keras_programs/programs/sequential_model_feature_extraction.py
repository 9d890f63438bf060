"""The Sequential model guide: feature extraction from every layer's `output`, and from one
layer found by name.

Source: keras-io guides/sequential_model.py ("Feature extraction with a Sequential model"),
https://keras.io/guides/sequential_model/. Adapted: `tf.ones` is `ops.ones`, images are
64x64 (not 250x250).
"""


def run(keras, same_weights):
    layers, ops = keras.layers, keras.ops
    initial_model = keras.Sequential(
        [
            keras.Input(shape=(64, 64, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )
    feature_extractor = keras.Model(
        inputs=initial_model.inputs,
        outputs=[layer.output for layer in initial_model.layers],
    )
    same_weights(initial_model)

    # Call feature extractor on test input.
    x = ops.ones((1, 64, 64, 3))
    features = feature_extractor(x)

    initial_model = keras.Sequential(
        [
            keras.Input(shape=(64, 64, 3)),
            layers.Conv2D(32, 5, strides=2, activation="relu"),
            layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
            layers.Conv2D(32, 3, activation="relu"),
        ]
    )
    feature_extractor = keras.Model(
        inputs=initial_model.inputs,
        outputs=initial_model.get_layer(name="my_intermediate_layer").output,
    )
    same_weights(initial_model)
    # Call feature extractor on test input.
    x = ops.ones((1, 64, 64, 3))
    intermediate = feature_extractor(x)
    return {
        "last_features_sum": ops.convert_to_numpy(features[-1]).sum(),
        "intermediate_sum": ops.convert_to_numpy(intermediate).sum(),
    }
