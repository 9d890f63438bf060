"""The architectures of the Keras-file round trips, written once against a `keras` module:
the engine (`import engine as keras`) builds, trains and saves them; real Keras 3 loads them in
another process, and the other way round. Each case is (build, optimizer, loss, data shapes).
"""

from __future__ import annotations

import numpy as np

BATCH = 8


def define_custom_objects(keras):
    """The user's own layer, model and activation, registered as a user registers them."""

    @keras.saving.register_keras_serializable(package="roundtrip")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @keras.saving.register_keras_serializable(package="roundtrip")
    class TwoBlocks(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.first = keras.layers.Dense(units, activation="tanh")
            self.scale = Scale(0.5)
            self.blocks = [keras.layers.Dense(4), keras.layers.Dense(1)]

        def call(self, x):
            x = self.scale(self.first(x))
            for block in self.blocks:
                x = block(x)
            return x

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @keras.saving.register_keras_serializable(package="roundtrip", name="cubic")
    def cubic(x):
        return x + 0.1 * x * x * x

    return {"Scale": Scale, "TwoBlocks": TwoBlocks, "cubic": cubic}


def _mlp(keras):
    i = keras.Input((6,))
    x = keras.layers.Dense(5, activation="relu")(i)
    x = keras.layers.BatchNormalization()(x)
    return keras.Model(i, keras.layers.Dense(1)(x))


def _sequential(keras):
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="tanh"),
                             keras.layers.LayerNormalization(), keras.layers.Dense(1)])


def _conv(keras):
    i = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, padding="same", activation="relu")(i)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.SeparableConv2D(2, 2)(x)
    return keras.Model(i, keras.layers.Dense(1)(keras.layers.Flatten()(x)))


def _recurrent(keras):
    """Trained with SGD: Adam-type steps scale the embedding's rounding-level gradient
    differences between Keras's own TensorFlow and JAX backends up to whole steps."""
    i = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(7, 4, mask_zero=True)(i)
    x = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))(x)
    x = keras.layers.GRU(2)(x)
    return keras.Model(i, keras.layers.Dense(1)(x))


def _attention(keras):
    i = keras.Input((4, 6))
    x = keras.layers.MultiHeadAttention(2, 3)(i, i)
    x = keras.layers.LayerNormalization()(keras.layers.Add()([i, x]))
    x = keras.layers.Conv1D(3, 2)(x)
    return keras.Model(i, keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(x)))


def _two_inputs_two_outputs(keras):
    a, b = keras.Input((6,), name="a"), keras.Input((3,), name="b")
    x = keras.layers.Concatenate()([keras.layers.Dense(4, activation="relu")(a), b])
    return keras.Model([a, b], [keras.layers.Dense(1, name="y")(x),
                                keras.layers.Dense(2, name="z")(x)])


def _custom_layer(keras):
    i = keras.Input((6,))
    cubic = keras.saving.get_registered_object("roundtrip>cubic")
    x = keras.saving.get_registered_object("roundtrip>Scale")(name="scale")(
        keras.layers.Dense(3, activation=cubic)(i))
    return keras.Model(i, keras.layers.Dense(1)(x))


def _subclassed(keras):
    model = keras.saving.get_registered_object("roundtrip>TwoBlocks")(units=3)
    model.build((None, 6))
    return model


def _ops_residual(keras):
    """Ops on symbolic tensors between the layers: a residual sum, relu, slicing, a mean."""
    i = keras.Input((6,))
    x = keras.layers.Dense(6, activation="tanh")(i)
    x = keras.ops.relu(x + i)
    x = keras.layers.Dense(4)(x[:, :4] * 0.5 - keras.ops.mean(x, axis=-1, keepdims=True))
    return keras.Model(i, keras.layers.Dense(1)(x))


def _schedule(keras):
    """SGD: MultiHeadAttention's key bias has a zero gradient (softmax ignores a shift), whose
    rounding noise Adam would scale up to full steps, differently in every framework."""
    return keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5))


# name -> (build, optimizer (a name or fn(keras)), loss, metrics, input spec)
CASES = {
    "mlp_adam": (_mlp, "adam", "mse", ["mae"], [(6,)]),
    "sequential_sgd_nesterov": (_sequential, lambda k: k.optimizers.SGD(0.05, momentum=0.9,
                                                                         nesterov=True),
                                "mse", [], [(6,)]),
    "conv_rmsprop": (_conv, "rmsprop", "mse", [], [(6, 6, 2)]),
    "recurrent_sgd": (_recurrent, lambda k: k.optimizers.SGD(0.1, momentum=0.5), "mse", [],
                      ["tokens"]),
    "conv_adamw": (_conv, "adamw", "mse", [], [(6, 6, 2)]),
    "attention_schedule": (_attention, _schedule, "mse", [], [(4, 6)]),
    "two_outputs_adamax": (_two_inputs_two_outputs, "adamax", ["mse", "mae"], [],
                           [(6,), (3,)]),
    "custom_layer_nadam": (_custom_layer, "nadam", "mse", [], [(6,)]),
    "subclassed_adagrad": (_subclassed, "adagrad", "mse", [], [(6,)]),
    "mlp_ema_accumulation": (_mlp, lambda k: k.optimizers.Adam(
        0.01, use_ema=True, gradient_accumulation_steps=2), "mse", [], [(6,)]),
    "sequential_adafactor": (_sequential, "adafactor", "mse", [], [(6,)]),
    "sequential_lamb": (_sequential, "lamb", "mse", [], [(6,)]),
    "conv_adadelta": (_conv, lambda k: k.optimizers.Adadelta(1.0), "mse", [], [(6, 6, 2)]),
    "two_outputs_ftrl": (_two_inputs_two_outputs, "ftrl", ["mse", "mae"], [], [(6,), (3,)]),
    "mlp_muon": (_mlp, "muon", "mse", [], [(6,)]),
    "sequential_lion": (_sequential, "lion", "mse", [], [(6,)]),
    "sequential_loss_scale": (_sequential, lambda k: k.optimizers.LossScaleOptimizer(
        k.optimizers.SGD(0.05, momentum=0.9)), "mse", [], [(6,)]),
    "ops_residual_adam": (_ops_residual, "adam", "mse", [], [(6,)]),
}


def build_compiled(keras, name):
    build, optimizer, loss, metrics, _ = CASES[name]
    model = build(keras)
    model.compile(optimizer=optimizer(keras) if callable(optimizer) else optimizer, loss=loss,
                  metrics=metrics or None)
    return model


def batch(name, seed=0):
    """(x, y) for a case: one batch, the same in every process."""
    rng = np.random.default_rng(seed)
    _, _, loss, _, inputs = CASES[name]
    xs = [rng.integers(0, 7, size=(BATCH, 5)).astype("int32") if shape == "tokens"
          else rng.normal(size=(BATCH, *shape)).astype("float32") for shape in inputs]
    ys = [rng.normal(size=(BATCH, 1)).astype("float32")]
    if isinstance(loss, list):
        ys.append(rng.normal(size=(BATCH, 2)).astype("float32"))
    return (xs[0] if len(xs) == 1 else xs), (ys[0] if len(ys) == 1 else ys)
