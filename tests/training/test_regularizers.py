"""Regularizers and constraints as Keras 3 has them: the objects' values and configs, layer
arguments (names, dicts, objects), `layer.losses`, and fit on every backend with the
penalties in the loss and the constraints applied after each update, from the same weights as
Keras (JAX)."""

import numpy as np
import pytest

import engine
from engine import constraints, regularizers
from engine.errors import LayerConfigError

keras = pytest.importorskip("keras")

W = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")

REGULARIZERS = [
    ("L1", {"l1": 0.3}), ("L2", {"l2": 0.1}), ("L1L2", {"l1": 0.01, "l2": 0.02}),
    ("L1L2", {}), ("OrthogonalRegularizer", {"factor": 0.5}),
    ("OrthogonalRegularizer", {"factor": 0.2, "mode": "columns"}),
]
CONSTRAINTS = [
    ("MaxNorm", {"max_value": 1.5}), ("MaxNorm", {"max_value": 0.5, "axis": 1}),
    ("NonNeg", {}), ("UnitNorm", {"axis": 1}),
    ("MinMaxNorm", {"min_value": 1.2, "max_value": 1.6, "rate": 0.5}),
]


@pytest.mark.parametrize("name, config", REGULARIZERS)
def test_regularizers_compute_and_serialise_as_keras(name, config):
    ours, theirs = getattr(regularizers, name)(**config), getattr(keras.regularizers, name)(
        **config)
    np.testing.assert_allclose(np.asarray(ours(engine.ops.convert(W))),
                               keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(W))),
                               rtol=1e-5)
    assert regularizers.serialize(ours) == keras.regularizers.serialize(theirs)
    again = regularizers.deserialize(keras.regularizers.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()


@pytest.mark.parametrize("name, config", CONSTRAINTS)
def test_constraints_compute_and_serialise_as_keras(name, config):
    ours, theirs = getattr(constraints, name)(**config), getattr(keras.constraints, name)(
        **config)
    np.testing.assert_allclose(np.asarray(ours(engine.ops.convert(W))),
                               keras.ops.convert_to_numpy(theirs(W)), rtol=1e-5, atol=1e-7)
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)


def test_get_takes_keras_names_and_refuses_others():
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert regularizers.l1_l2 is regularizers.L1L2 and constraints.non_neg is constraints.NonNeg
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="l2 must be a non-negative number"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="Unknown constraint 'Evil'"):
        constraints.deserialize({"module": "os", "class_name": "Evil", "config": {}})


def test_dense_arguments_take_names_dicts_and_objects_and_configs_are_keras():
    theirs = keras.layers.Dense(3, kernel_regularizer="l2", bias_regularizer=keras.regularizers.L1(
        0.5), activity_regularizer="l1l2", kernel_constraint="max_norm", bias_constraint="non_neg")
    ours = engine.layers.Dense(3, kernel_regularizer="l2", bias_regularizer=regularizers.L1(0.5),
                               activity_regularizer="l1l2", kernel_constraint="max_norm",
                               bias_constraint="non_neg")
    keys = ("kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint")
    config, expected = ours.get_config(), theirs.get_config()
    assert {k: config[k] for k in keys} == {k: expected[k] for k in keys}
    rebuilt = engine.layers.Dense.from_config(config)
    assert rebuilt.get_config() == config
    with pytest.raises(LayerConfigError, match="Dense: `kernel_regularizer` must be one of"):
        engine.layers.Dense(3, kernel_regularizer="l3")


def test_layer_losses_hold_weight_and_activity_penalties_as_keras():
    """Keras's own example: L1(0.01) on a kernel of ones (0.25) and L2(0.01) on outputs of
    2 * 5 = 10 each, divided by the batch of 5 (5.0)."""
    for ns in (keras, engine):
        layer = ns.layers.Dense(5, kernel_initializer="ones", kernel_regularizer=ns.regularizers
                                .L1(0.01), activity_regularizer=ns.regularizers.L2(0.01))
        layer(np.full((5, 5), 2.0, "float32"))
        values = [float(np.asarray(ns.ops.convert_to_numpy(v))) for v in layer.losses]
        np.testing.assert_allclose(sorted(values), [0.25, 5.0], rtol=1e-6)


def dense_model(ns):
    inputs = ns.Input(shape=(4,))
    hidden = ns.layers.Dense(
        6, activation="tanh", kernel_regularizer=ns.regularizers.L1L2(0.01, 0.02),
        bias_regularizer="l2", activity_regularizer=ns.regularizers.L2(0.05),
        kernel_constraint=ns.constraints.MaxNorm(0.8), bias_constraint=ns.constraints.NonNeg(),
    )(inputs)
    outputs = ns.layers.Dense(1, kernel_constraint="unit_norm")(hidden)
    return ns.Model(inputs, outputs)


def embedding_model(ns):
    inputs = ns.Input(shape=(3,), dtype="int32")
    embedded = ns.layers.Embedding(5, 2, embeddings_regularizer=ns.regularizers.L2(0.1),
                                   embeddings_constraint=ns.constraints.UnitNorm(axis=1))(inputs)
    return ns.Model(inputs, ns.layers.Dense(1)(ns.layers.Flatten()(embedded)))


@pytest.mark.parametrize("build, x", [
    (dense_model, np.random.default_rng(0).normal(size=(16, 4)).astype("float32")),
    (embedding_model, np.random.default_rng(0).integers(0, 5, (16, 3)).astype("int32")),
], ids=["dense", "embedding"])
def test_fit_adds_penalties_and_applies_constraints_as_keras_does(backend_name, build, x):
    keras.utils.set_random_seed(3)
    theirs, ours = build(keras), build(engine)
    ours.set_weights(theirs.get_weights())
    y = np.random.default_rng(1).random((16, 1)).astype("float32")
    for ns_model, ns in ((theirs, keras), (ours, engine)):
        ns_model.compile(optimizer=ns.optimizers.SGD(0.2), loss="mse")
    expected = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    history = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-4)
    for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weight, rtol=1e-4, atol=1e-6)
    assert len(ours.losses) == len(theirs.losses)


def test_keras_models_with_regularizers_and_constraints_convert_both_ways():
    from engine.export.keras_io import from_keras, to_keras

    keras.utils.set_random_seed(3)
    theirs = dense_model(keras)
    ours = from_keras(theirs)
    dense = ours.layers[1]
    assert isinstance(dense.kernel_regularizer, regularizers.L1L2)
    assert isinstance(dense.kernel.constraint, constraints.MaxNorm)
    back = to_keras(ours)
    assert back.layers[1].get_config()["kernel_constraint"] == theirs.layers[1].get_config()[
        "kernel_constraint"]
    assert back.layers[1].activity_regularizer.get_config() == {"l2": 0.05}
