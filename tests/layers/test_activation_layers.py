"""The activation layers (ReLU, LeakyReLU, ELU, Softmax, PReLU): the layer harness on several
configs each, then argument and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

from engine import LayerConfigError, LayerShapeError, layers
from tests.layers.harness import run_layer_test

SHAPE = (2, 3, 4)  # one shape for all, so JAX compiles each op once


@pytest.mark.parametrize("cls, config", [
    (layers.ReLU, {}),
    (layers.ReLU, {"max_value": 0.8}),
    (layers.ReLU, {"max_value": 6.0}),
    (layers.ReLU, {"negative_slope": 0.1}),
    (layers.ReLU, {"threshold": 0.5}),
    (layers.ReLU, {"max_value": 1.0, "negative_slope": 0.2, "threshold": 0.3}),
    (layers.LeakyReLU, {}),
    (layers.LeakyReLU, {"negative_slope": 0.05}),
    (layers.ELU, {}),
    (layers.ELU, {"alpha": 0.5}),
    (layers.Softmax, {}),
    (layers.Softmax, {"axis": 1}),
    (layers.Softmax, {"axis": [1, 2]}),
], ids=lambda value: value.__name__ if isinstance(value, type) else str(value))
def test_activation_layers(cls, config):
    run_layer_test(cls, config, SHAPE, expected_output_shape=SHAPE, expected_weights=[])


@pytest.mark.parametrize("config, alpha_shape", [
    ({}, (3, 4)),
    ({"shared_axes": [1]}, (1, 4)),
    ({"shared_axes": 2, "alpha_initializer": "random_normal"}, (3, 1)),
])
def test_prelu(config, alpha_shape):
    alpha = np.random.default_rng(2).uniform(-0.5, 0.5, alpha_shape).astype("float32")
    run_layer_test(layers.PReLU, config, SHAPE, expected_output_shape=SHAPE,
                   expected_weights=[("alpha", alpha_shape)], weights=[alpha])


def test_relu_values():
    x = np.array([[-2.0, -0.5, 0.2, 0.7, 3.0]], "float32")
    y = layers.ReLU(max_value=1.0, negative_slope=0.5, threshold=0.5)(x)
    np.testing.assert_allclose(np.asarray(y), [[-1.25, -0.5, -0.15, 0.7, 1.0]], rtol=1e-6)


@pytest.mark.parametrize("cls, config, argument", [
    (layers.ReLU, {"max_value": -1.0}, "max_value"),
    (layers.ReLU, {"negative_slope": -0.1}, "negative_slope"),
    (layers.ReLU, {"threshold": -0.5}, "threshold"),
    (layers.LeakyReLU, {"negative_slope": -0.3}, "negative_slope"),
    (layers.Softmax, {"axis": "last"}, "axis"),
    (layers.PReLU, {"shared_axes": "height"}, "shared_axes"),
])
def test_bad_arguments_name_layer_and_argument(cls, config, argument):
    with pytest.raises(LayerConfigError, match=f"{cls.__name__}: `{argument}`"):
        cls(**config)


def test_prelu_refuses_the_batch_axis_and_unknown_sizes():
    with pytest.raises(LayerShapeError, match="shared_axes"):
        layers.PReLU(shared_axes=[0])(layers.Input((3, 4)))
    with pytest.raises(LayerShapeError, match="known size"):
        layers.PReLU()(layers.Input((None, 4)))
    assert layers.PReLU(shared_axes=1)(layers.Input((None, 4))).shape == (None, None, 4)
