"""LossScaleOptimizer and Muon: Keras 3's weights and state after 20 steps on every backend,
under jit, across backend switches and in fit; configs, deserialize and errors."""

from __future__ import annotations

import functools
import json

import jax
import keras
import numpy as np
import pytest

import engine
from engine import ops, optimizers
from tests.training.test_keras_optimizers import _dense, _fit_data
from tests.training.test_optimizers import (
    STEPS,
    _assert_close,
    _engine_weights,
    _gradients,
    _initial_weights,
    _numpy,
)

NON_FINITE_STEPS = {4: np.inf, 9: np.nan}  # step -> the value put into its first gradient

# id -> (builds the optimizer from a library: engine.optimizers or keras.optimizers)
CASES = {
    "muon": lambda lib: lib.Muon(learning_rate=0.01),
    "muon_plain": lambda lib: lib.Muon(learning_rate=0.02, nesterov=False, rms_rate=None,
                                       weight_decay=0.1, adam_weight_decay=None, ns_steps=3),
    "muon_excluded": lambda lib: lib.Muon(learning_rate=0.01, exclude_layers=["ker"],
                                          adam_lr_ratio=0.5),
    "muon_ema_clip": lambda lib: lib.Muon(learning_rate=0.01, use_ema=True, clipnorm=1.0),
    "loss_scale_adam": lambda lib: lib.LossScaleOptimizer(
        lib.Adam(learning_rate=0.01), initial_scale=8.0, dynamic_growth_steps=3),
    "loss_scale_sgd": lambda lib: lib.LossScaleOptimizer(
        lib.SGD(learning_rate=0.05, momentum=0.9, loss_scale_factor=4.0)),
}


def _steps():
    """The test's gradients, with a NaN or an infinity in some steps (skipped by loss scaling)."""
    steps = [list(grads) for grads in _gradients()]
    for step, value in NON_FINITE_STEPS.items():
        steps[step][0] = steps[step][0].copy()
        steps[step][0][0, 0] = value
    return steps


def _state(optimizer):
    """The optimizer's variables, by their name after the optimizer's own name."""
    return {v.path.split("/")[-1]: np.asarray(v.numpy()) for v in optimizer.variables
            if v.path.split("/")[-1] in ("step_counter", "dynamic_scale")}


def _inputs(case):
    """Loss scaling meets non-finite gradients; Muon only finite ones."""
    return _steps() if case.startswith("loss_scale") else _gradients()


@functools.cache
def _keras_result(case, steps=STEPS):
    optimizer = CASES[case](keras.optimizers)
    weights = [keras.Variable(w, name=name.split("/")[-1])
               for name, w in _initial_weights().items()]
    with jax.disable_jit():  # Keras runs on JAX here (conftest): op by op
        for grads in _inputs(case)[:steps]:
            optimizer.apply(grads, weights)
    return [np.asarray(w.numpy()) for w in weights], _state(optimizer)


SLOW = {"muon_ema_clip", "loss_scale_sgd"}  # features other cases and files cover too


@pytest.mark.parametrize("case", [pytest.param(case, marks=pytest.mark.slow) if case in SLOW
                                  else case for case in CASES])
def test_matches_keras(backend_name, case):
    optimizer = CASES[case](optimizers)
    weights = _engine_weights()
    for grads in _inputs(case):
        optimizer.apply([ops.convert(g) for g in grads], weights)
    expected_weights, expected_state = _keras_result(case)
    _assert_close([w.numpy() for w in weights], expected_weights)
    assert _state(optimizer).keys() == expected_state.keys()
    for name, value in _state(optimizer).items():
        np.testing.assert_array_equal(value, expected_state[name])


