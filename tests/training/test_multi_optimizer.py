"""MultiOptimizer and OptimizerMap: Keras 3's weights and state after 20 steps on every
backend, the pure step under jit, a live backend switch, fit, .keras files, configs and
errors."""

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


def _by_map(library):
    """Kernels by Adam (exact key wins over the pattern), biases by the default SGD."""
    return library.MultiOptimizer(library.OptimizerMap(
        library.SGD(learning_rate=0.05, momentum=0.9),
        {".*kernel": library.Adam(learning_rate=0.01), ".*bi.s": library.RMSprop(0.02),
         "dense/bias": library.Lion(learning_rate=0.01)},
    ))


def _by_function(library):
    adam, sgd = library.Adam(learning_rate=0.01), library.SGD(learning_rate=0.05)
    return library.MultiOptimizer(lambda v: adam if "kernel" in v.path else sgd,
                                  loss_scale_factor=4.0)


MAKERS = {"map": _by_map, "function": _by_function}


@functools.cache
def _keras_run(case, steps=20):
    optimizer = MAKERS[case](keras.optimizers)
    with keras.name_scope("dense"):  # paths "dense/kernel", "dense/bias", as the engine's
        weights = [keras.Variable(w, name=n.split("/")[1]) for n, w in _initial_weights().items()]
    with jax.disable_jit():
        for grads in _gradients()[:steps]:
            if case == "function":  # Keras divides by loss_scale_factor: scale as a loss would
                grads = [g * 4.0 for g in grads]
            optimizer.apply(grads, weights)
    return ([np.asarray(w.numpy()) for w in weights],
            [np.asarray(v.numpy()) for v in optimizer.variables])


def _scaled(case, grads):
    return [ops.convert(g * 4.0 if case == "function" else g) for g in grads]


@pytest.mark.parametrize("case", list(MAKERS))
def test_matches_keras_weights_and_state(backend_name, case):
    optimizer = MAKERS[case](optimizers)
    weights = _engine_weights()
    for grads in _gradients():
        optimizer.apply(_scaled(case, grads), weights)
    keras_weights, keras_state = _keras_run(case)
    _assert_close([w.numpy() for w in weights], keras_weights)
    ours = [v.numpy() for v in optimizer.keras_variables]
    assert [np.shape(v) for v in ours] == [np.shape(v) for v in keras_state]
    _assert_close(ours, keras_state)


def test_map_order_and_which_optimizer_updates_what():
    optimizer = _by_map(optimizers)
    optimizer.build(_engine_weights())
    adam, rmsprop, lion, sgd = optimizer.optimizers
    assert [type(o).__name__ for o in optimizer.optimizers] == ["Adam", "RMSprop", "Lion", "SGD"]
    assert [v.name.split("/", 1)[1] for v in adam.variables[2:]] == [
        "dense/kernel/momentum", "dense/kernel/velocity"]
    assert not rmsprop.built and not sgd.built and lion.built
    theirs = _by_map(keras.optimizers)
    with keras.name_scope("dense"):
        theirs.build([keras.Variable(w, name=n.split("/")[1])
                      for n, w in _initial_weights().items()])
    assert [tuple(v.shape) for v in theirs.variables] == [
        tuple(v.shape) for v in optimizer.keras_variables]


def test_stateless_apply_under_jit_matches_eager_and_keras(backend_name):
    optimizer = _by_map(optimizers)
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
    _assert_close(_numpy(compiled_weights), _keras_run("map", steps=6)[0])


def test_state_moves_with_a_live_backend_switch():
    optimizer = _by_map(optimizers)
    weights = _engine_weights()
    names = engine.available_backends()
    for step, grads in enumerate(_gradients()):
        engine.set_backend(names[step % len(names)])
        optimizer.apply([ops.convert(g) for g in grads], weights)
    assert {v.backend.name for v in optimizer.variables} == {names[19 % len(names)]}
    keras_weights, keras_state = _keras_run("map")
    _assert_close([w.numpy() for w in weights], keras_weights)
    _assert_close([v.numpy() for v in optimizer.keras_variables], keras_state)


def _dense(ns):
    inputs = ns.layers.Input((4,))
    return ns.Model(inputs, ns.layers.Dense(2)(ns.layers.Dense(3, activation="tanh")(inputs)))


def _fit_data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")


def _fit_optimizer(library):
    return library.MultiOptimizer(library.OptimizerMap(
        library.SGD(learning_rate=0.05), {".*kernel": library.Adam(learning_rate=0.02)}))


