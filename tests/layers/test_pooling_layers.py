"""MaxPooling and AveragePooling in 1-D and 3-D: Keras's aliases, unknown sizes, then errors
(the harness rows are in tests/layers/cases/pooling.py)."""

from __future__ import annotations

import pytest

from engine import LayerConfigError, LayerShapeError, layers


def test_keras_s_short_names_are_the_same_classes():
    assert (layers.MaxPool1D, layers.MaxPool2D, layers.MaxPool3D) == (
        layers.MaxPooling1D, layers.MaxPooling2D, layers.MaxPooling3D)
    assert (layers.AvgPool1D, layers.AvgPool2D, layers.AvgPool3D) == (
        layers.AveragePooling1D, layers.AveragePooling2D, layers.AveragePooling3D)


def test_unknown_sizes_stay_unknown():
    assert layers.MaxPooling1D(3, padding="same")(layers.Input((None, 2))).shape == (
        None, None, 2)
    assert layers.AveragePooling3D(2)(layers.Input((4, None, 6, 2))).shape == (
        None, 2, None, 3, 2)


@pytest.mark.parametrize("make, message", [
    (lambda: layers.MaxPooling1D(0), "MaxPooling1D: `pool_size` must be a positive int"),
    (lambda: layers.AveragePooling3D((2, 2)), "or a tuple of 3 of them, got \\(2, 2\\)"),
    (lambda: layers.MaxPooling3D(strides=(1, 0, 1)), "`strides` must be a positive int"),
    (lambda: layers.AveragePooling1D(2, padding="full"), "`padding` must be one of"),
])
def test_a_bad_argument_names_layer_and_argument(make, message):
    with pytest.raises(LayerConfigError, match=message):
        make()


@pytest.mark.parametrize("layer, input_shape, message", [
    (layers.MaxPooling1D(), (None, 4, 3, 2), "expects inputs of rank 3"),
    (layers.AveragePooling3D(2), (None, 4, 3, 2), "expects inputs of rank 5"),
    (layers.MaxPooling3D((2, 3, 2)), (None, 4, 2, 4, 1),
     "its pool spans 3 along axis 2 but the input has only 2 there"),
])
def test_inputs_that_do_not_fit_raise_a_shape_error(layer, input_shape, message):
    with pytest.raises(LayerShapeError, match=message):
        layer(layers.Input(input_shape[1:]))
