"""EinsumDense and Identity: masks, fan-scaled initial weights, then errors (the harness rows
are in tests/layers/cases/einsum_dense.py)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import LayerConfigError, LayerShapeError, layers


def test_identity_passes_the_mask_on():
    ids = layers.Input((4,), dtype="int32")
    masked = layers.Embedding(5, 3, mask_zero=True)(ids)
    assert layers.Identity()(masked)._keras_mask is not None


def test_a_fan_scaled_kernel_counts_fans_as_keras_does():
    """Keras's EinsumDense scales by the kernel axes shared with the input (fan-in) and with
    the output (fan-out): (4, 50, 60) in 'abc,cde->abde' has fans 4 and 3000."""
    engine.utils.set_random_seed(0)
    layer = layers.EinsumDense("abc,cde->abde", (3, 50, 60), kernel_initializer="he_uniform")
    layer.build((None, 3, 4))
    limit = np.sqrt(6.0 / 4)
    kernel = np.asarray(layer.kernel)
    assert kernel.shape == (4, 50, 60) and np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit


@pytest.mark.parametrize("make, message", [
    (lambda: layers.EinsumDense("ab,bc", 5), "`equation` must be an einsum equation"),
    (lambda: layers.EinsumDense("ab,bc->ac", "five"), "`output_shape` must be a tuple"),
    (lambda: layers.EinsumDense("ab,bc->ac", 5, bias_axes="d"),
     "`bias_axes` 'd' names d, which the output 'ac'"),
    (lambda: layers.EinsumDense("ab,bc->ac", 5, bias_axes=3), "`bias_axes` must be a string"),
])
def test_a_bad_argument_names_layer_and_argument(make, message):
    with pytest.raises(LayerConfigError, match=message):
        make()


@pytest.mark.parametrize("config, input_shape, message", [
    ({"equation": "abc,cd->abd", "output_shape": 5}, (None, 4),
     "names 3 input axes, but the input has 2"),
    ({"equation": "abc,cd->abd", "output_shape": 5}, (None, 3, 4),
     "gives 1 sizes, but equation 'abc,cd->abd' has 2 output axes"),
    ({"equation": "abc,cd->abd", "output_shape": (6, 5)}, (None, 3, 4),
     "axis 'b' has size 3 in the input but 6"),
    ({"equation": "ab,bce->ac", "output_shape": 5}, (None, 4), "kernel axis 'e'"),
    ({"equation": "ab,bc->acd", "output_shape": (5, 2)}, (None, 4), "output axis 'd'"),
    ({"equation": "ab,bc->ac", "output_shape": (None,)}, (None, 4),
     "needs the sizes of every kernel axis"),
])
def test_inputs_that_do_not_fit_raise_a_shape_error(config, input_shape, message):
    with pytest.raises(LayerShapeError, match=message):
        layers.EinsumDense(**config)(layers.Input(input_shape[1:]))
