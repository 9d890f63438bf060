# Kept as the Keras original writes it: the guide's unused `y`.
# ruff: noqa: F841
"""The Sequential model guide: a stack of Dense layers built by `add()`, shortened by `pop()`,
built on its first call.

Source: keras-io guides/sequential_model.py ("Creating a Sequential model",
"Specifying the input shape in advance"), https://keras.io/guides/sequential_model/.
Adapted: `tf.ones` is `ops.ones`.
"""


def run(keras, same_weights):
    layers, ops = keras.layers, keras.ops
    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))

    model.pop()
    print(len(model.layers))  # 2

    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu"),
            layers.Dense(3, activation="relu"),
            layers.Dense(4),
        ]
    )  # No weights at this stage!

    # Call the model on a test input
    x = ops.ones((1, 4))
    y = model(x)
    print("Number of weights after calling the model:", len(model.weights))  # 6
    model.summary()
    same_weights(model)
    return {"weights": len(model.weights), "output_sum": ops.convert_to_numpy(model(x)).sum()}
