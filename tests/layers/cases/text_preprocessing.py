"""Hashing, HashedCrossing and IntegerLookup on integer ids (their strings, and StringLookup
and TextVectorization, which take strings only, are tested against Keras in
tests/layers/test_text_preprocessing.py). They compute on the host: no gradients."""

import numpy as np

from engine import layers
from tests.layers.table import row

IDS = np.array([[12, 1138, 42], [42, 1000, 36]], "int32")


def _host(cls, config, data, output_shape, **options):
    return row(cls, config, input_data=data, expected_output_shape=output_shape,
               expected_weights=[], check_gradients=False, **options)


ROWS = [
    _host(layers.Hashing, {"num_bins": 11, "output_mode": "count"}, IDS, (2, 11)),
    _host(layers.HashedCrossing, {"num_bins": 5}, [IDS[:, :1], IDS[:, 1:2]], (2, 1),
          call_with_list=True),
    _host(layers.IntegerLookup, {"vocabulary": [12, 36, 1138, 42], "num_oov_indices": 2},
          IDS, (2, 3)),
]
