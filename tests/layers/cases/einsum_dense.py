"""EinsumDense on Keras's three equation forms, and Identity.
Input shapes repeat across rows on purpose: JAX compiles each op once per shape."""

from engine import layers
from tests.layers.table import row


def _einsum_dense(config, input_shape, output_shape, weights):
    return row(layers.EinsumDense, config, input_shape, expected_output_shape=output_shape,
               expected_weights=weights)


ROWS = [
    _einsum_dense({"equation": "ab,bc->ac", "output_shape": 5}, (2, 4), (2, 5),
                  [("kernel", (4, 5))]),
    _einsum_dense({"equation": "ab,bc->ac", "output_shape": (5,), "bias_axes": "c",
                   "activation": "tanh"}, (2, 4), (2, 5), [("kernel", (4, 5)), ("bias", (5,))]),
    _einsum_dense({"equation": "abc,cde->abde", "output_shape": (3, 5, 2), "bias_axes": "de"},
                  (2, 3, 4), (2, 3, 5, 2), [("kernel", (4, 5, 2)), ("bias", (5, 2))]),
    _einsum_dense({"equation": "abc,cd->abd", "output_shape": (3, 5), "bias_axes": "b"},
                  (2, 3, 4), (2, 3, 5), [("kernel", (4, 5)), ("bias", (3, 1))]),
    _einsum_dense({"equation": "abc,cd->abd", "output_shape": (None, 5)}, (2, 3, 4), (2, 3, 5),
                  [("kernel", (4, 5))]),
    _einsum_dense({"equation": "...b,bc->...c", "output_shape": 5, "bias_axes": "c"},
                  (2, 3, 4), (2, 3, 5), [("kernel", (4, 5)), ("bias", (5,))]),
    _einsum_dense({"equation": "abc...,cd->abd...", "output_shape": (3, 5), "bias_axes": "d"},
                  (2, 3, 4, 2), (2, 3, 5, 2), [("kernel", (4, 5)), ("bias", (5, 1))]),
    row(layers.Identity, {}, (2, 3, 4), expected_output_shape=(2, 3, 4), expected_weights=[]),
]
