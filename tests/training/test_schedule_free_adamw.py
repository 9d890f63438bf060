"""ScheduleFreeAdamW: Keras 3's weights and state after 20 steps on every backend (eager and
under jit), its variables in Keras's order, state that moves with the backend, fit, configs
and errors."""

from __future__ import annotations

import functools
import json

import jax
import keras
import numpy as np
import pytest

import engine
from engine import ops, optimizers
from tests.training.test_optimizers import (
    _assert_close,
    _engine_weights,
    _gradients,
    _initial_weights,
    _numpy,
)

# id -> (keyword arguments, schedule as (class name, arguments) or None)
CASES = {
    "plain": ({"learning_rate": 0.01}, None),
    "warmup_decay": ({"learning_rate": 0.05, "warmup_steps": 6, "weight_decay": 0.1,
                      "beta_1": 0.8, "beta_2": 0.99}, None),
    "accumulation_ema_clip": ({"learning_rate": 0.02, "gradient_accumulation_steps": 2,
                               "use_ema": True, "ema_overwrite_frequency": 3,
                               "clipnorm": 1.0}, None),
    "scheduled": ({"warmup_steps": 3}, ("ExponentialDecay", {
        "initial_learning_rate": 0.05, "decay_steps": 4, "decay_rate": 0.7})),
}


def _make(case, library=optimizers):
    kwargs, schedule = CASES[case]
    kwargs = dict(kwargs)
    if schedule is not None:
        kwargs["learning_rate"] = getattr(library.schedules, schedule[0])(**schedule[1])
    return library.ScheduleFreeAdamW(**kwargs)


@functools.cache
def _keras_run(case, steps=20):
    """Keras's weights and optimizer variables (its order) after `steps` steps."""
    optimizer = _make(case, keras.optimizers)
    weights = [keras.Variable(w) for w in _initial_weights().values()]
    with jax.disable_jit():  # Keras runs on JAX here (conftest): op by op
        for grads in _gradients()[:steps]:
            optimizer.apply_gradients(zip(grads, weights))
    return ([np.asarray(w.numpy()) for w in weights],
            [np.asarray(v.numpy()) for v in optimizer.variables])


def _apply(optimizer, weights, steps=20):
    for grads in _gradients()[:steps]:
        optimizer.apply([ops.convert(g) for g in grads], weights)


@pytest.mark.parametrize("case", list(CASES))
def test_matches_keras_weights_and_state(backend_name, case):
    optimizer = _make(case)
    weights = _engine_weights()
    _apply(optimizer, weights)
    keras_weights, keras_state = _keras_run(case)
    _assert_close([w.numpy() for w in weights], keras_weights)
    ours = [v.numpy() for v in optimizer.keras_variables]
    assert [np.shape(v) for v in ours] == [np.shape(v) for v in keras_state]
    _assert_close(ours, keras_state)


@pytest.mark.parametrize("case", ["warmup_decay", "accumulation_ema_clip", "scheduled"])
def test_stateless_apply_under_jit_matches_eager_and_keras(backend_name, case):
    optimizer = _make(case)
    weights = _engine_weights()
    optimizer.build(weights)
    compiled = ops.jit(optimizer.stateless_apply)
    eager_state = compiled_state = [v.value for v in optimizer.variables]
    eager_weights = compiled_weights = [w.value for w in weights]
    for grads in _gradients()[:6]:
        grads = [ops.convert(g) for g in grads]
        eager_weights, eager_state = optimizer.stateless_apply(eager_state, grads, eager_weights)
        compiled_weights, compiled_state = compiled(compiled_state, grads, compiled_weights)
    _assert_close(_numpy(compiled_weights + compiled_state), _numpy(eager_weights + eager_state))
    _assert_close(_numpy(compiled_weights), _keras_run(case, steps=6)[0])


def test_momentum_starts_at_the_weights_and_variables_follow_keras_order():
    optimizer = optimizers.ScheduleFreeAdamW(use_ema=True, name="sf")
    weights = _engine_weights()
    optimizer.build(weights)
    assert [v.name for v in optimizer.keras_variables] == [
        "sf/iterations", "sf/learning_rate", "sf/dense/kernel/average", "sf/dense/bias/average",
        "sf/dense/kernel/momentum", "sf/dense/kernel/velocity",
        "sf/dense/bias/momentum", "sf/dense/bias/velocity",
    ]
    momentums = [v.numpy() for v in optimizer.variables if v.name.endswith("/momentum")]
    _assert_close(momentums, list(_initial_weights().values()))
    theirs = keras.optimizers.ScheduleFreeAdamW(use_ema=True)
    theirs.build([keras.Variable(w, name=n.split("/")[1]) for n, w in _initial_weights().items()])
    assert [v.path.split("/", 1)[1] for v in theirs.variables[2:]] == [
        "_".join(v.name.split("/")[-2:]) for v in optimizer.keras_variables[2:]]


