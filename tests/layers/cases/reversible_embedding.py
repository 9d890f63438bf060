"""ReversibleEmbedding forwards (Embedding's lookup, its weights in Keras's layout, with and
without the reverse table); its reverse calls are in tests/layers/test_reversible_embedding.py
(the harness calls layers forwards)."""

import numpy as np

from engine import layers
from tests.layers.table import row

IDS = np.random.default_rng(4).integers(0, 6, (2, 5)).astype("int32")

ROWS = [
    row(layers.ReversibleEmbedding, {"input_dim": 6, "output_dim": 3}, input_data=IDS,
        expected_weights=[("embeddings", (6, 3))]),
    row(layers.ReversibleEmbedding, {"input_dim": 6, "output_dim": 3, "tie_weights": False,
                                     "mask_zero": True, "logit_soft_cap": 2.0},
        input_data=IDS, expected_weights=[("embeddings", (6, 3)),
                                          ("reverse_embeddings", (3, 6))]),
]
