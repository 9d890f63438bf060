"""UpSampling, RepeatVector, Permute, ZeroPadding and Cropping (1-D, 2-D and 3-D): the layer
harness on several configs each (Keras parity included), then config and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import LayerConfigError, LayerShapeError, layers
from tests.layers.harness import run_layer_test

# Input shapes repeat across rows on purpose: JAX compiles each op once per shape.
CASES = [
    (layers.UpSampling1D, {}, (2, 4, 3), (2, 8, 3)),
    (layers.UpSampling1D, {"size": 3}, (2, 4, 3), (2, 12, 3)),
    (layers.UpSampling2D, {}, (2, 4, 3, 2), (2, 8, 6, 2)),
    (layers.UpSampling2D, {"size": (3, 1)}, (2, 4, 3, 2), (2, 12, 3, 2)),
    (layers.UpSampling2D, {"size": (2, 3), "interpolation": "bilinear"}, (2, 4, 3, 2),
     (2, 8, 9, 2)),
    (layers.UpSampling2D, {"size": 3, "interpolation": "bilinear", "data_format":
                           "channels_last"}, (2, 4, 3, 2), (2, 12, 9, 2)),
    (layers.RepeatVector, {"n": 3}, (2, 5), (2, 3, 5)),
    (layers.Permute, {"dims": (2, 1)}, (2, 4, 3), (2, 3, 4)),
    (layers.Permute, {"dims": (3, 1, 2)}, (2, 4, 3, 2), (2, 2, 4, 3)),
    (layers.ZeroPadding1D, {}, (2, 4, 3), (2, 6, 3)),
    (layers.ZeroPadding1D, {"padding": (0, 2)}, (2, 4, 3), (2, 6, 3)),
    (layers.ZeroPadding2D, {}, (2, 4, 3, 2), (2, 6, 5, 2)),
    (layers.ZeroPadding2D, {"padding": (2, 0)}, (2, 4, 3, 2), (2, 8, 3, 2)),
    (layers.ZeroPadding2D, {"padding": ((1, 0), (0, 2))}, (2, 4, 3, 2), (2, 5, 5, 2)),
    (layers.Cropping1D, {}, (2, 4, 3), (2, 2, 3)),
    (layers.Cropping1D, {"cropping": (0, 3)}, (2, 4, 3), (2, 1, 3)),
    (layers.Cropping2D, {}, (2, 4, 3, 2), (2, 4, 3, 2)),
    (layers.Cropping2D, {"cropping": 1}, (2, 4, 3, 2), (2, 2, 1, 2)),
    (layers.Cropping2D, {"cropping": ((2, 1), (0, 1))}, (2, 4, 3, 2), (2, 1, 2, 2)),
    (layers.UpSampling3D, {}, (2, 3, 2, 4, 2), (2, 6, 4, 8, 2)),
    (layers.UpSampling3D, {"size": (1, 3, 2)}, (2, 3, 2, 4, 2), (2, 3, 6, 8, 2)),
    (layers.ZeroPadding3D, {}, (2, 3, 2, 4, 2), (2, 5, 4, 6, 2)),
    (layers.ZeroPadding3D, {"padding": (2, 0, 1)}, (2, 3, 2, 4, 2), (2, 7, 2, 6, 2)),
    (layers.ZeroPadding3D, {"padding": ((1, 0), (0, 2), (3, 1))}, (2, 3, 2, 4, 2),
     (2, 4, 4, 8, 2)),
    (layers.Cropping3D, {"cropping": ((1, 0), (0, 1), (1, 2))}, (2, 3, 2, 4, 2),
     (2, 2, 1, 1, 2)),
    (layers.Cropping3D, {"cropping": (1, 0, 1)}, (2, 3, 2, 4, 2), (2, 1, 2, 2, 2)),
]


@pytest.mark.parametrize("cls, config, input_shape, output_shape", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_reshaping_layer(cls, config, input_shape, output_shape):
    run_layer_test(cls, config, input_shape, expected_output_shape=output_shape,
                   expected_weights=[])


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
