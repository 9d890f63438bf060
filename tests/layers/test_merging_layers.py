"""Subtract, Average, Maximum, Minimum and Dot: Keras's lower-case shorthands, then config and
shape errors (the harness rows are in tests/layers/cases/merging.py)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import LayerConfigError, LayerShapeError, layers


@pytest.mark.parametrize("function, cls, kwargs", [
    (layers.subtract, layers.Subtract, {}),
    (layers.average, layers.Average, {}),
    (layers.maximum, layers.Maximum, {}),
    (layers.minimum, layers.Minimum, {}),
    (layers.dot, layers.Dot, {"axes": -1}),
])
def test_the_lower_case_function_is_the_layer_called_once(function, cls, kwargs):
    a, b = layers.Input((3,)), layers.Input((3,))
    out = function([a, b], name="merged", **kwargs)
    model = engine.Model([a, b], out)
    assert isinstance(model.get_layer("merged"), cls)
    x, y = np.arange(6, dtype="float32").reshape(2, 3), np.ones((2, 3), "float32")
    np.testing.assert_allclose(model.predict([x, y]), cls(**kwargs)([x, y]))


def test_dot_shorthand_contracts_the_last_axis_by_default():
    assert layers.dot([layers.Input((3, 4)), layers.Input((5, 4))]).shape == (None, 3, 5)


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Dot(), "missing a required argument: 'axes'"),
    (lambda: layers.Dot(axes=(1, 2, 3)), "Dot: `axes` must be an int or a pair of ints"),
    (lambda: layers.Dot(axes="last"), "Dot: `axes` must be an int"),
    (lambda: layers.Dot(axes=1, normalize="yes"), "Dot: `normalize` must be True or False"),
])
def test_a_bad_argument_names_layer_and_argument(make, message):
    with pytest.raises((LayerConfigError, TypeError), match=message):
        make()


@pytest.mark.parametrize("layer, shapes, message", [
    (layers.Subtract(), [(None, 3)] * 3, "takes a list of exactly two tensors"),
    (layers.Average(), [(None, 3), (None, 4)], "needs inputs of the same shape"),
    (layers.Maximum(), [(None, 3)], "takes one list of at least two tensors"),
    (layers.Dot(axes=1), [(None, 3), (None, 4)], "same size on axes \\(1, 1\\)"),
    (layers.Dot(axes=0), [(None, 3), (None, 3)], "never the batch axis"),
    (layers.Dot(axes=2), [(None, 3), (None, 3)], "rank >= 2"),
    (layers.Dot(axes=-1), [(None, 3)] * 3, "exactly two tensors"),
])
def test_inputs_that_do_not_fit_raise_a_shape_error(layer, shapes, message):
    with pytest.raises(LayerShapeError, match=message):
        layer([layers.Input(s[1:]) for s in shapes])
