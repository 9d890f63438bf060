"""Sequential: building from an Input, from input_shape, or from the first batch."""

import numpy as np
import pytest

import engine
from engine import layers


def test_with_input_builds_at_once():
    model = engine.Sequential(
        [layers.Input((4,)), layers.Dense(2, name="a"), layers.Dense(1, name="b")]
    )
    assert model.built
    assert [layer.name for layer in model.layers] == ["a", "b"]
    assert model.predict(np.ones((3, 4))).shape == (3, 1)


def test_input_shape_argument_builds_at_once():
    model = engine.Sequential([layers.Dense(2, input_shape=(5,))])
    assert model.built and model.count_params() == 12


def test_deferred_build_on_first_batch():
    model = engine.Sequential([layers.Dense(2), layers.Dense(1)])
    assert not model.built
    with pytest.raises(ValueError, match="no input shape yet"):
        model.summary()
    assert model.predict(np.ones((2, 7))).shape == (2, 1)
    assert model.built and model.layers[0].get_weights()[0].shape == (7, 2)


def test_add_that_does_not_fit_leaves_the_model_as_it_was():
    model = engine.Sequential([layers.Input((6,)), layers.Dense(3)])
    before = (len(model.layers), model.to_spec())
    with pytest.raises(engine.LayerShapeError, match="rank 4"):
        model.add(layers.Conv2D(2, 3, name="too_many_axes"))
    assert (len(model.layers), model.to_spec()) == before
    model.add(layers.Dense(1))
    assert model.predict(np.ones((1, 6))).shape == (1, 1)


def test_input_only_first():
    model = engine.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(engine.LayerConfigError, match="first"):
        model.add(layers.Input((3,)))


def test_adding_a_non_layer_is_refused():
    with pytest.raises(engine.LayerConfigError, match="str"):
        engine.Sequential(["dense"])
