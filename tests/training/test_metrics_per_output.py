"""compile(metrics=...) per output, as a dict by output name or a list of lists: each metric
reads its own output, named "<output>_<metric>", with Keras 3's names and values."""

from __future__ import annotations

import numpy as np
import pytest

import engine

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3)).astype("float32")
TARGETS = [RNG.normal(size=(8, 1)).astype("float32"), RNG.normal(size=(8, 2)).astype("float32")]


def two_outputs(ns):
    inputs = ns.Input((3,))
    a = ns.layers.Dense(1, name="a", kernel_initializer="ones")(inputs)
    b = ns.layers.Dense(2, name="b", kernel_initializer="ones")(inputs)
    return ns.Model(inputs, [a, b])


@pytest.mark.parametrize("metrics", [
    {"a": "mae", "b": ["mse", "mae"]},
    [["mae"], ["mse", "mae"]],
    {"b": "mae"},
], ids=["dict", "lists", "one-output"])
def test_metrics_per_output_are_keras(metrics):
    import keras

    histories = []
    for ns in (keras, engine):
        model = two_outputs(ns)
        model.compile("sgd", ["mse", "mse"], metrics=metrics)
        histories.append(model.fit(X, TARGETS, batch_size=4, epochs=2, shuffle=False,
                                   verbose=0).history)
    expected, ours = histories
    assert list(ours) == list(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(ours[key], values, rtol=1e-5, err_msg=key)


def test_per_output_metrics_must_name_real_outputs():
    model = two_outputs(engine)
    with pytest.raises(ValueError, match="names 'c', which model .* has no output of"):
        model.compile("sgd", "mse", metrics={"c": "mae"})
    with pytest.raises(ValueError, match="has 3 entries, but model .* has 2 outputs"):
        model.compile("sgd", "mse", metrics=[["mae"], ["mae"], ["mse"]])
