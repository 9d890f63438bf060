"""Making new layers and models via subclassing: a layer with a non-trainable weight that it
updates with `assign_add` on every call.

Source: keras-io guides/making_new_layers_and_models_via_subclassing.py ("Layers can have
non-trainable weights"), https://keras.io/guides/making_new_layers_and_models_via_subclassing/.
"""


def run(keras, same_weights):
    ops = keras.ops

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(
                initializer="zeros", shape=(input_dim,), trainable=False
            )

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    x = ops.ones((2, 2))
    my_sum = ComputeSum(2)
    y = my_sum(x)
    print(ops.convert_to_numpy(y))
    y = my_sum(x)
    print(ops.convert_to_numpy(y))

    print("weights:", len(my_sum.weights))
    print("non-trainable weights:", len(my_sum.non_trainable_weights))

    # It's not included in the trainable weights:
    print("trainable_weights:", my_sum.trainable_weights)
    return {
        "total_sum": ops.convert_to_numpy(y).sum(),
        "non_trainable": len(my_sum.non_trainable_weights),
        "trainable": len(my_sum.trainable_weights),
    }
