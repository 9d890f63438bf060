"""Mixed precision (dtype policies) against Keras 3: policies, layer and output dtypes, and a
few fit steps from the same weights on every framework backend; NumPy refuses it."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import engine
from engine import config, dtype_policies, layers, mixed_precision, optimizers
from engine.switching import BackendSwitchError
from tests.conftest import INSTALLED

keras = pytest.importorskip("keras")

FRAMEWORKS = [pytest.param(name, marks=() if name in INSTALLED else pytest.mark.skip(
    reason=f"{name} is not installed")) for name in ("jax", "torch", "tensorflow")]
POLICIES = ("mixed_float16", "mixed_bfloat16")
# 16-bit compute: bfloat16 keeps 8 bits of mantissa, float16 11 (JAX gives Keras's bit for bit)
TOLERANCE = {"mixed_float16": 1e-3, "mixed_bfloat16": 1e-2}


@pytest.fixture(autouse=True)
def policies_restored(monkeypatch):
    """Each test leaves the engine's policy as it found it (floatx's), Keras's at float32,
    and its mixed layers forgotten: the next test's move to NumPy (conftest) must not see
    them (a failed test's traceback may still hold them)."""
    monkeypatch.setitem(config._settings, "dtype_policy", None)
    yield
    keras.config.set_dtype_policy("float32")
    dtype_policies._mixed_layers.clear()


def build(lib, policy):
    """The same small model in Keras or the engine (`lib`), made under `policy`."""
    lib.config.set_dtype_policy(policy)
    try:
        inputs = lib.Input((4, 4, 2))
        x = lib.layers.Conv2D(3, 3, padding="same")(inputs)
        x = lib.layers.BatchNormalization()(x)
        x = lib.layers.Flatten()(x)
        x = lib.layers.Dense(8, activation="relu")(x)
        x = lib.layers.LayerNormalization()(x)
        x = lib.layers.Dense(3)(x)
        outputs = lib.layers.Activation("softmax", dtype="float32")(x)
        return lib.Model(inputs, outputs)
    finally:
        lib.config.set_dtype_policy("float32")


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 4, 4, 2)).astype("float32")
    y = np.eye(3, dtype="float32")[np.arange(8) % 3]
    return x, y


@functools.cache
def weight_shapes():
    return [w.shape for w in build(engine, "float32").get_weights()]


def weights():
    """The same weights for every model: moving variances positive, the rest small."""
    rng = np.random.default_rng(1)
    return [np.abs(rng.normal(0.5, 0.3, shape)).astype("float32") if i == 5  # moving variance
            else rng.normal(0, 0.4, shape).astype("float32")
            for i, shape in enumerate(weight_shapes())]


def fit(lib, model, x, y):
    model.compile(lib.optimizers.SGD(learning_rate=0.1), "categorical_crossentropy")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return history.history["loss"]


@functools.cache
def keras_run(policy):
    """Keras's (layer dtypes, output dtype, losses, weights, loss scale) after fit."""
    model = build(keras, policy)
    model.set_weights(weights())
    x, y = data()
    dtypes = [(layer.dtype, layer.compute_dtype) for layer in model.layers[1:]]
    output_dtype = str(model(x[:2]).dtype)
    losses = fit(keras, model, x, y)
    scale = (float(model.optimizer.dynamic_scale.numpy())
             if hasattr(model.optimizer, "dynamic_scale") else None)
    return dtypes, output_dtype, losses, model.get_weights(), scale


# ------------------------------------------------------------------------------- policies
@pytest.mark.parametrize("name", [*POLICIES, "float32", "float16", "bfloat16"])
def test_a_policy_has_keras_dtypes_and_form(name):
    ours, theirs = engine.DTypePolicy(name), keras.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype)
    assert repr(ours) == repr(theirs)
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    assert dtype_policies.deserialize(dtype_policies.serialize(ours)) == ours
    assert dtype_policies.get(name) == ours == mixed_precision.Policy(name)


def test_the_global_policy_under_its_keras_names():
    mixed_precision.set_global_policy("mixed_bfloat16")
    policy = mixed_precision.global_policy()
    assert policy == config.dtype_policy() == mixed_precision.dtype_policy()
    assert layers.Dense(2).dtype_policy.name == "mixed_bfloat16"
    assert engine.Input((3,)).dtype == "float32"  # Keras's: an Input keeps float32
    mixed_precision.set_dtype_policy(engine.DTypePolicy("float32"))
    assert layers.Dense(2).dtype_policy.name == "float32"
    assert mixed_precision.LossScaleOptimizer is optimizers.LossScaleOptimizer


def test_bad_policies_are_refused_with_what_to_use():
    with pytest.raises(ValueError, match="unknown policy 'mixed_float32'.*'mixed_float16'"):
        engine.DTypePolicy("mixed_float32")
    with pytest.raises(ValueError, match="expected the name of a policy"):
        config.set_dtype_policy(16)
    with pytest.raises(TypeError, match="must be a string"):
        engine.DTypePolicy(16)
    assert config.dtype_policy().name == "float32"


