"""Preprocessing layers: everything deterministic (Rescaling, Normalization, Resizing,
CenterCrop, Discretization, CategoryEncoding), the random image layers at inference and with
factors that draw the identity. The fast rows keep one of each kind; the rest run with --slow.
"""

import numpy as np

from engine import layers
from tests.layers.table import returns_its_input, row

IMAGES = (2, 6, 8, 3)  # one image shape throughout: JAX compiles each op once per shape
PIXELS = np.random.default_rng(3).uniform(0, 255, IMAGES).astype("float32")
IDS = np.random.default_rng(4).integers(0, 5, (2, 3)).astype("int32")
NUMBERS = np.random.default_rng(5).normal(0, 1, (2, 3)).astype("float32")
NUMBERS[0, 0] = 0.0  # on a boundary: its bucket is the one above

# (class, config, slow at inference): tests/layers/test_preprocessing_layers.py trains them all
RANDOM = [
    (layers.RandomFlip, {"seed": 1}, False),
    (layers.RandomFlip, {"mode": "horizontal", "seed": 1}, True),
    (layers.RandomRotation, {"factor": 0.2, "seed": 1}, False),
    (layers.RandomZoom, {"height_factor": (-0.3, 0.2), "seed": 1}, False),
    (layers.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.3, "seed": 1}, False),
    (layers.RandomContrast, {"factor": 0.5, "seed": 1}, False),
    (layers.RandomBrightness, {"factor": 0.3, "seed": 1}, False),
]


def _deterministic(cls, config, output_shape, slow=False):
    return row(cls, config, IMAGES, slow=slow, expected_output_shape=output_shape,
               expected_weights=[])


def _identity_draw(cls, config, slow=False):
    """Factor 0: the transform is fixed, so training outputs (the clip included) and their
    gradients go through the same math on every backend and in Keras."""
    return row(cls, config, input_data=PIXELS, training=True, slow=slow,
               expected_output_shape=IMAGES, expected_weights=[])


def _encoding(cls, config, data, output_shape, slow=False):
    return row(cls, config, input_data=data, slow=slow, expected_output_shape=output_shape,
               expected_weights=[], check_gradients=False)


def _keras_resizing_to_the_aspect_ratio(config):
    """Keras 3.15's RandomCrop passes images through unchanged at inference, against its own
    output shape; the engine does what its docstring says (Resizing with
    crop_to_aspect_ratio), which is what is compared."""
    import keras

    return keras.layers.Resizing(config["height"], config["width"], crop_to_aspect_ratio=True)


ROWS = [
    _deterministic(layers.Rescaling, {"scale": 1 / 255}, (2, 6, 8, 3)),
    _deterministic(layers.Rescaling, {"scale": 2.0, "offset": -1.0}, (2, 6, 8, 3), slow=True),
    _deterministic(layers.Rescaling, {"scale": [0.5, 1.0, 2.0], "offset": [0.0, 1.0, -1.0]},
                   (2, 6, 8, 3)),
    _deterministic(layers.Normalization, {"mean": [0.5, -1.0, 2.0],
                                          "variance": [4.0, 0.25, 1.0]}, (2, 6, 8, 3)),
    _deterministic(layers.Normalization, {"axis": None, "mean": 0.5, "variance": 2.0},
                   (2, 6, 8, 3), slow=True),
    _deterministic(layers.Normalization, {"axis": (1, -1), "mean": [1.0, 2.0, 0.0],
                                          "variance": [1.0, 4.0, 9.0]}, (2, 6, 8, 3),
                   slow=True),
    _deterministic(layers.Normalization, {"mean": [0.5, -1.0, 2.0],
                                          "variance": [4.0, 0.0, 1.0], "invert": True},
                   (2, 6, 8, 3), slow=True),
    _deterministic(layers.Resizing, {"height": 3, "width": 4}, (2, 3, 4, 3)),
    _deterministic(layers.Resizing, {"height": 9, "width": 5}, (2, 9, 5, 3), slow=True),
    _deterministic(layers.Resizing, {"height": 4, "width": 3, "interpolation": "nearest"},
                   (2, 4, 3, 3)),
    _deterministic(layers.Resizing, {"height": 4, "width": 4, "crop_to_aspect_ratio": True},
                   (2, 4, 4, 3), slow=True),
    _deterministic(layers.Resizing, {"height": 5, "width": 5, "pad_to_aspect_ratio": True,
                                     "fill_value": 1.5}, (2, 5, 5, 3)),
    _deterministic(layers.CenterCrop, {"height": 4, "width": 5}, (2, 4, 5, 3)),
    _deterministic(layers.CenterCrop, {"height": 8, "width": 4}, (2, 8, 4, 3), slow=True),
    row(layers.Normalization, {"axis": 1}, (2, 4, 3), keras=False,
        expected_weights=[("mean", (4,)), ("variance", (4,)), ("count", ())],
        weights=[np.arange(4, dtype="float32"), np.array([1.0, 4.0, 0.5, 2.0], "float32"),
                 np.array(0, "int32")]),
    # the random layers at inference: the identity
    *[row(cls, config, input_data=PIXELS, slow=slow, expected_output_shape=IMAGES,
          expected_weights=[], check_gradients=False, then=returns_its_input)
      for cls, config, slow in RANDOM],
    _identity_draw(layers.RandomRotation, {"factor": 0.0}),
    _identity_draw(layers.RandomZoom, {"height_factor": 0.0, "interpolation": "nearest"},
                   slow=True),
    _identity_draw(layers.RandomTranslation, {"height_factor": 0.0, "width_factor": 0.0,
                                              "fill_mode": "constant"}, slow=True),
    _identity_draw(layers.RandomContrast, {"factor": 0.0}),
    _identity_draw(layers.RandomBrightness, {"factor": 0.0, "value_range": (0, 200)}),
    row(layers.RandomCrop, {"height": 4, "width": 5, "seed": 2}, IMAGES,
        expected_output_shape=(2, 4, 5, 3), expected_weights=[],
        keras_layer=_keras_resizing_to_the_aspect_ratio),
    _encoding(layers.Discretization, {"bin_boundaries": [-0.5, 0.0, 1.0]}, NUMBERS, (2, 3)),
    _encoding(layers.Discretization, {"bin_boundaries": [0.0, 0.5], "output_mode": "one_hot"},
              NUMBERS, (2, 3, 3)),
    _encoding(layers.Discretization, {"bin_boundaries": [0.0], "output_mode": "count"},
              NUMBERS, (2, 2), slow=True),
    _encoding(layers.CategoryEncoding, {"num_tokens": 5}, IDS, (2, 5)),
    _encoding(layers.CategoryEncoding, {"num_tokens": 6, "output_mode": "count"}, IDS, (2, 6)),
    _encoding(layers.CategoryEncoding, {"num_tokens": 5, "output_mode": "one_hot"}, IDS,
              (2, 3, 5), slow=True),
]
