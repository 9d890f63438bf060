"""Diagnostics on a labelled set of training runs (issue #25): no alarm on any healthy run, and
the right alarms on every broken one.

Each row builds a small model, trains it for STEPS steps on the NumPy backend (seeded by the
clean_engine fixture) with an InspectionCallback capturing every CAPTURE_EVERY steps, and
compares the ids of all it found over the run with the row's label. The data is scikit-learn's
digits (bundled, no download) or small NumPy sets. A healthy row's comment names the false
alarms the old rules raised on it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
from collections.abc import Callable

import numpy as np
import pytest

import engine
from engine import layers, ops
from engine.inspection import InspectionCallback
from engine.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop
from engine.training import TrainingDivergedError
from workbench import datasets

CAPTURE_EVERY = 5
STEPS = 300  # or fewer, where the loss becomes NaN
BATCH_SIZE = 32
SPARSE = "sparse_categorical_crossentropy"
BINARY = "binary_crossentropy"


@dataclasses.dataclass(frozen=True)
class Run:
    """A labelled run: `model`, `data` and `optimizer` are made when it runs (after seeding)."""

    name: str
    model: Callable[[], engine.Model]
    data: Callable[[], tuple]
    optimizer: Callable[[], object]
    loss: str
    expected: frozenset = frozenset()  # the diagnostic ids it should raise; none when healthy


# ------------------------------------------------------------------------------------ data
@functools.cache
def _digits(image: bool):
    return datasets.digits(image=image)


def digits(count=256, image=False):
    data = _digits(image)
    return data.x[:count], data.y[:count]


def digit_images(count=256):
    return digits(count, image=True)


def zero_or_not(count=256):
    """Digit images labelled 1 for a zero: a binary task for a sigmoid output."""
    x, y = digit_images(count)
    return x, (y == 0).astype("float32")[:, None]


def blobs(count=128, classes=3, scale=1.0):
    """One Gaussian blob per class, well apart, in 4-D; x times `scale`."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, classes, count)
    x = rng.normal(size=(count, 4)) * 0.5 + np.eye(classes, 4)[y] * 3
    return (x * scale).astype("float32"), y


def binary_blobs(count=128, flipped=False):
    x, y = blobs(count, classes=2)
    labels = (1 - y) if flipped else y
    return x, labels.astype("float32")[:, None]


def plane(name, count=200, **options):
    return tuple(datasets.load(name, samples=count, **options))


def regression(count=64, scale=1.0, target_scale=1.0):
    """y = x . w for 4-D normal x (times `scale`), times `target_scale`."""
    x = (np.random.default_rng(0).normal(size=(count, 4)) * scale).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5, 1.0], "float32"))[:, None] * target_scale


def tanh_targets(count=128):
    """Targets strictly inside (-1, 1), which a tanh output stuck at ±1 misses."""
    x = np.random.default_rng(1).normal(size=(count, 4)).astype("float32")
    return x, np.tanh(0.5 * x @ np.array([1.0, -1.0, 0.5, 0.5], "float32"))[:, None]


