"""Global average and max pooling in 1, 2 and 3 dimensions: Keras's aliases of them, their
values and errors (the harness rows are in tests/layers/cases/global_pooling.py)."""

import re

import numpy as np
import pytest

from engine import layers
from engine.errors import LayerConfigError, LayerShapeError


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
