"""Keras 3's colour, mixing and geometric augmentation layers and Pipeline: training with
draws pinned (a factor range of one value, probability 1) against Keras on every backend;
otherwise (random=True) forward, gradients and configs, the values not compared."""

import numpy as np

from engine import layers
from tests.layers.table import row

PIXELS = np.random.default_rng(3).uniform(0, 255, (2, 6, 8, 3)).astype("float32")
UNIT = PIXELS / 255  # the same images on [0, 1]


def pinned(cls, config, data=PIXELS, **options):
    """A training row whose draws are pinned: compared across backends and with Keras."""
    return row(cls, config, input_data=data, training=True, expected_weights=[], **options)


def drawn(cls, config, **options):
    """A training row with random draws: shapes, configs and gradients only."""
    return row(cls, config, input_data=PIXELS, training=True, random=True, **options)


def keras_pipeline(config):
    import keras

    return keras.layers.Pipeline([keras.layers.RandomInvert((1.0, 1.0)),
                                  keras.layers.AutoContrast()])


ROWS = [
    pinned(layers.RandomGrayscale, {"factor": 1.0}, slow=True),
    pinned(layers.RandomInvert, {"factor": (1.0, 1.0)}),
    pinned(layers.Solarization, {"value_range": (0, 1)}, UNIT),
    pinned(layers.RandomPosterization, {"factor": (3, 3)}, check_gradients=False),
    pinned(layers.RandomColorDegeneration, {"factor": (0.4, 0.4)}),
    pinned(layers.RandomSaturation, {"factor": (0.3, 0.3), "value_range": (0, 1)}, UNIT),
    pinned(layers.RandomHue, {"factor": 0.0, "value_range": (0, 1)}, UNIT),
    pinned(layers.RandomSharpness, {"factor": (0.8, 0.8)}),
    pinned(layers.RandomColorJitter, {"brightness_factor": 0.0, "contrast_factor": 0.0,
                                      "saturation_factor": (0.6, 0.6), "hue_factor": 0.0,
                                      "value_range": (0, 1)}, UNIT, slow=True),
    pinned(layers.RandomGaussianBlur, {"factor": (1.0, 1.0), "sigma": (0.5, 0.5),
                                       "kernel_size": 5}),
    pinned(layers.Equalization, {"bins": 64}, check_gradients=False),
    row(layers.AutoContrast, {}, input_data=PIXELS, expected_weights=[]),
    pinned(layers.AutoContrast, {"value_range": (-1, 1)}),
    pinned(layers.RandomShear, {"x_factor": 0.0, "y_factor": 0.0, "fill_mode": "constant"},
           slow=True),
    pinned(layers.RandomPerspective, {"scale": 0.0, "interpolation": "nearest"}, slow=True),
    pinned(layers.RandomErasing, {"factor": (0.0, 0.0)}, slow=True),
    drawn(layers.RandomGrayscale, {"seed": 1}),
    drawn(layers.RandomHue, {"factor": 0.4, "seed": 1}, slow=True),
    drawn(layers.RandomErasing, {"fill_value": 5.0, "seed": 1}),
    drawn(layers.MixUp, {"seed": 1}),
    drawn(layers.CutMix, {"seed": 1}),
    drawn(layers.RandomShear, {"x_factor": 0.3, "y_factor": (0.1, 0.2), "seed": 1}),
    drawn(layers.RandomPerspective, {"scale": 0.5, "seed": 1}),
    drawn(layers.Solarization, {"addition_factor": 0.2, "threshold_factor": 0.6, "seed": 1},
          check_gradients=False),
    drawn(layers.RandomColorJitter, {"brightness_factor": 0.2, "contrast_factor": 0.3,
                                     "seed": 1}),
    # check_gradients=False: the finite differences run in float64, but the layers a
    # Pipeline holds keep their own dtype (float32), as in Keras
    pinned(layers.Pipeline, {"layers": [layers.RandomInvert((1.0, 1.0)),
                                        layers.AutoContrast()]},
           keras_layer=keras_pipeline, check_gradients=False),
]
