"""UpSampling, RepeatVector, Permute, ZeroPadding and Cropping (1-D, 2-D and 3-D).
Input shapes repeat across rows on purpose: JAX compiles each op once per shape."""

from engine import layers
from tests.layers.table import row


def _reshaping(cls, config, input_shape, output_shape):
    return row(cls, config, input_shape, expected_output_shape=output_shape,
               expected_weights=[])


ROWS = [
    _reshaping(layers.UpSampling1D, {}, (2, 4, 3), (2, 8, 3)),
    _reshaping(layers.UpSampling1D, {"size": 3}, (2, 4, 3), (2, 12, 3)),
    _reshaping(layers.UpSampling2D, {}, (2, 4, 3, 2), (2, 8, 6, 2)),
    _reshaping(layers.UpSampling2D, {"size": (3, 1)}, (2, 4, 3, 2), (2, 12, 3, 2)),
    _reshaping(layers.UpSampling2D, {"size": (2, 3), "interpolation": "bilinear"},
               (2, 4, 3, 2), (2, 8, 9, 2)),
    _reshaping(layers.UpSampling2D, {"size": 3, "interpolation": "bilinear",
                                     "data_format": "channels_last"}, (2, 4, 3, 2),
               (2, 12, 9, 2)),
    _reshaping(layers.RepeatVector, {"n": 3}, (2, 5), (2, 3, 5)),
    _reshaping(layers.Permute, {"dims": (2, 1)}, (2, 4, 3), (2, 3, 4)),
    _reshaping(layers.Permute, {"dims": (3, 1, 2)}, (2, 4, 3, 2), (2, 2, 4, 3)),
    _reshaping(layers.ZeroPadding1D, {}, (2, 4, 3), (2, 6, 3)),
    _reshaping(layers.ZeroPadding1D, {"padding": (0, 2)}, (2, 4, 3), (2, 6, 3)),
    _reshaping(layers.ZeroPadding2D, {}, (2, 4, 3, 2), (2, 6, 5, 2)),
    _reshaping(layers.ZeroPadding2D, {"padding": (2, 0)}, (2, 4, 3, 2), (2, 8, 3, 2)),
    _reshaping(layers.ZeroPadding2D, {"padding": ((1, 0), (0, 2))}, (2, 4, 3, 2),
               (2, 5, 5, 2)),
    _reshaping(layers.Cropping1D, {}, (2, 4, 3), (2, 2, 3)),
    _reshaping(layers.Cropping1D, {"cropping": (0, 3)}, (2, 4, 3), (2, 1, 3)),
    _reshaping(layers.Cropping2D, {}, (2, 4, 3, 2), (2, 4, 3, 2)),
    _reshaping(layers.Cropping2D, {"cropping": 1}, (2, 4, 3, 2), (2, 2, 1, 2)),
    _reshaping(layers.Cropping2D, {"cropping": ((2, 1), (0, 1))}, (2, 4, 3, 2), (2, 1, 2, 2)),
    _reshaping(layers.UpSampling3D, {}, (2, 3, 2, 4, 2), (2, 6, 4, 8, 2)),
    _reshaping(layers.UpSampling3D, {"size": (1, 3, 2)}, (2, 3, 2, 4, 2), (2, 3, 6, 8, 2)),
    _reshaping(layers.ZeroPadding3D, {}, (2, 3, 2, 4, 2), (2, 5, 4, 6, 2)),
    _reshaping(layers.ZeroPadding3D, {"padding": (2, 0, 1)}, (2, 3, 2, 4, 2),
               (2, 7, 2, 6, 2)),
    _reshaping(layers.ZeroPadding3D, {"padding": ((1, 0), (0, 2), (3, 1))}, (2, 3, 2, 4, 2),
               (2, 4, 4, 8, 2)),
    _reshaping(layers.Cropping3D, {"cropping": ((1, 0), (0, 1), (1, 2))}, (2, 3, 2, 4, 2),
               (2, 2, 1, 1, 2)),
    _reshaping(layers.Cropping3D, {"cropping": (1, 0, 1)}, (2, 3, 2, 4, 2), (2, 1, 2, 2, 2)),
]