def test_loss_scale_state_follows_keras():
    """Three finite steps double the scale, a non-finite one halves it and skips the step."""
    optimizer = CASES["loss_scale_adam"](optimizers)
    weights = _engine_weights()
    seen = []
    for grads in _steps()[:6]:
        before = [w.numpy() for w in weights]
        optimizer.apply([ops.convert(g) for g in grads], weights)
        seen.append((int(optimizer.step_counter.numpy()), float(optimizer.dynamic_scale.numpy()),
                     all(np.array_equal(b, w.numpy()) for b, w in zip(before, weights))))
    assert seen == [(1, 8.0, False), (2, 8.0, False), (0, 16.0, False), (1, 16.0, False),
                    (0, 8.0, True), (1, 8.0, False)]
    assert int(optimizer.iterations.numpy()) == 5  # the inner optimizer's: skips don't count
    assert [v.path for v in optimizer.variables][:6] == [
        "loss_scale_optimizer/iterations", "loss_scale_optimizer/learning_rate",
        "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale",
        "adam/iterations", "adam/learning_rate",
    ]


@pytest.mark.parametrize("case", ["loss_scale_adam", "muon"])
def test_stateless_apply_under_jit_matches_keras(backend_name, case):
    optimizer = CASES[case](optimizers)
    weights = _engine_weights()
    optimizer.build(weights)
    compiled = ops.jit(optimizer.stateless_apply)
    state, values = [v.value for v in optimizer.variables], [w.value for w in weights]
    for grads in _inputs(case)[:6]:
        values, state = compiled(state, [ops.convert(g) for g in grads], values)
    _assert_close(_numpy(values), _keras_result(case, steps=6)[0])


@pytest.mark.parametrize("case", ["loss_scale_adam",
                                  pytest.param("muon_excluded", marks=pytest.mark.slow)])
def test_state_carries_over_a_backend_switch(case):
    optimizer = CASES[case](optimizers)
    weights = _engine_weights()
    names = engine.available_backends()
    for step, grads in enumerate(_inputs(case)):
        engine.set_backend(names[step % len(names)])
        optimizer.apply([ops.convert(g) for g in grads], weights)
    _assert_close([w.numpy() for w in weights], _keras_result(case)[0])


def test_muon_uses_adamw_by_keras_rule():
    muon = optimizers.Muon(exclude_layers=["head"])
    variable = engine.Variable
    assert muon.uses_adamw(variable(np.zeros(4, "float32"), name="dense/bias"))
    assert muon.uses_adamw(variable(np.zeros((3, 4, 5), "float32"), name="conv/kernel"))
    assert muon.uses_adamw(variable(np.zeros((5, 4), "float32"), name="Embedding/embeddings"))
    assert muon.uses_adamw(variable(np.zeros((5, 4), "float32"), name="head/kernel"))
    assert not muon.uses_adamw(variable(np.zeros((5, 4), "float32"), name="dense/kernel"))
    assert not optimizers.Muon(exclude_embeddings=False).uses_adamw(
        variable(np.zeros((5, 4), "float32"), name="embedding/embeddings"))
    muon.build(_engine_weights())
    assert [v.path for v in muon.variables][2:] == [
        f"{muon.name}/dense/kernel/momentum", f"{muon.name}/dense/bias/momentum",
        f"{muon.name}/dense/bias/velocity",
    ]


@functools.cache
def _keras_fit(initial_weights):
    model = _dense(keras)
    model.set_weights([np.asarray(w) for w in json.loads(initial_weights)])
    model.compile(keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.05),
                                                      initial_scale=2.0**100,
                                                      dynamic_growth_steps=2), "mse")
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), history.history["loss"], float(model.optimizer.dynamic_scale)


def test_fit_with_loss_scaling_matches_keras(backend_name):
    """The scale starts so high that float32 gradients overflow: the first steps are skipped
    and the scale halves until they are finite, as in Keras."""
    engine.set_random_seed(4)
    model = _dense(engine)
    model.compile(optimizers.LossScaleOptimizer(optimizers.Adam(0.05), initial_scale=2.0**100,
                                                dynamic_growth_steps=2), "mse")
    weights, losses, scale = _keras_fit(json.dumps([w.tolist() for w in model.get_weights()]))
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    _assert_close(model.get_weights(), weights)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
    assert float(model.optimizer.dynamic_scale.numpy()) == scale


