"""keras.layers.serialize / deserialize: the engine writes a layer as Keras's dict and builds
its own layer from Keras's dict, only from the allowlist or the registry."""

import numpy as np
import pytest

import engine
from engine import layers

keras = pytest.importorskip("keras")


def same_layer(build):
    """The same layer built by Keras and by the engine (each namespace passed in turn)."""
    return build(keras.layers), build(layers)


CASES = {
    "Dense": lambda ns: ns.Dense(3, activation="relu", kernel_regularizer="l2", name="d"),
    "Conv2D": lambda ns: ns.Conv2D(2, 3, strides=2, padding="same", name="c"),
    "Dropout": lambda ns: ns.Dropout(0.3, name="drop"),
    "ReLU": lambda ns: ns.ReLU(max_value=6.0, name="r"),
    "Reshape": lambda ns: ns.Reshape((2, 3), name="s"),
    "LSTM": lambda ns: ns.LSTM(4, return_sequences=True, name="l"),
    "Bidirectional": lambda ns: ns.Bidirectional(ns.GRU(2, name="g"), name="b"),
}


def initializer_class(value):
    """Keras's class name of an initializer the engine writes by name."""
    return type(keras.initializers.get(value)).__name__


@pytest.mark.parametrize("name", CASES)
def test_serialize_writes_keras_dict(name):
    reference, ours = same_layer(CASES[name])
    expected, written = keras.layers.serialize(reference), layers.serialize(ours)
    assert {k: written[k] for k in ("module", "class_name", "registered_name")} == {
        k: expected[k] for k in ("module", "class_name", "registered_name")}
    assert written["config"]["dtype"] == expected["config"]["dtype"]
    for key, value in written["config"].items():
        if key.endswith("_initializer"):
            assert initializer_class(value) == expected["config"][key]["class_name"]
        elif key not in ("layer", "backward_layer", "activity_regularizer"):
            assert value == expected["config"].get(key), key
    rebuilt = keras.layers.deserialize(written)
    assert type(rebuilt).__name__ == name


@pytest.mark.parametrize("name", CASES)
def test_deserialize_builds_the_engine_layer_from_keras_dict(name):
    reference, ours = same_layer(CASES[name])
    built = layers.deserialize(keras.layers.serialize(reference))
    assert type(built) is type(ours)
    assert built.get_config() == ours.get_config()


def test_a_built_layer_carries_keras_build_config_both_ways():
    x = np.zeros((2, 4), "float32")
    reference, ours = same_layer(lambda ns: ns.Dense(3, name="d"))
    reference(x), ours(x)
    written = layers.serialize(ours)
    assert written["build_config"] == keras.layers.serialize(reference)["build_config"]
    built = layers.deserialize(keras.layers.serialize(reference))
    assert built.built and [tuple(w.shape) for w in built.weights] == [(4, 3), (3,)]
    assert keras.layers.deserialize(written).built


def test_deserialize_takes_keras_input_layer_with_tuples():
    built = layers.deserialize(keras.layers.serialize(keras.layers.InputLayer(shape=(3,))))
    assert isinstance(built, layers.InputLayer)
    assert tuple(built.get_config()["shape"]) == (3,)


def test_deserialize_reaches_own_layers_only_through_custom_objects():
    class Scale(layers.Layer):
        def call(self, x):
            return x * 2.0

    entry = {"module": "my_package", "class_name": "Scale",
             "config": {"name": "scale", "trainable": True, "dtype": "float32"},
             "registered_name": "my_package>Scale"}
    with pytest.raises(engine.errors.SpecError, match="custom_objects"):
        layers.deserialize(entry)
    built = layers.deserialize(entry, custom_objects={"my_package>Scale": Scale})
    assert type(built) is Scale and built.name == "scale"


@pytest.mark.parametrize("entry", [
    {"module": "os", "class_name": "system", "config": {}, "registered_name": None},
    {"module": "keras.layers", "class_name": "NoSuchLayer", "config": {},
     "registered_name": None},
    "Dense",
])
def test_deserialize_refuses_what_is_not_an_engine_layer(entry):
    with pytest.raises((ValueError, engine.errors.SpecError)):
        layers.deserialize(entry)


def test_serialize_refuses_a_non_layer():
    with pytest.raises(ValueError, match="layers.serialize"):
        layers.serialize(engine.regularizers.L2(0.1))
