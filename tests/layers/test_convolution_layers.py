"""Conv3D, grouped, transposed, depthwise and separable convolution through the layer harness
(every backend, gradients, Keras parity from the same weights), and their argument checks."""

import pytest

from engine import layers
from engine.errors import LayerConfigError, LayerShapeError
from tests.layers.harness import run_layer_test


@pytest.mark.parametrize(
    ("config", "output_shape"),
    [
        ({"filters": 4, "kernel_size": 3}, (2, 7, 4)),
        pytest.param({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
                     (2, 10, 2), marks=pytest.mark.slow),
        ({"filters": 2, "kernel_size": 4, "strides": 2, "output_padding": 1}, (2, 13, 2)),
        pytest.param({"filters": 3, "kernel_size": 2, "padding": "same", "dilation_rate": 2,
                      "activation": "relu", "use_bias": False}, (2, 5, 3),
                     marks=pytest.mark.slow),
    ],
)
def test_conv1d_transpose(config, output_shape):
    run_layer_test(layers.Conv1DTranspose, config, (2, 5, 3), expected_output_shape=output_shape)


@pytest.mark.parametrize(
    ("config", "output_shape"),
    [
        ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 8, 6, 3)),
        pytest.param({"filters": 2, "kernel_size": (2, 3), "strides": (2, 1)}, (2, 8, 5, 2),
                     marks=pytest.mark.slow),
        ({"filters": 2, "kernel_size": 3, "strides": 3, "padding": "same",
          "output_padding": (2, 1)}, (2, 12, 8, 2)),
    ],
)
def test_conv2d_transpose(config, output_shape):
    run_layer_test(layers.Conv2DTranspose, config, (2, 4, 3, 3),
                   expected_output_shape=output_shape, expected_weights=[
                       ("kernel", (*layers.Conv2DTranspose(**config).kernel_size,
                                   config["filters"], 3)),
                       ("bias", (config["filters"],))])


def test_conv3d_transpose():
    run_layer_test(layers.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2,
                                            "padding": "same"},
                   (1, 2, 3, 2, 2), expected_output_shape=(1, 4, 6, 4, 2))


@pytest.mark.parametrize(
    ("config", "output_shape"),
    [
        pytest.param({"filters": 2, "kernel_size": 2}, (1, 2, 3, 2, 2), marks=pytest.mark.slow),
        ({"filters": 4, "kernel_size": (1, 2, 2), "strides": 2, "padding": "same",
          "groups": 2}, (1, 2, 2, 2, 4)),
    ],
)
def test_conv3d(config, output_shape):
    run_layer_test(layers.Conv3D, config, (1, 3, 4, 3, 2), expected_output_shape=output_shape)


@pytest.mark.parametrize("cls", [layers.Conv1D, layers.Conv2D])
def test_grouped_convolution(cls):
    shape = (2, 6, 4) if cls is layers.Conv1D else (2, 5, 4, 4)
    out = (2, 6, 6) if cls is layers.Conv1D else (2, 5, 4, 6)
    result = run_layer_test(cls, {"filters": 6, "kernel_size": 3, "padding": "same",
                                  "groups": 2}, shape, expected_output_shape=out)
    assert result.layer.kernel.shape[-2:] == (2, 6)


@pytest.mark.parametrize(
    ("cls", "config", "output_shape"),
    [
        pytest.param(layers.DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2},
                     (2, 4, 8), marks=pytest.mark.slow),
        (layers.DepthwiseConv1D, {"kernel_size": 2, "strides": 2, "dilation_rate": 2,
                                  "padding": "same", "use_bias": False}, (2, 3, 4)),
        (layers.SeparableConv1D, {"filters": 3, "kernel_size": 3, "padding": "same",
                                  "activation": "relu"}, (2, 6, 3)),
        pytest.param(layers.SeparableConv1D, {"filters": 2, "kernel_size": 2, "strides": 2,
                                              "depth_multiplier": 2}, (2, 3, 2),
                     marks=pytest.mark.slow),
    ],
)
def test_depthwise_and_separable_1d(cls, config, output_shape):
    run_layer_test(cls, config, (2, 6, 4), expected_output_shape=output_shape)


@pytest.mark.parametrize(
    ("cls", "config", "output_shape", "weights"),
    [
        (layers.DepthwiseConv2D, {"kernel_size": 3, "strides": 2, "padding": "same",
                                  "depth_multiplier": 2}, (2, 3, 2, 6),
         [("kernel", (3, 3, 3, 2)), ("bias", (6,))]),
        pytest.param(layers.SeparableConv2D, {"filters": 4, "kernel_size": (2, 1),
                                              "dilation_rate": 2, "depth_multiplier": 2},
                     (2, 3, 4, 4), None, marks=pytest.mark.slow),
        (layers.SeparableConv2D, {"filters": 4, "kernel_size": 2, "padding": "same"},
         (2, 5, 4, 4), [("depthwise_kernel", (2, 2, 3, 1)), ("pointwise_kernel", (1, 1, 3, 4)),
                        ("bias", (4,))]),
    ],
)
def test_depthwise_and_separable_2d(cls, config, output_shape, weights):
    run_layer_test(cls, config, (2, 5, 4, 3), expected_output_shape=output_shape,
                   expected_weights=weights)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
         "output_padding must be below strides"),
        (lambda: layers.Conv1DTranspose(2, 3, strides=2, dilation_rate=2),
         "strides > 1 cannot be combined with dilation_rate > 1"),
        (lambda: layers.Conv2DTranspose(2, 3, output_padding=-1), "`output_padding` must be"),
        (lambda: layers.Conv2D(3, 3, groups=2), "filters (3) must be a multiple of groups (2)"),
        (lambda: layers.Conv3D(2, 3, data_format="channels_first"),
         "the engine computes channels-last inputs only"),
    ],
)
def test_bad_arguments_are_refused(make, message):
    with pytest.raises(LayerConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_groups_must_divide_the_input_channels():
    with pytest.raises(LayerShapeError, match="groups=2, which must divide the input's 3"):
        layers.Conv1D(4, 3, groups=2).build((None, 8, 3))
