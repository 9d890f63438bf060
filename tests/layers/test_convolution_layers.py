"""Conv3D, grouped, transposed, depthwise and separable convolution: their argument checks
(the harness rows are in tests/layers/cases/convolution.py)."""

import pytest

from engine import layers
from engine.errors import LayerConfigError, LayerShapeError


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
