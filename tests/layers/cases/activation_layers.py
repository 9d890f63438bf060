"""The activation layers (ReLU, LeakyReLU, ELU, Softmax, PReLU) on one input shape, so that
JAX compiles each op once."""

import numpy as np

from engine import layers
from tests.layers.table import row

SHAPE = (2, 3, 4)


def _prelu(config, alpha_shape):
    alpha = np.random.default_rng(2).uniform(-0.5, 0.5, alpha_shape).astype("float32")
    return row(layers.PReLU, config, SHAPE, expected_output_shape=SHAPE,
               expected_weights=[("alpha", alpha_shape)], weights=[alpha])


ROWS = [
    *[row(cls, config, SHAPE, expected_output_shape=SHAPE, expected_weights=[])
      for cls, config in [
          (layers.ReLU, {}),
          (layers.ReLU, {"max_value": 0.8}),
          (layers.ReLU, {"max_value": 6.0}),
          (layers.ReLU, {"negative_slope": 0.1}),
          (layers.ReLU, {"threshold": 0.5}),
          (layers.ReLU, {"max_value": 1.0, "negative_slope": 0.2, "threshold": 0.3}),
          (layers.LeakyReLU, {}),
          (layers.LeakyReLU, {"negative_slope": 0.05}),
          (layers.ELU, {}),
          (layers.ELU, {"alpha": 0.5}),
          (layers.Softmax, {}),
          (layers.Softmax, {"axis": 1}),
          (layers.Softmax, {"axis": [1, 2]})]],
    _prelu({}, (3, 4)),
    _prelu({"shared_axes": [1]}, (1, 4)),
    _prelu({"shared_axes": 2, "alpha_initializer": "random_normal"}, (3, 1)),
]
