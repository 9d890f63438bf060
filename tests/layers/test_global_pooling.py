"""Global average and max pooling in 1, 2 and 3 dimensions, and Keras's aliases of them."""

import re

import numpy as np
import pytest

from engine import layers
from engine.errors import LayerConfigError, LayerShapeError
from tests.layers.harness import run_layer_test

# (class, config, input shape, output shape)
CASES = [
    (layers.GlobalAveragePooling1D, {}, (2, 5, 3), (2, 3)),
    (layers.GlobalAveragePooling1D, {"keepdims": True}, (2, 5, 3), (2, 1, 3)),
    (layers.GlobalAveragePooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (layers.GlobalAveragePooling2D, {"keepdims": True}, (2, 4, 5, 3), (2, 1, 1, 3)),
    (layers.GlobalAveragePooling3D, {}, (2, 3, 4, 2, 3), (2, 3)),
    (layers.GlobalAveragePooling3D, {"keepdims": True, "data_format": "channels_last"},
     (2, 3, 4, 2, 3), (2, 1, 1, 1, 3)),
    (layers.GlobalMaxPooling1D, {}, (2, 5, 3), (2, 3)),
    (layers.GlobalMaxPooling1D, {"keepdims": True}, (2, 5, 3), (2, 1, 3)),
    (layers.GlobalMaxPooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (layers.GlobalMaxPooling2D, {"keepdims": True}, (2, 4, 5, 3), (2, 1, 1, 3)),
    (layers.GlobalMaxPooling3D, {}, (2, 3, 4, 2, 3), (2, 3)),
    (layers.GlobalMaxPooling3D, {"keepdims": True}, (2, 3, 4, 2, 3), (2, 1, 1, 1, 3)),
]


@pytest.mark.parametrize("cls, config, input_shape, output_shape", CASES,
                         ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_global_pooling(cls, config, input_shape, output_shape):
    run_layer_test(cls, config, input_shape, expected_output_shape=output_shape,
                   expected_weights=[])


@pytest.mark.parametrize("alias, cls", [
    ("GlobalAvgPool1D", "GlobalAveragePooling1D"), ("GlobalAvgPool2D", "GlobalAveragePooling2D"),
    ("GlobalAvgPool3D", "GlobalAveragePooling3D"), ("GlobalMaxPool1D", "GlobalMaxPooling1D"),
    ("GlobalMaxPool2D", "GlobalMaxPooling2D"), ("GlobalMaxPool3D", "GlobalMaxPooling3D"),
])
def test_keras_aliases_are_the_same_classes(alias, cls):
    assert getattr(layers, alias) is getattr(layers, cls) and alias not in layers.LAYERS


def test_values_are_the_mean_and_the_max_over_every_spatial_axis():
    x = np.arange(2 * 3 * 4 * 2 * 5, dtype="float32").reshape(2, 3, 4, 2, 5)
    np.testing.assert_allclose(layers.GlobalAveragePooling3D()(x), x.mean(axis=(1, 2, 3)))
    np.testing.assert_allclose(layers.GlobalMaxPooling1D()(x[:, 0, 0]), x[:, 0, 0].max(axis=1))


def test_data_format_none_means_channels_last_as_in_keras():
    assert layers.GlobalMaxPooling1D().get_config()["data_format"] == "channels_last"
    assert layers.GlobalAveragePooling2D("channels_last", True).keepdims


@pytest.mark.parametrize("cls", [layers.GlobalAveragePooling1D, layers.GlobalMaxPooling3D])
def test_channels_first_is_refused_saying_what_to_do(cls):
    with pytest.raises(LayerConfigError,
                       match=f"{cls.__name__}: `data_format` must be 'channels_last' or None"):
        cls(data_format="channels_first")
    with pytest.raises(LayerConfigError, match="`data_format`"):
        cls(data_format="channels_middle")


@pytest.mark.parametrize("cls, input_shape, message", [
    (layers.GlobalMaxPooling1D, (2, 3, 4, 5),
     "expects inputs of rank 3 (batch, width, channels), got rank 4"),
    (layers.GlobalAveragePooling3D, (2, 3, 4, 5),
     "expects inputs of rank 5 (batch, depth, height, width, channels), got rank 4"),
])
def test_a_wrong_rank_is_refused(cls, input_shape, message):
    with pytest.raises(LayerShapeError, match=re.escape(message)):
        cls()(np.zeros(input_shape, "float32"))