def positive(count=64):
    x = np.random.default_rng(0).uniform(size=(count, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def with_nan_input(data, row=100):
    x, y = (a.copy() for a in data())
    x[row, 0] = np.nan
    return x, y


def with_inf_target(data, row=3):
    x, y = (a.copy() for a in data())
    y[row, 0] = np.inf
    return x, y


# ---------------------------------------------------------------------------------- models
def dense(units, activation=None, **options):
    return layers.Dense(units, activation=activation, **options)


def stack(input_shape, *hidden):
    return engine.Sequential([layers.Input(input_shape), *hidden])


def mlp(inputs, hidden, activation, outputs, output_activation=None, **options):
    """Dense layers of `hidden` units with `activation`, then the output layer."""
    return stack(
        (inputs,),
        *[dense(units, activation, **options) for units in hidden],
        dense(outputs, output_activation, **options),
    )


def conv_net(outputs, output_activation, filters=(8,), activation="relu", padding="valid"):
    """Conv2D layers on 8x8 digit images, max pooling, then a Dense output layer."""
    convolutions = [layers.Conv2D(f, 3, padding=padding, activation=activation) for f in filters]
    return stack(
        (8, 8, 1),
        *convolutions,
        layers.MaxPooling2D(2),
        layers.Flatten(),
        dense(outputs, output_activation),
    )


def scaled(build, factor):
    """`build`'s model with every kernel times `factor` (biases kept)."""

    def model():
        built = build()
        for layer in built.layers:
            weights = layer.get_weights()
            layer.set_weights([w * factor if w.ndim > 1 else w for w in weights])
        return built

    return model


def first_bias(build, value):
    """`build`'s model with its first layer's biases set to `value`."""

    def model():
        built = build()
        kernel, bias = built.layers[0].get_weights()
        built.layers[0].set_weights([kernel, np.full_like(bias, value)])
        return built

    return model


class Log(layers.Layer):
    """log(x): a layer defined only here, to plant a log of zero inside a model."""

    def call(self, inputs):
        return ops.log(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


def log_of_zero_model():
    """Dense(relu) -> log -> Dense, with one unit that outputs exactly 0: log(0) = -inf."""
    model = stack((3,), dense(4, "relu"), Log(), dense(1))
    kernel, bias = np.full((3, 4), 0.1, "float32"), np.ones(4, "float32")
    kernel[:, 0], bias[0] = 0.0, 0.0
    model.layers[0].set_weights([kernel, bias])
    return model


def two_conv_net():
    return stack(
        (8, 8, 1),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        dense(32, "relu"),
        dense(10, "softmax"),
    )


def global_pooling_net():
    return stack(
        (8, 8, 1),
        layers.Conv2D(8, 3, activation="relu"),
        layers.Conv2D(8, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        dense(10, "softmax"),
    )


def normalised_mlp(normalisation, activation, depth=1):
    """`depth` blocks of Dense(32), `normalisation` and `activation` on flat digits."""
    blocks = [
        layer
        for _ in range(depth)
        for layer in (dense(32), normalisation(), layers.Activation(activation))
    ]
    return stack((64,), *blocks, dense(10, "softmax"))


def dropout_mlp():
    return stack((64,), dense(64, "relu"), layers.Dropout(0.3), dense(10, "softmax"))


# ------------------------------------------------------------------------------------ rows
P = functools.partial  # keeps the rows short


HEALTHY = [
    # old: vanishing gradients (the softmax output's own gradient stays large at convergence)
    Run("mlp_relu_blobs_adam", P(mlp, 4, [16], "relu", 3, "softmax"), blobs, P(Adam, 0.01), SPARSE),
    Run("mlp_relu_digits_adam", P(mlp, 64, [32], "relu", 10, "softmax"), digits, P(Adam, 0.01),
        SPARSE),
    Run("mlp_tanh_digits_sgd", P(mlp, 64, [32], "tanh", 10, "softmax"), digits, P(SGD, 0.5),
        SPARSE),
    # old: vanishing gradients
    Run("mlp_two_relu_digits_rmsprop", P(mlp, 64, [32, 32], "relu", 10, "softmax"), digits,
        P(RMSprop, 0.003), SPARSE),
    Run("mlp_relu_digits_adagrad", P(mlp, 64, [32], "relu", 10, "softmax"), digits,
        P(Adagrad, 0.1), SPARSE),
    Run("mlp_relu_digits_adamw", P(mlp, 64, [32], "relu", 10, "softmax"), digits, P(AdamW, 0.01),
        SPARSE),
    # old: divergence (a loss of 4.8e-5 wiggling to 4.9e-4), saturated sigmoid output,
    # vanishing gradients, update ratio
    Run("moons_sigmoid_output_adam", P(mlp, 2, [32, 32], "relu", 1, "sigmoid"), P(plane, "moons"),
        P(Adam, 0.02), BINARY),
    # old: saturated sigmoid output, update ratio
    Run("circles_tanh_sgd_momentum", P(mlp, 2, [16], "tanh", 1, "sigmoid"), P(plane, "circles"),
        P(SGD, 0.5, momentum=0.9), BINARY),
    # old: saturated sigmoid output, update ratio
    Run("logistic_regression_sgd", P(mlp, 4, [], None, 1, "sigmoid"), binary_blobs, P(SGD, 1.0),
        BINARY),
    # old: vanishing gradients at 100% training accuracy
    Run("cnn_digits_adam", P(conv_net, 10, "softmax"), digit_images, P(Adam, 0.01), SPARSE),
    # old: vanishing gradients
    Run("cnn_two_conv_digits_sgd", two_conv_net, digit_images, P(SGD, 0.05, momentum=0.9),
        SPARSE),
    # old: divergence (0.0013 to 0.017), saturated sigmoid output, vanishing gradients
    Run("cnn_sigmoid_output_adam", P(conv_net, 1, "sigmoid"), zero_or_not, P(Adam, 0.01),
        BINARY),
    Run("mlp_regression_adam", P(mlp, 4, [32], "relu", 1), regression, P(Adam, 0.01), "mse"),
    # old: update ratio (the loss goes to 3e-13)
    Run("linear_regression_sgd", P(mlp, 4, [], None, 1), regression, P(SGD, 0.05), "mse"),
    # old: vanishing gradients
    Run("memorise_eight_digits", P(mlp, 64, [32], "relu", 10, "softmax"), P(digits, 8),
        P(Adam, 0.01), SPARSE),
    Run("deep_relu_he_adam", P(mlp, 64, [32] * 5, "relu", 10, "softmax",
                               kernel_initializer="he_normal"), digits, P(Adam, 0.003), SPARSE),
    Run("batchnorm_mlp_adam", P(normalised_mlp, layers.BatchNormalization, "relu"), digits,
        P(Adam, 0.01), SPARSE),
    # old: update ratio
    Run("shallow_sigmoid_sgd", P(mlp, 4, [16], "sigmoid", 3, "softmax"), blobs, P(SGD, 0.5),
        SPARSE),
    Run("spirals_relu_adam", P(mlp, 2, [64, 64], "relu", 1, "sigmoid"),
        P(plane, "spirals", classes=2), P(Adam, 0.01), BINARY),
    Run("dropout_mlp_adam", dropout_mlp, digits, P(Adam, 0.005), SPARSE),
    # old: update ratio (weights growing fast towards targets of size 100)
    Run("regression_large_targets_adam", P(mlp, 4, [32], "relu", 1),
        P(regression, target_scale=100.0), P(Adam, 0.1), "mse"),
    # old: exploding gradients (10^4-fold since step 1, as the loss fell), vanishing gradients,
    # update ratio
    Run("small_init_no_bias_adam", scaled(P(mlp, 64, [32] * 3, "relu", 10, "softmax",
                                            use_bias=False), 0.05), digits, P(Adam, 0.003),
        SPARSE),
    # old: vanishing gradients, update ratio
    Run("small_init_sgd", scaled(P(mlp, 64, [32], "relu", 10, "softmax"), 0.01), digits,
        P(SGD, 0.5), SPARSE),
    # old: vanishing gradients
    Run("layernorm_tanh_rmsprop", P(normalised_mlp, layers.LayerNormalization, "tanh"), digits,
        P(RMSprop, 0.003), SPARSE),
    Run("global_pooling_cnn_adam", global_pooling_net, digit_images, P(Adam, 0.01), SPARSE),
    Run("deep_sigmoid_with_batchnorm_adam",
        P(normalised_mlp, layers.BatchNormalization, "sigmoid", depth=4), digits, P(Adam, 0.01),
        SPARSE),
    # old: divergence, saturated sigmoid output, update ratio
    Run("xor_tanh_sgd_momentum", P(mlp, 2, [8], "tanh", 1, "sigmoid"), P(plane, "xor"),
        P(SGD, 0.3, momentum=0.9), BINARY),
]

VANISHING = frozenset({"vanishing_gradients"})
DEAD_NO_UPDATES = frozenset({"dead_units", "update_ratio"})
DIVERGED_NO_UPDATES = frozenset({"loss_divergence", "update_ratio"})
BLEW_UP = frozenset({"loss_divergence", "exploding_gradients", "non_finite"})
NON_FINITE = frozenset({"non_finite"})
SATURATED = frozenset({"saturated_units"})
TINY_UPDATES = frozenset({"update_ratio"})

BROKEN = [
    Run("deep_sigmoid_sgd", P(mlp, 4, [16] * 8, "sigmoid", 3, "softmax"), blobs, P(SGD, 0.1),
        SPARSE, VANISHING),
    Run("deep_sigmoid_digits_adam", P(mlp, 64, [32] * 10, "sigmoid", 10, "softmax"), digits,
        P(Adam, 0.001), SPARSE, VANISHING),
    Run("deep_sigmoid_regression_sgd", P(mlp, 4, [16] * 8, "sigmoid", 1), regression,
        P(SGD, 0.05), "mse", VANISHING),
    Run("deep_tanh_small_init_sgd", scaled(P(mlp, 64, [32] * 8, "tanh", 10, "softmax"), 0.25),
        digits, P(SGD, 0.05), SPARSE, VANISHING),
    Run("deep_sigmoid_cnn_sgd", P(conv_net, 10, "softmax", (4,) * 6, "sigmoid", "same"),
        digit_images, P(SGD, 0.1), SPARSE, VANISHING),
    # The loss jumps from 2.4 to 14 and stays; 78% of the units die; nothing moves after.
    Run("dead_relu_high_lr_sgd", P(mlp, 64, [32, 32], "relu", 10, "softmax"), digits,
        P(SGD, 3.0), SPARSE, DEAD_NO_UPDATES | {"loss_divergence"}),
    Run("dead_relu_high_lr_rmsprop_cnn", P(conv_net, 10, "softmax"), digit_images,
        P(RMSprop, 1.0), SPARSE, DEAD_NO_UPDATES | {"loss_divergence"}),
    Run("dead_relu_negative_bias", first_bias(P(mlp, 64, [32], "relu", 10, "softmax"), -20.0),
        digits, P(Adam, 0.001), SPARSE, DEAD_NO_UPDATES),
    Run("dead_conv_negative_bias", first_bias(P(conv_net, 10, "softmax"), -10.0),
        digit_images, P(SGD, 0.01), SPARSE, DEAD_NO_UPDATES),
    # The loss jumps to 10-15 with the softmax stuck at its limits: no gradient flows.
    Run("high_lr_adam_blobs", P(mlp, 4, [32, 32], "relu", 3, "softmax"), blobs, P(Adam, 1.0),
        SPARSE, DIVERGED_NO_UPDATES),
    Run("very_high_lr_adam_digits", P(mlp, 64, [32], "relu", 10, "softmax"), digits,
        P(Adam, 10.0), SPARSE, DIVERGED_NO_UPDATES),
    # The loss grows many-fold every step until it overflows.
    Run("diverging_linear_regression_sgd", P(mlp, 4, [], None, 1), P(regression, scale=3.0),
        P(SGD, 0.5), "mse", BLEW_UP | {"update_ratio"}),
    Run("slowly_diverging_regression_sgd", P(mlp, 4, [], None, 1), regression, P(SGD, 1.1),
        "mse", BLEW_UP | {"update_ratio"}),
    # They blow up between two captures: only the weights, grown 10^4-fold and more, tell.
    Run("diverging_mlp_sgd", P(mlp, 4, [32], "relu", 1), P(regression, scale=3.0), P(SGD, 0.1),
        "mse", BLEW_UP),
    Run("exploding_deep_linear_sgd", scaled(P(mlp, 4, [32] * 8, None, 1), 2.0), regression,
        P(SGD, 1e-4), "mse", BLEW_UP),
    Run("nan_in_the_data", P(mlp, 4, [16], "relu", 3, "softmax"), P(with_nan_input, blobs),
        P(Adam, 0.01), SPARSE, NON_FINITE),
    Run("log_of_zero", log_of_zero_model, positive, P(SGD, 0.1), "mse", NON_FINITE),
    Run("inf_in_the_targets", P(mlp, 4, [], None, 1), P(with_inf_target, regression),
        P(SGD, 0.01), "mse", NON_FINITE),
    Run("saturated_tanh_hidden", scaled(P(mlp, 4, [16], "tanh", 3, "softmax"), 30.0), blobs,
        P(SGD, 0.01), SPARSE, SATURATED),
    Run("saturated_sigmoid_unscaled_inputs", P(mlp, 4, [16], "sigmoid", 3, "softmax"),
        P(blobs, scale=100.0), P(SGD, 0.01), SPARSE, SATURATED),
    # A saturated output that is wrong, under a loss that does not undo the squashing (MSE);
    # 32 samples: one batch, whose loss does not jump from batch to batch.
    Run("saturated_sigmoid_output_mse", scaled(P(mlp, 4, [], None, 1, "sigmoid"), 30.0),
        P(binary_blobs, 32, flipped=True), P(SGD, 0.01), "mse", SATURATED | TINY_UPDATES),
    Run("saturated_tanh_output_mse", scaled(P(mlp, 4, [], None, 1, "tanh"), 30.0), tanh_targets,
        P(SGD, 0.01), "mse", SATURATED),
    Run("too_low_lr_sgd", P(mlp, 64, [32], "relu", 10, "softmax"), digits, P(SGD, 1e-9), SPARSE,
        TINY_UPDATES),
    Run("too_low_lr_adam_cnn", P(conv_net, 10, "softmax"), digit_images, P(Adam, 1e-10),
        SPARSE, TINY_UPDATES),
]


# ------------------------------------------------------------------------------------ tests
def findings(run: Run) -> list:
    """Train `run` and return every distinct diagnostic found over it."""
    model = run.model()
    model.compile(run.optimizer(), run.loss)
    x, y = run.data()
    batch_size = min(BATCH_SIZE, len(x))
    epochs = math.ceil(STEPS / math.ceil(len(x) / batch_size))
    inspector = InspectionCallback(every=CAPTURE_EVERY, verbose=0)
    with contextlib.suppress(TrainingDivergedError):  # NaN runs end there, the step captured
        model.fit(x, y, batch_size=batch_size, epochs=epochs, callbacks=[inspector], verbose=0)
    return inspector.findings


@pytest.mark.parametrize("run", HEALTHY + BROKEN, ids=lambda run: run.name)
def test_diagnostics_match_the_label(run):
    found = findings(run)
    assert {d.id for d in found} == run.expected, [d.message for d in found]


def test_the_set_is_large_enough_and_names_are_unique():
    assert len(HEALTHY) >= 20 and len(BROKEN) >= 20
    assert all(run.expected for run in BROKEN)
    names = [run.name for run in HEALTHY + BROKEN]
    assert len(set(names)) == len(names)
