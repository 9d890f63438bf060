"""Regularizer and constraint arguments of the layers with weights, as Keras 3's: the same
penalties as Keras from the same weights, constraints applied after each training step, and
configs that carry them."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import layers as L
from engine.layers.declaration import DECLARED

# (class, config, input shape); every *_regularizer and *_constraint the class takes is set
CASES = [
    ("Conv1D", {"filters": 2, "kernel_size": 2}, (2, 5, 3)),
    ("Conv2D", {"filters": 2, "kernel_size": 2}, (2, 4, 4, 3)),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 2}, (2, 5, 3)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2}, (2, 4, 4, 3)),
    ("DepthwiseConv2D", {"kernel_size": 2}, (2, 4, 4, 3)),
    ("SeparableConv1D", {"filters": 2, "kernel_size": 2}, (2, 5, 3)),
    ("SimpleRNN", {"units": 2}, (2, 4, 3)),
    ("LSTM", {"units": 2}, (2, 4, 3)),
    ("GRU", {"units": 2}, (2, 4, 3)),
    ("BatchNormalization", {}, (2, 3)),
    ("LayerNormalization", {}, (2, 3)),
    ("PReLU", {"alpha_initializer": "ones"}, (2, 3)),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, (2, 4, 3)),
]
IDS = [case[0] for case in CASES]
# Keras 3.15's SimpleRNN takes activity_regularizer and never applies it (its LSTM and GRU
# do); the engine applies it, so it is left out of the comparison.
KERAS_DROPS = {("SimpleRNN", "activity_regularizer")}


def _names(class_name, suffix):
    return [a.name for a in DECLARED[class_name].arguments if a.name.endswith(suffix)]


def _call(layer, x):
    return layer(x, x) if type(layer).__name__ == "MultiHeadAttention" else layer(x)


def _inputs(shape):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


@pytest.mark.parametrize("class_name, config, shape", CASES, ids=IDS)
def test_penalties_are_keras_from_the_same_weights(class_name, config, shape):
    keras = pytest.importorskip("keras")
    penalties = {name: {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}}
                 for name in _names(class_name, "_regularizer")
                 if (class_name, name) not in KERAS_DROPS}
    assert {n for n in penalties if n != "activity_regularizer"}, class_name
    x = _inputs(shape)
    ours = getattr(L, class_name)(**config, **penalties)
    _call(ours, x)
    theirs = getattr(keras.layers, class_name)(**config, **penalties)
    _call(theirs, x)
    theirs.set_weights(ours.get_weights())
    _call(theirs, x)
    ours_total = sum(float(np.asarray(loss)) for loss in ours.losses)
    theirs_total = sum(float(np.asarray(loss)) for loss in theirs.losses)
    assert ours_total > 0.0
    np.testing.assert_allclose(ours_total, theirs_total, rtol=1e-5)
    assert ours.get_config() == getattr(L, class_name).from_config(ours.get_config()).get_config()


# a fit per layer: three kinds by default, every one with --slow
CONSTRAINT_CASES = [case if case[0] in ("Conv2D", "LSTM", "BatchNormalization")
                    else pytest.param(*case, marks=pytest.mark.slow) for case in CASES]


@pytest.mark.parametrize("class_name, config, shape", CONSTRAINT_CASES, ids=IDS)
def test_constraints_hold_after_each_training_step(class_name, config, shape):
    constrained = _names(class_name, "_constraint")
    layer = getattr(L, class_name)(**config, **dict.fromkeys(constrained, "non_neg"))
    i = L.Input(shape[1:])
    model = engine.Model(i, L.Flatten()(_call(layer, i)) if len(shape) > 2 else _call(layer, i))
    x = _inputs(shape)
    y = np.ones((shape[0], *model.outputs[0].shape[1:]), "float32")
    model.compile(optimizer=engine.optimizers.SGD(1.0), loss="mse")
    model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    checked = [w for w in layer.trainable_weights if w.constraint is not None]
    assert len(checked) == len(layer.trainable_weights) > 0
    for weight in checked:
        assert np.min(np.asarray(weight.numpy())) >= 0.0, weight.name


@pytest.mark.parametrize("class_name", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_cells_take_the_regularizers_and_constraints_keras_gives_them(class_name):
    names = _names(class_name, ("_regularizer", "_constraint"))
    assert len(names) == 6 and "activity_regularizer" not in names
    cell = getattr(L, class_name)(2, kernel_regularizer="l2", recurrent_constraint="non_neg")
    config = cell.get_config()
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["recurrent_constraint"]["class_name"] == "NonNeg"
