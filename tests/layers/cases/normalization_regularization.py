"""Regularization layers (spatial, Gaussian and alpha dropout, Gaussian noise, activity
regularization) and normalization layers (UnitNormalization, RMSNormalization,
GroupNormalization)."""

import numpy as np

from engine import layers
from tests.layers.table import returns_its_input, row

RANDOM_LAYERS = [
    (layers.SpatialDropout1D, {"rate": 0.5, "seed": 1}, (2, 5, 3)),
    (layers.SpatialDropout2D, {"rate": 0.5, "seed": 1}, (2, 4, 3, 3)),
    (layers.SpatialDropout3D, {"rate": 0.5, "seed": 1}, (2, 2, 3, 2, 3)),
    (layers.GaussianNoise, {"stddev": 0.3, "seed": 1}, (2, 5, 3)),
    (layers.GaussianDropout, {"rate": 0.3, "seed": 1}, (2, 5, 3)),
    (layers.AlphaDropout, {"rate": 0.3, "noise_shape": (None, 1, 3), "seed": 1}, (2, 5, 3)),
]
# Training draws differ from Keras's; the harness checks gradients and backends. Two run in
# CI (the arithmetic of the others is Dropout's or GaussianNoise's, tested in
# tests/layers/test_normalization_regularization.py).
TRAINED_IN_CI = (layers.AlphaDropout, layers.GaussianDropout)


def _perturbed(*shapes):
    rng = np.random.default_rng(5)
    return [(1.0 + 0.3 * rng.normal(size=shape)).astype("float32") for shape in shapes]


def _normalization(cls, config, shape, weights):
    return row(cls, config, shape, weights=weights, rtol=1e-4, atol=1e-5)


ROWS = [
    *[row(cls, config, shape, expected_weights=[], check_gradients=False,
          then=returns_its_input) for cls, config, shape in RANDOM_LAYERS],
    *[row(cls, config, shape, slow=cls not in TRAINED_IN_CI, training=True, random=True,
          keras=False) for cls, config, shape in RANDOM_LAYERS],
    row(layers.ActivityRegularization, {"l1": 0.01, "l2": 0.02}, (2, 3)),
    _normalization(layers.UnitNormalization, {}, (2, 5, 6), None),
    _normalization(layers.UnitNormalization, {"axis": [1, 2]}, (2, 5, 6), None),
    _normalization(layers.RMSNormalization, {}, (2, 5, 6), _perturbed((6,))),
    _normalization(layers.RMSNormalization, {"axis": [1, 2], "epsilon": 1e-3}, (2, 5, 6),
                   _perturbed((5, 6))),
    _normalization(layers.GroupNormalization, {"groups": 3}, (2, 5, 6), _perturbed((6,), (6,))),
    _normalization(layers.GroupNormalization, {"groups": -1, "axis": 1, "center": False},
                   (2, 5, 6), _perturbed((5,))),
    _normalization(layers.GroupNormalization, {"groups": 2, "scale": False, "epsilon": 0.1},
                   (2, 3, 2, 4), _perturbed((4,))),
]
