"""Lambda as Keras 3's: a function as a layer, in models and fit on every backend, its config
carrying the function, loaded from a config or file only out of safe mode; Wrapper and
SpectralNormalization (the harness rows are in tests/layers/cases/wrappers_lambda.py)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import layers as L
from engine import ops
from engine.backend import available_backends
from engine.errors import LayerConfigError, SpecError
from engine.export.errors import ExportError, KerasFileError
from engine.saving import ModelFileError, registry
from tests.layers.harness import run_layer_test


def twice_minus_one(x):
    return x * 2.0 - 1.0


@pytest.fixture
def unsafe():
    """Safe mode off within the test (as safe_mode=False at a loader)."""
    with registry.safe_mode_scope(False):
        yield


def test_lambda_matches_keras_on_every_backend(unsafe):
    fn = lambda x: x * 2.0 - 1.0  # noqa: E731 (a Python lambda: its config is bytecode)
    keras = pytest.importorskip("keras")
    run_layer_test(L.Lambda, {"function": fn}, (2, 4, 3), expected_output_shape=(2, 4, 3),
                   keras_layer=lambda config: keras.layers.Lambda(fn))


def test_arguments_mask_and_training_reach_the_function():
    seen = {}

    def scaled(x, factor, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x * factor

    layer = L.Lambda(scaled, arguments={"factor": 3.0})
    out = layer(np.ones((2, 3), "float32"), training=True)
    np.testing.assert_allclose(ops.convert_to_numpy(out), 3.0)
    assert seen == {"mask": None, "training": True}
    assert layer.get_config()["arguments"] == {"factor": 3.0}


def test_a_mask_function_gives_the_output_mask():
    layer = L.Lambda(lambda x: x * 1.0,
                     mask=lambda inputs, mask: ops.greater(ops.sum(inputs, axis=-1), 0.0))
    out = layer(np.array([[[1.0, 2.0], [-1.0, -2.0]]], "float32"))
    np.testing.assert_array_equal(ops.convert_to_numpy(out._keras_mask), [[True, False]])
    assert not L.Lambda(lambda x: x).supports_masking  # no mask given: none passed on


def test_output_shape_is_given_or_found_by_calling_the_function():
    i = L.Input((4, 3))
    halves = L.Lambda(lambda x: x[:, :2])(i)
    assert halves.shape == (None, 2, 3)
    given = L.Lambda(lambda x: ops.sum(x, axis=-1), output_shape=(4,))
    assert given(i).shape == (None, 4) and given.get_config()["output_shape"] == (4,)
    function = L.Lambda(lambda x: x, output_shape=lambda s: (s[0], 12))
    assert function.compute_output_shape((None, 4, 3)) == (None, 12)


def test_a_function_given_by_name_is_an_activation_or_a_registered_one():
    layer = L.Lambda("relu")
    out = ops.convert_to_numpy(layer(np.array([[-1.0, 2.0]], "float32")))
    np.testing.assert_array_equal(out, [[0.0, 2.0]])
    config = layer.get_config()
    assert config["function"]["config"] == "relu"
    assert L.Lambda.from_config(config).get_config() == config  # no code: safe mode loads it
    with pytest.raises(LayerConfigError, match="`function` names no function"):
        L.Lambda("no_such_function")
    with pytest.raises(LayerConfigError, match="`function` must be a function"):
        L.Lambda(5)


@pytest.mark.parametrize("backend", available_backends())
def test_models_with_a_lambda_fit_on_every_backend(backend):
    engine.set_backend(backend)
    try:
        engine.set_random_seed(0)
        x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
        y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
        sequential = engine.Sequential([L.Input((3,)), L.Lambda(lambda v: v * 2.0),
                                        L.Dense(1, activation="sigmoid")])
        i = L.Input((3,))
        functional = engine.Model(i, L.Dense(1, activation="sigmoid")(
            L.Lambda(twice_minus_one)(i)))
        for model in (sequential, functional):
            model.compile(optimizer="sgd", loss="binary_crossentropy")
            history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
            assert np.isfinite(history.history["loss"]).all()
    finally:
        engine.set_backend("numpy")


# ------------------------------------------------------------------------------ safe mode
def _model_that_marks(path):
    """A model whose Lambda creates `path` when it runs."""
    i = L.Input((2,))
    return engine.Model(i, L.Lambda(lambda x: (open(path, "w").close(), x)[1])(i))


def test_a_saved_lambda_loads_only_out_of_safe_mode_and_never_runs_in_it(tmp_path):
    marker = tmp_path / "ran"
    model = _model_that_marks(str(marker))
    engine.saving.save_model(model, tmp_path / "m.wbm")
    marker.unlink()  # building the model called the function once
    with pytest.raises(ModelFileError, match="safe_mode=False"):
        engine.saving.load_model(tmp_path / "m.wbm")
    assert not marker.exists()
    loaded = engine.saving.load_model(tmp_path / "m.wbm", safe_mode=False)
    loaded.predict(np.ones((1, 2), "float32"), verbose=0)
    assert marker.exists()  # the same code does run once it is allowed to


def test_a_spec_with_a_lambda_needs_safe_mode_off(monkeypatch):
    spec = engine.Sequential([L.Input((2,)), L.Lambda(lambda x: x + 1.0)]).to_spec()
    with pytest.raises(SpecError, match="safe_mode=False"):
        engine.models.model_from_spec(spec)
    rebuilt = engine.models.model_from_spec(spec, safe_mode=False)
    np.testing.assert_allclose(rebuilt.predict(np.zeros((1, 2), "float32"), verbose=0), 1.0)
    monkeypatch.setattr(registry, "_unsafe_everywhere", False)
    engine.config.enable_unsafe_deserialization()
    assert not registry.in_safe_mode()
    engine.models.model_from_spec(spec)


def test_a_keras_file_with_a_lambda_needs_safe_mode_off(tmp_path):
    keras = pytest.importorskip("keras")
    from engine.export.keras_io import load_keras

    i = keras.Input((3,))
    theirs = keras.Model(i, keras.layers.Dense(2)(keras.layers.Lambda(lambda x: x * 3.0)(i)))
    theirs.save(tmp_path / "m.keras")
    with pytest.raises(KerasFileError, match="safe_mode=False"):
        load_keras(tmp_path / "m.keras")
    ours = load_keras(tmp_path / "m.keras", safe_mode=False)
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("framework", ["torch", "jax", "tensorflow", "keras", "engine"])
def test_code_exports_refuse_a_lambda(framework):
    from engine.export.codegen import to_code

    i = L.Input((2,))
    model = engine.Model(i, L.Lambda(lambda x: x * 2.0)(i))
    with pytest.raises(ExportError, match="is a Lambda, whose function is Python code"):
        to_code(model, framework)


# ------------------------------------------------------------- Wrapper, SpectralNormalization
def test_spectral_normalization_divides_the_kernel_by_its_largest_singular_value():
    layer = L.SpectralNormalization(L.Dense(4), power_iterations=50)
    x = np.ones((1, 6), "float32")
    layer(x)
    layer(x, training=True)
    kernel = ops.convert_to_numpy(layer.layer.kernel.value)
    np.testing.assert_allclose(np.linalg.svd(kernel, compute_uv=False)[0], 1.0, rtol=1e-4)
    before = ops.convert_to_numpy(layer.layer.kernel.value)
    layer(x)  # inference leaves the weights alone
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.layer.kernel.value), before)


def test_spectral_normalization_refuses_a_layer_without_a_kernel_and_bad_iterations():
    with pytest.raises(LayerConfigError, match="power_iterations"):
        L.SpectralNormalization(L.Dense(2), power_iterations=0)
    with pytest.raises(engine.errors.LayerShapeError, match="no `kernel` nor `embeddings`"):
        L.SpectralNormalization(L.ReLU())(np.ones((1, 2), "float32"))


def test_a_wrapper_of_the_users_own_holds_its_layer_and_its_weights():
    class Doubled(L.Wrapper):
        def call(self, inputs):
            return self.layer(inputs) * 2.0

    wrapper = Doubled(L.Dense(2, name="inner"))
    out = wrapper(np.ones((1, 3), "float32"))
    assert [w.name for w in wrapper.weights] == ["inner/kernel", "inner/bias"]
    np.testing.assert_allclose(ops.convert_to_numpy(out),
                               2.0 * ops.convert_to_numpy(wrapper.layer(np.ones((1, 3)))))
    assert wrapper.get_config()["layer"]["class_name"] == "Dense"
    with pytest.raises(TypeError, match="give the layer to wrap"):
        Doubled()
    with pytest.raises(LayerConfigError, match="`layer` must be a layer"):
        Doubled(5)


def test_spectral_normalization_goes_to_keras_and_back_with_its_weights():
    pytest.importorskip("keras")
    from engine.export.keras_io import from_keras, to_keras

    i = L.Input((4,))
    model = engine.Model(i, L.SpectralNormalization(L.Dense(3), power_iterations=2)(i))
    theirs = to_keras(model)
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    back = from_keras(theirs)
    assert back.layers[1].get_config() == model.layers[1].get_config()
    for ours, again in zip(model.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, again)


@pytest.mark.parametrize("backend", available_backends())
def test_spectral_normalization_fits_and_saves_on_every_backend(backend, tmp_path):
    engine.set_backend(backend)
    try:
        engine.set_random_seed(0)
        x = np.random.default_rng(0).normal(size=(8, 4, 4, 2)).astype("float32")
        y = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
        i = L.Input((4, 4, 2))
        h = L.SpectralNormalization(L.Conv2D(2, 2))(i)
        model = engine.Model(i, L.SpectralNormalization(L.Dense(3))(L.Flatten()(h)))
        model.compile(optimizer="adam", loss="mse")
        u_before = model.layers[1].vector_u.numpy().copy()
        history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        assert not np.allclose(model.layers[1].vector_u.numpy(), u_before)  # power iteration
        engine.saving.save_model(model, tmp_path / "m.wbm")
        loaded = engine.saving.load_model(tmp_path / "m.wbm")
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6, atol=1e-6)
    finally:
        engine.set_backend("numpy")