@functools.cache
def _keras_fit(initial_weights):
    model = _dense(keras)
    model.set_weights([np.asarray(w) for w in json.loads(initial_weights)])
    model.compile(_fit_optimizer(keras.optimizers), "mse")
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), history.history["loss"]


def test_fit_matches_keras_and_the_keras_file_holds_the_state(backend_name, tmp_path):
    engine.set_random_seed(4)
    model = _dense(engine)
    model.compile(_fit_optimizer(optimizers), "mse")
    weights, losses = _keras_fit(json.dumps([w.tolist() for w in model.get_weights()]))
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    _assert_close(model.get_weights(), weights)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
    if backend_name != "numpy":
        return
    path = str(tmp_path / "model.keras")
    model.save(path)
    state = [v.numpy() for v in model.optimizer.keras_variables]
    again = engine.models.load_model(path)
    assert isinstance(again.optimizer, optimizers.MultiOptimizer)
    _assert_close([v.numpy() for v in again.optimizer.keras_variables], state)
    theirs = keras.models.load_model(path)
    assert isinstance(theirs.optimizer, keras.optimizers.MultiOptimizer)
    _assert_close([v.numpy() for v in theirs.optimizer.variables], state)


def test_a_keras_saved_file_loads_with_its_state(tmp_path):
    model = _dense(keras)
    model.compile(_fit_optimizer(keras.optimizers), "mse")
    model.fit(*_fit_data(), batch_size=16, epochs=1, verbose=0)
    path = str(tmp_path / "keras.keras")
    model.save(path)
    ours = engine.models.load_model(path)
    assert [type(o).__name__ for o in ours.optimizer.optimizers] == ["Adam", "SGD"]
    _assert_close([v.numpy() for v in ours.optimizer.keras_variables],
                  [v.numpy() for v in model.optimizer.variables])


def test_config_round_trip_matches_keras_form():
    optimizer = _by_map(optimizers)
    config = json.loads(json.dumps(optimizers.serialize(optimizer)))
    again = optimizers.deserialize(config)
    assert again.get_config() == optimizer.get_config()
    theirs = keras.optimizers.deserialize({**config, "module": "keras.optimizers"})
    assert [type(o).__name__ for o in theirs.optimizers] == ["Adam", "RMSprop", "Lion", "SGD"]
    function = optimizers.serialize(_by_function(optimizers))
    with pytest.raises(optimizers.OptimizerConfigError, match="custom_objects"):
        optimizers.deserialize(function)
    assert optimizers.deserialize(function, custom_objects={"<lambda>": len}).get_config()


def test_learning_rate_belongs_to_the_sub_optimizers():
    optimizer = _by_map(optimizers)
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate = 0.1


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optimizers.OptimizerMap("adam"), "`default_optimizer` must be an optimizer"),
        (lambda: optimizers.OptimizerMap(optimizers.SGD(), [("a", optimizers.SGD())]),
         "`optimizer_map` must be a dict"),
        (lambda: optimizers.OptimizerMap(optimizers.SGD(), {1: optimizers.SGD()}),
         "keys must be strings"),
        (lambda: optimizers.OptimizerMap(
            optimizers.SGD(), {"a": optimizers.LossScaleOptimizer(optimizers.SGD())}),
         "cannot be a LossScaleOptimizer"),
        (lambda: optimizers.MultiOptimizer("adam"), "`optimizer_map` must be an OptimizerMap"),
        (lambda: optimizers.MultiOptimizer(lambda v: None, loss_scale_factor=0),
         "`loss_scale_factor` must be"),
        (lambda: optimizers.MultiOptimizer(lambda v: "sgd").build(_engine_weights()),
         "`the optimizer for 'dense/kernel'` must be an optimizer"),
    ],
)
def test_clear_errors(make, message):
    with pytest.raises(optimizers.OptimizerConfigError, match=message):
        make()


def test_a_path_matching_two_patterns_is_an_error_and_keys_are_unique():
    mapping = optimizers.OptimizerMap(optimizers.SGD(), {"dense/.*": optimizers.Adam(),
                                                         ".*/bias": optimizers.Adam()})
    with pytest.raises(optimizers.OptimizerConfigError, match="several patterns"):
        mapping["dense/bias"]
    with pytest.raises(optimizers.OptimizerConfigError, match="already mapped"):
        mapping["dense/.*"] = optimizers.SGD()
    assert type(mapping["conv/bias"]) is optimizers.Adam
    assert type(mapping["conv/kernel"]) is optimizers.SGD