def test_state_moves_with_a_live_backend_switch():
    optimizer = _make("warmup_decay")
    weights = _engine_weights()
    names = engine.available_backends()
    for step, grads in enumerate(_gradients()):
        engine.set_backend(names[step % len(names)])
        optimizer.apply([ops.convert(g) for g in grads], weights)
    assert {v.backend.name for v in optimizer.variables} == {names[19 % len(names)]}
    keras_weights, keras_state = _keras_run("warmup_decay")
    _assert_close([w.numpy() for w in weights], keras_weights)
    _assert_close([v.numpy() for v in optimizer.keras_variables], keras_state)


def _dense(ns):
    inputs = ns.layers.Input((4,))
    return ns.Model(inputs, ns.layers.Dense(2)(ns.layers.Dense(3, activation="tanh")(inputs)))


def _fit_data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")


@functools.cache
def _keras_fit(initial_weights):
    model = _dense(keras)
    model.set_weights([np.asarray(w) for w in json.loads(initial_weights)])
    model.compile(keras.optimizers.ScheduleFreeAdamW(learning_rate=0.05, warmup_steps=3), "mse")
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), history.history["loss"], model.evaluate(*_fit_data(), verbose=0)


def test_fit_and_evaluate_match_keras(backend_name):
    engine.set_random_seed(4)
    model = _dense(engine)
    model.compile(optimizers.ScheduleFreeAdamW(learning_rate=0.05, warmup_steps=3), "mse")
    weights, losses, evaluated = _keras_fit(json.dumps([w.tolist() for w in model.get_weights()]))
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    _assert_close(model.get_weights(), weights)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(*_fit_data(), verbose=0), evaluated, rtol=1e-5)


def test_keras_file_holds_the_state_in_keras_order(tmp_path):
    model = _dense(engine)
    model.compile(optimizers.ScheduleFreeAdamW(learning_rate=0.05, use_ema=True), "mse")
    model.fit(*_fit_data(), batch_size=16, epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    state = [v.numpy() for v in model.optimizer.keras_variables]
    again = engine.models.load_model(path)
    assert isinstance(again.optimizer, optimizers.ScheduleFreeAdamW)
    _assert_close([v.numpy() for v in again.optimizer.keras_variables], state)
    theirs = keras.models.load_model(path)
    assert isinstance(theirs.optimizer, keras.optimizers.ScheduleFreeAdamW)
    _assert_close([v.numpy() for v in theirs.optimizer.variables], state)


@pytest.mark.parametrize("case", list(CASES))
def test_config_round_trip_and_lookup(case):
    optimizer = _make(case)
    config = optimizer.get_config()
    assert json.loads(json.dumps(config)) == config
    assert set(config) == set(_make(case, keras.optimizers).get_config())
    again = optimizers.get(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(again) is optimizers.ScheduleFreeAdamW and again.get_config() == config
    assert type(optimizers.get("schedulefreeadamw")) is optimizers.ScheduleFreeAdamW


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"beta_1": 0.0}, "`beta_1` must be in"),
        ({"beta_1": "0.9"}, "`beta_1` must be in"),
        ({"beta_2": 1.0}, "`beta_2` must be in"),
        ({"epsilon": -1e-8}, "`epsilon` must be"),
        ({"warmup_steps": 2.5}, "`warmup_steps` must be an integer"),
        ({"warmup_steps": -1}, "`warmup_steps` must be an integer"),
        ({"learning_rate": 0.0}, "`learning_rate` must be positive"),
        ({"clipnorm": 1.0, "clipvalue": 1.0}, "in ScheduleFreeAdamW"),
        ({"warmup": 3}, r"ScheduleFreeAdamW got unknown argument\(s\) \['warmup'\]"),
    ],
)
def test_clear_errors(kwargs, message):
    with pytest.raises(optimizers.OptimizerConfigError, match=message):
        optimizers.ScheduleFreeAdamW(**kwargs)
