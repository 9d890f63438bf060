"""The user's own layers and activations in configs and model files (registered, passed as
custom_objects or in a scope), clone_model and model_from_json, and what is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

import engine
from engine import layers
from engine.errors import LayerConfigError, SpecError
from engine.saving import ModelFileError, registry

ROWS = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4)


class Scale(layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def cube(x):
    return x * x * x


@pytest.fixture
def registered():
    """Scale and cube registered for one test, then forgotten."""
    before = dict(registry._REGISTERED)
    engine.saving.register_keras_serializable(package="Tests")(Scale)
    engine.saving.register_keras_serializable(package="Tests", name="cube")(cube)
    yield
    for name in set(registry._REGISTERED) - set(before):
        registry._NAME_OF.pop(registry._REGISTERED.pop(name), None)


def scaled_model():
    inputs = engine.Input((4,))
    outputs = layers.Dense(2, activation=cube)(Scale(0.5, name="half")(inputs))
    return engine.Model(inputs, outputs)


def test_registered_names_carry_the_package(registered):
    assert engine.saving.get_registered_name(Scale) == "Tests>Scale"
    assert engine.saving.get_registered_object("Tests>cube") is cube
    assert engine.utils.get_custom_objects()["Tests>Scale"] is Scale


def test_a_model_with_registered_objects_saves_and_loads_without_custom_objects(
        registered, backend_name, tmp_path):
    with engine.backend.using(backend_name):
        model = scaled_model()
        model.save(tmp_path / "model.wbm")
        loaded = engine.models.load_model(tmp_path / "model.wbm")
        assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
        assert loaded.layers[2].get_config()["activation"] == "Tests>cube"
        np.testing.assert_allclose(loaded.predict(ROWS, verbose=0), model.predict(ROWS, verbose=0),
                                   rtol=1e-6)


def test_custom_objects_and_scopes_stand_in_for_the_registry(registered, tmp_path):
    model = scaled_model()
    model.save(tmp_path / "model.wbm")
    spec = model.get_config()
    registry._NAME_OF.pop(registry._REGISTERED.pop("Tests>Scale"))
    registry._NAME_OF.pop(registry._REGISTERED.pop("Tests>cube"))
    objects = {"Tests>Scale": Scale, "Tests>cube": cube}
    loaded = engine.models.load_model(tmp_path / "model.wbm", custom_objects=objects)
    np.testing.assert_allclose(loaded(ROWS), model(ROWS), rtol=1e-6)
    with engine.saving.custom_object_scope(objects):
        rebuilt = engine.Model.from_config(spec)
    assert isinstance(rebuilt.get_layer("half"), Scale)


def test_a_class_named_nowhere_is_refused_saying_how_to_provide_it(tmp_path):
    model = engine.Sequential([engine.Input((4,)), Scale(2.0)])
    with pytest.raises(SpecError, match=r"'Scale'.*custom_objects=\{'Scale': TheClass\}"):
        engine.Model.from_config(model.get_config())
    model.save(tmp_path / "model.wbm")
    with pytest.raises(ModelFileError, match="register_keras_serializable"):
        engine.models.load_model(tmp_path / "model.wbm")
    loaded = engine.models.load_model(tmp_path / "model.wbm", custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded(ROWS), 2 * ROWS)


@pytest.mark.parametrize("class_name", ["os.system", "builtins.eval", "Layer", "Model"])
def test_a_spec_naming_a_python_object_builds_nothing(class_name):
    spec = engine.Sequential([engine.Input((4,)), layers.Dense(2)]).to_spec()
    spec["layers"][-1]["class"] = class_name
    with pytest.raises(SpecError, match="not an engine layer nor a layer class of your own"):
        engine.Model.from_config(spec)


def test_an_unregistered_activation_function_is_refused_saying_to_register_it():
    with pytest.raises(LayerConfigError, match=r"Dense: `activation`.*'cube' is a function of "
                       r"your own: register it with @engine.saving.register_keras_serializable"):
        layers.Dense(2, activation=cube)


def test_model_from_json_and_from_config_rebuild_the_architecture():
    model = engine.Sequential([engine.Input((4,)), layers.Dense(3, activation="relu"),
                               layers.Dense(1)])
    text = model.to_json()
    assert json.loads(text)["config"] == model.get_config()  # Keras's JSON, as Keras writes it
    for rebuilt in (engine.models.model_from_json(text), engine.Sequential.from_config(
            model.get_config())):
        assert isinstance(rebuilt, engine.Sequential)
        assert [w.shape for w in rebuilt.weights] == [w.shape for w in model.weights]
        rebuilt.set_weights(model.get_weights())
        np.testing.assert_allclose(rebuilt(ROWS), model(ROWS), rtol=1e-6)


def test_clone_model_copies_the_graph_with_fresh_weights():
    inputs = engine.Input((4,))
    hidden = layers.Dense(3, activation="tanh", name="hidden")
    model = engine.Model(inputs, [hidden(inputs), layers.Dense(2)(hidden(inputs))])
    clone = engine.models.clone_model(model)
    assert clone.to_spec()["nodes"] == model.to_spec()["nodes"]
    assert clone.get_layer("hidden") is not hidden
    assert not np.allclose(clone.get_layer("hidden").get_weights()[0], hidden.get_weights()[0])
    clone.set_weights(model.get_weights())
    for ours, theirs in zip(clone(ROWS), model(ROWS)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_clone_function_makes_each_layer():
    model = engine.Sequential([engine.Input((4,)), layers.Dense(3), layers.Dense(1)])
    made = []

    def wider(layer):
        config = layer.get_config()
        if isinstance(layer, layers.Dense) and config["units"] == 3:
            config["units"] = 5
        made.append(layer.name)
        return type(layer).from_config(config)

    clone = engine.models.clone_model(model, clone_function=wider)
    assert clone.layers[0].units == 5 and len(made) == 2
    with pytest.raises(engine.EngineError, match="input_tensors is not supported"):
        engine.models.clone_model(model, input_tensors=[engine.Input((4,))])


@pytest.mark.parametrize("export", [
    lambda m: m.to_code("torch"), lambda m: m.to_code("jax"), lambda m: m.to_code("engine"),
    lambda m: m.to_code("keras"), lambda m: m.to_keras(),
    lambda m: m.export_onnx("never-written.onnx"),
], ids=["torch", "jax", "engine", "keras-code", "to_keras", "onnx"])
def test_exports_refuse_custom_layers_and_activations_by_name(registered, export):
    with pytest.raises(engine.export.ExportError, match="'half' is a Scale, a layer class of your"):
        export(scaled_model())
    inputs = engine.Input((4,))
    with pytest.raises(engine.export.ExportError, match="activation='Tests>cube', a function of"):
        export(engine.Model(inputs, layers.Dense(2, activation=cube)(inputs)))
