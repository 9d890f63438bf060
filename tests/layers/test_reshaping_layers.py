"""UpSampling, RepeatVector, Permute, ZeroPadding and Cropping (1-D, 2-D and 3-D): unknown
sizes, then config and shape errors (the harness rows are in tests/layers/cases/reshaping.py)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import LayerConfigError, LayerShapeError, layers


@pytest.mark.parametrize("cls, config", [
    (layers.UpSampling2D, {"size": 2}),
    (layers.ZeroPadding2D, {"padding": 1}),
    (layers.Cropping2D, {"cropping": ((1, 0), (0, 1))}),
])
def test_unknown_spatial_sizes_stay_unknown_and_compute(cls, config):
    inputs = layers.Input((None, None, 2))
    layer = cls(**config)
    outputs = layer(inputs)
    assert outputs.shape == (None, None, None, 2)
    images = np.ones((1, 5, 4, 2), "float32")
    assert engine.Model(inputs, outputs).predict(images).shape == layer(images).shape


@pytest.mark.parametrize("make, message", [
    (lambda: layers.UpSampling2D(data_format="channels_first"),
     "UpSampling2D: `data_format` must be 'channels_last' or None"),
    (lambda: layers.ZeroPadding2D(data_format="channels_first"), "channels-last inputs only"),
    (lambda: layers.UpSampling2D(interpolation="bicubic"), "`interpolation` must be one of"),
    (lambda: layers.UpSampling1D(0), "`size` must be a positive integer, got 0"),
    (lambda: layers.RepeatVector(0), "RepeatVector: `n` must be a positive integer"),
    (lambda: layers.Permute((1, 3)), "`dims` must be a permutation of 1, 2, ..., n"),
    (lambda: layers.ZeroPadding1D(-1), "ZeroPadding1D: `padding` must be an int >= 0"),
    (lambda: layers.ZeroPadding2D((1, 2, 3)), "or 2 (start, end) pairs, got (1, 2, 3)"),
    (lambda: layers.Cropping1D((1, 2, 3)), "a (start, end) pair of them"),
    (lambda: layers.ZeroPadding3D((1, 2)), "ZeroPadding3D: `padding` must be an int >= 0, a "
     "tuple of 3 of them, or 3 (start, end) pairs"),
    (lambda: layers.UpSampling3D(data_format="channels_first"), "channels-last inputs only"),
    (lambda: layers.UpSampling3D((2, 2)), "UpSampling3D: `size` must be a positive int"),
])
def test_a_bad_argument_names_layer_and_argument(make, message):
    with pytest.raises(LayerConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


@pytest.mark.parametrize("layer, input_shape, message", [
    (layers.Cropping2D(((2, 2), (0, 0))), (None, 4, 3, 2),
     "cropping=((2, 2), (0, 0)) removes 4 along axis 1 but the input has only 4 there"),
    (layers.Cropping1D((3, 2)), (None, 5, 3), "removes 5 along axis 1"),
    (layers.UpSampling2D(), (None, 4, 2), "expects inputs of rank 4"),
    (layers.Cropping3D(((0, 0), (1, 1), (0, 0))), (None, 3, 2, 4, 2),
     "removes 2 along axis 2 but the input has only 2 there"),
    (layers.ZeroPadding3D(), (None, 3, 2, 4), "expects inputs of rank 5"),
    (layers.RepeatVector(2), (None, 4, 2), "expects inputs of rank 2"),
    (layers.Permute((2, 1)), (None, 4, 2, 3), "dims=(2, 1) orders 2 axes but the input has 3"),
])
def test_a_shape_that_does_not_fit_is_refused(layer, input_shape, message):
    with pytest.raises(LayerShapeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        layer(layers.Input(input_shape[1:]))
