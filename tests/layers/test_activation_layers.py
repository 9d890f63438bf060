"""The activation layers (ReLU, LeakyReLU, ELU, Softmax, PReLU): values, then argument and
shape errors (the harness rows are in tests/layers/cases/activation_layers.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import LayerConfigError, LayerShapeError, layers


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