# --------------------------------------------------------------------------------- layers
@pytest.mark.parametrize("policy", POLICIES)
def test_layers_keep_float32_weights_and_compute_as_keras(policy):
    engine.set_backend("jax")
    model = build(engine, policy)
    model.set_weights(weights())
    dtypes, output_dtype, *_ = keras_run(policy)
    assert [(layer.dtype, layer.compute_dtype) for layer in model.layers[1:]] == dtypes
    assert {w.dtype for w in model.weights} == {"float32"}
    dense = model.layers[4]
    assert dense.output.dtype == dense.compute_dtype == policy.split("_")[1]
    assert model.outputs[0].dtype == "float32"
    x, _ = data()
    assert str(model(x[:2]).dtype) == output_dtype == "float32"
    assert str(dense(np.ones((2, 48), "float32")).dtype) == dense.compute_dtype
    assert dense.get_config()["dtype"] == policy
    assert type(dense).from_config(dense.get_config()).dtype_policy.name == policy


def test_a_float32_policy_computes_and_trains_as_before():
    engine.set_backend("jax")
    model = build(engine, "float32")
    assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    model.compile("sgd", "categorical_crossentropy")
    assert type(model.optimizer).__name__ == "SGD"


# -------------------------------------------------------------------------------- training
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("policy", POLICIES)
def test_fit_matches_keras_from_the_same_weights(policy, framework):
    engine.set_backend(framework)
    model = build(engine, policy)
    model.set_weights(weights())
    x, y = data()
    losses = fit(engine, model, x, y)
    _, _, keras_losses, keras_weights, keras_scale = keras_run(policy)
    tolerance = TOLERANCE[policy]
    np.testing.assert_allclose(losses, keras_losses, rtol=tolerance, atol=tolerance)
    for ours, theirs in zip(model.get_weights(), keras_weights):
        np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)
    assert {w.dtype for w in model.weights} == {"float32"}
    scaled = isinstance(model.optimizer, optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16") == (keras_scale is not None)
    if scaled:
        assert float(model.optimizer.dynamic_scale.numpy()) == keras_scale


def recurrent(lib):
    lib.config.set_dtype_policy("mixed_float16")
    try:
        inputs = lib.Input((5, 3))
        x = lib.layers.GRU(4, return_sequences=True)(inputs)
        return lib.Model(inputs, lib.layers.Dense(1, dtype="float32")(lib.layers.LSTM(4)(x)))
    finally:
        lib.config.set_dtype_policy("float32")


@pytest.mark.parametrize("framework", [
    *FRAMEWORKS[:2], pytest.param(*FRAMEWORKS[2].values, marks=[*FRAMEWORKS[2].marks,
                                                                pytest.mark.slow])])
def test_recurrent_layers_run_their_states_in_the_compute_dtype(framework):
    engine.set_backend(framework)
    ours, theirs = recurrent(engine), recurrent(keras)
    rng = np.random.default_rng(2)
    values = [rng.normal(0, 0.4, w.shape).astype("float32") for w in theirs.get_weights()]
    ours.set_weights(values)
    theirs.set_weights(values)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    assert [str(ours.layers[i].compute_dtype) for i in (1, 2, 3)] == [
        "float16", "float16", "float32"]
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=2e-3)
    ours.compile("sgd", "mse")
    assert np.isfinite(ours.fit(x, x[:, 0, :1], verbose=0).history["loss"][0])


def test_compile_wraps_the_optimizer_once_and_only_when_asked():
    engine.set_backend("jax")
    model = build(engine, "mixed_float16")
    model.compile(optimizers.SGD(), "mse")
    assert isinstance(model.optimizer, optimizers.LossScaleOptimizer)
    assert model.optimizer.name == "loss_scale_optimizer"
    assert model.get_compile_config()["optimizer"]["class_name"] == "SGD"
    wrapped = optimizers.LossScaleOptimizer(optimizers.SGD())
    model.compile(wrapped, "mse")
    assert model.optimizer is wrapped
    model.compile("sgd", "mse", auto_scale_loss=False)
    assert type(model.optimizer).__name__ == "SGD"


# ----------------------------------------------------------------------------------- NumPy
def test_numpy_refuses_mixed_precision_and_says_where_it_runs():
    model = build(engine, "mixed_float16")  # made on NumPy: it holds float32 weights
    x, y = data()
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="NumPy backend does not run.*jax, torch, tensorflow"):
        model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="mixed precision"):
        model.predict(x, verbose=0)
    engine.set_backend("jax")
    before = model.get_weights()
    with pytest.raises(BackendSwitchError, match="compute in mixed precision.*Nothing was moved"):
        engine.set_backend("numpy")
    assert engine.backend_name() == "jax" and model.backend.name == "jax"
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    del model
    engine.set_backend("numpy")  # once no mixed model lives, NumPy is fine again


# ----------------------------------------------------------------------------- saving
def test_a_keras_file_carries_the_policy_as_keras_writes_it(tmp_path):
    engine.set_backend("jax")
    model = build(engine, "mixed_float16")
    model.save(tmp_path / "m.keras")
    policies = [layer.dtype_policy.name for layer in model.layers[1:]]
    assert policies[0] == "mixed_float16" and policies[-1] == "float32"
    for loaded in (keras.saving.load_model(tmp_path / "m.keras"),
                   engine.load_model(tmp_path / "m.keras")):
        assert [layer.dtype_policy.name for layer in loaded.layers[1:]] == policies