@pytest.mark.parametrize("case", list(CASES))
def test_config_round_trip(case):
    optimizer = CASES[case](optimizers)
    config = optimizer.get_config()
    assert json.loads(json.dumps(config)) == config
    again = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(again) is type(optimizer) and again.get_config() == config


def _assert_same_config(ours, theirs, skip=("name",)):
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if key not in skip:
            assert ours[key] == (pytest.approx(value) if isinstance(value, float) else value), key


@pytest.mark.parametrize("case", list(CASES))
def test_deserializes_keras_configs(case):
    theirs = CASES[case](keras.optimizers)
    ours = optimizers.deserialize(keras.optimizers.serialize(theirs))
    expected = theirs.get_config()
    if "inner_optimizer" in expected:
        inner = expected["inner_optimizer"]
        _assert_same_config(ours.inner_optimizer.get_config(), inner["config"])
        assert type(ours.inner_optimizer).__name__ == inner["class_name"]
    _assert_same_config(ours.get_config(), expected, skip=("name", "inner_optimizer"))


def test_muon_defaults_match_keras():
    _assert_same_config(optimizers.Muon().get_config(), keras.optimizers.Muon().get_config())


def test_deserialize_and_get():
    adam = {"class_name": "Adam", "config": {"learning_rate": 0.5}}
    assert optimizers.deserialize(adam).get_config()["learning_rate"] == 0.5
    wrapped = optimizers.get({"class_name": "LossScaleOptimizer",
                              "config": {"inner_optimizer": adam, "initial_scale": 4.0}})
    assert isinstance(wrapped.inner_optimizer, optimizers.Adam)
    assert float(wrapped.scale_loss(ops.convert(np.float32(2.0)))) == 8.0

    class Mine(optimizers.SGD):
        pass

    assert type(optimizers.deserialize({"class_name": "Mine", "config": {}},
                                       custom_objects={"Mine": Mine})) is Mine
    with pytest.raises(optimizers.OptimizerConfigError, match="custom_objects"):
        optimizers.deserialize({"class_name": "os.system", "config": {}})
    with pytest.raises(optimizers.OptimizerConfigError, match="class_name"):
        optimizers.deserialize("adam")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optimizers.LossScaleOptimizer("adam"), "`inner_optimizer` must be"),
        (lambda: optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False),
         "dynamic=False"),
        (lambda: optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0),
         "does not support `clipnorm`"),
        (lambda: optimizers.LossScaleOptimizer(optimizers.SGD(), initial_scale=0),
         "`initial_scale`"),
        (lambda: optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic_growth_steps=0.5),
         "`dynamic_growth_steps`"),
        (lambda: optimizers.LossScaleOptimizer(optimizers.SGD(), scale=2), "unknown argument"),
        (lambda: optimizers.Muon(ns_steps=-1), "Muon: `ns_steps`"),
        (lambda: optimizers.Muon(exclude_layers="dense"), "Muon: `exclude_layers`"),
    ],
)
def test_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_model_file_keeps_the_loss_scale_state(tmp_path):
    inputs = engine.layers.Input((4,))
    model = engine.Model(inputs, engine.layers.Dense(2)(inputs))
    model.compile(optimizers.LossScaleOptimizer(optimizers.Muon(learning_rate=0.01),
                                                dynamic_growth_steps=1), "mse")
    model.fit(*_fit_data(), batch_size=16, epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    again = engine.models.load_model(path)
    assert isinstance(again.optimizer.inner_optimizer, optimizers.Muon)
    _assert_close([v.numpy() for v in again.optimizer.variables],
                  [v.numpy() for v in model.optimizer.variables])
    theirs = keras.models.load_model(path)
    assert float(theirs.optimizer.dynamic_scale.numpy()) == 2.0**17
    assert [v.path for v in theirs.optimizer.variables][:4] == [
        "loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
        "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale"]
