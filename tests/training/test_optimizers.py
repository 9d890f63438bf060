"""Optimizers: Keras 3 parity on every backend, the pure step under jit, state, config, errors."""

from __future__ import annotations

import functools
import json

import jax
import keras
import numpy as np
import pytest

import engine
from engine import ops, optimizers
from engine.backend import active
from engine.optimizers import schedules
from engine.variables import Variable

STEPS = 20

# id -> (optimizer class name, keyword arguments, schedule as (class name, arguments) or None)
CASES = {
    "sgd": ("SGD", {}, None),
    "sgd_momentum": ("SGD", {"learning_rate": 0.05, "momentum": 0.9}, None),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, None),
    "sgd_weight_decay": ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05}, None),
    "adam": ("Adam", {}, None),
    "adam_amsgrad": ("Adam", {"learning_rate": 0.01, "amsgrad": True}, None),
    "adam_clipnorm": ("Adam", {"learning_rate": 0.01, "clipnorm": 1.0}, None),
    "adam_clipvalue": ("Adam", {"learning_rate": 0.01, "clipvalue": 0.5}, None),
    "adam_global_clipnorm": ("Adam", {"learning_rate": 0.01, "global_clipnorm": 2.0}, None),
    "adamw": ("AdamW", {}, None),
    "adamw_strong": ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}, None),
    "rmsprop": ("RMSprop", {}, None),
    "rmsprop_momentum": ("RMSprop", {"learning_rate": 0.01, "momentum": 0.9}, None),
    "rmsprop_centered": ("RMSprop", {"learning_rate": 0.01, "centered": True}, None),
    "rmsprop_centered_momentum": (
        "RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}, None,
    ),
    "adagrad": ("Adagrad", {"learning_rate": 0.05, "initial_accumulator_value": 0.5}, None),
    "sgd_exponential_decay": (
        "SGD", {}, ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5,
                                         "decay_rate": 0.5}),
    ),
    "sgd_exponential_staircase": (
        "SGD", {"momentum": 0.5}, ("ExponentialDecay", {
            "initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.7, "staircase": True,
        }),
    ),
    "adam_inverse_time_decay": (
        "Adam", {}, ("InverseTimeDecay", {"initial_learning_rate": 0.01, "decay_steps": 3,
                                          "decay_rate": 0.5, "staircase": False}),
    ),
    "sgd_piecewise_constant": (
        "SGD", {}, ("PiecewiseConstantDecay", {"boundaries": [5, 12],
                                               "values": [0.1, 0.05, 0.01]}),
    ),
    "adam_cosine_decay": (
        "Adam", {}, ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 15,
                                     "alpha": 0.1}),
    ),
    "adamw_cosine_warmup": (
        "AdamW", {"weight_decay": 0.1}, ("CosineDecay", {
            "initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.02,
            "warmup_steps": 5,
        }),
    ),
}


def _initial_weights():
    rng = np.random.default_rng(1)
    return {
        "dense/kernel": rng.normal(size=(3, 4)).astype("float32"),
        "dense/bias": rng.normal(size=(4,)).astype("float32"),
    }


def _gradients():
    """STEPS lists of gradients, large enough that every kind of clipping takes effect."""
    rng = np.random.default_rng(2)
    return [
        [(2.0 * rng.normal(size=w.shape)).astype("float32") for w in _initial_weights().values()]
        for _ in range(STEPS)
    ]


def _make(library, case):
    class_name, kwargs, schedule = CASES[case]
    kwargs = dict(kwargs)
    if schedule is not None:
        schedule_module = (
            keras.optimizers.schedules if library is keras.optimizers else optimizers.schedules
        )
        kwargs["learning_rate"] = getattr(schedule_module, schedule[0])(**schedule[1])
    return getattr(library, class_name)(**kwargs)


@functools.cache
def _keras_weights(case, steps=STEPS):
    optimizer = _make(keras.optimizers, case)
    weights = [keras.Variable(w) for w in _initial_weights().values()]
    # Keras runs on JAX here (conftest); op by op it skips compiling each eager cond.
    with jax.disable_jit():
        for grads in _gradients()[:steps]:
            optimizer.apply_gradients(zip(grads, weights))
    return [np.asarray(w.numpy()) for w in weights]


def _engine_weights():
    return [Variable(value, name=name) for name, value in _initial_weights().items()]


def _assert_close(actual, expected):
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(np.asarray(a), e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_matches_keras(backend_name, case):
    optimizer = _make(optimizers, case)
    weights = _engine_weights()
    for grads in _gradients():
        optimizer.apply([ops.convert(g) for g in grads], weights)
    _assert_close([w.numpy() for w in weights], _keras_weights(case))
    assert int(optimizer.iterations.numpy()) == STEPS


@pytest.mark.parametrize(
    "case", ["sgd_nesterov", "adamw_strong", "rmsprop_centered_momentum", "adam_global_clipnorm",
             "adamw_cosine_warmup", "sgd_piecewise_constant"],
)
def test_stateless_apply_under_jit_matches_eager(backend_name, case):
    optimizer = _make(optimizers, case)
    weights = _engine_weights()
    optimizer.build(weights)
    compiled = ops.jit(optimizer.stateless_apply)
    eager_state = compiled_state = [v.value for v in optimizer.variables]
    eager_weights = compiled_weights = [w.value for w in weights]
    for grads in _gradients()[:5]:
        grads = [ops.convert(g) for g in grads]
        eager_weights, eager_state = optimizer.stateless_apply(eager_state, grads, eager_weights)
        compiled_weights, compiled_state = compiled(compiled_state, grads, compiled_weights)
    _assert_close(_numpy(compiled_weights + compiled_state), _numpy(eager_weights + eager_state))
    _assert_close(_numpy(compiled_weights), _keras_weights(case, steps=5))


def _numpy(arrays):
    return [active().to_numpy(a) for a in arrays]


def test_state_carries_over_a_backend_switch():
    optimizer = _make(optimizers, "adamw_strong")
    weights = _engine_weights()
    gradients = _gradients()
    names = engine.available_backends()
    for step, grads in enumerate(gradients):
        engine.set_backend(names[step % len(names)])
        optimizer.apply([ops.convert(g) for g in grads], weights)
    last = names[(STEPS - 1) % len(names)]
    assert {v.backend.name for v in optimizer.variables} == {last}
    _assert_close([w.numpy() for w in weights], _keras_weights("adamw_strong"))


def test_excluded_weights_do_not_decay(backend_name):
    theirs = keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.5)
    theirs.exclude_from_weight_decay(var_names=["bias"])
    keras_weights = [keras.Variable(v, name=n.split("/")[1]) for n, v in _initial_weights().items()]
    ours = optimizers.AdamW(learning_rate=0.01, weight_decay=0.5)
    ours.exclude_from_weight_decay(var_names=["bias"])
    weights = _engine_weights()
    for grads in _gradients()[:5]:
        with jax.disable_jit():
            theirs.apply_gradients(zip(grads, keras_weights))
        ours.apply([ops.convert(g) for g in grads], weights)
    _assert_close([w.numpy() for w in weights], [np.asarray(w.numpy()) for w in keras_weights])
    with pytest.raises(ValueError, match="before"):
        ours.exclude_from_weight_decay(var_names=["kernel"])


def test_variables_are_named_after_the_weights_in_a_stable_order():
    optimizer = optimizers.Adam(amsgrad=True, name="adam")
    optimizer.build(_engine_weights())
    assert [v.name for v in optimizer.variables] == [
        "adam/iterations",
        "adam/learning_rate",
        "adam/dense/kernel/momentum",
        "adam/dense/kernel/velocity",
        "adam/dense/kernel/velocity_hat",
        "adam/dense/bias/momentum",
        "adam/dense/bias/velocity",
        "adam/dense/bias/velocity_hat",
    ]
    assert optimizer.iterations.dtype == "int32"
    assert optimizer.variables[1].dtype == "float32"
    assert all(not v.trainable for v in optimizer.variables)


def test_a_schedule_is_not_a_variable():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    optimizer = optimizers.SGD(learning_rate=schedule, momentum=0.9, name="sgd")
    optimizer.build(_engine_weights())
    names = [v.name for v in optimizer.variables]
    assert names[:2] == ["sgd/iterations", "sgd/dense/kernel/momentum"]
    np.testing.assert_allclose(float(optimizer.learning_rate), 0.1)


def test_changing_the_learning_rate_takes_effect(backend_name):
    optimizer = optimizers.SGD(learning_rate=0.1)
    weights = [Variable(np.ones(3, "float32"), name="w")]
    gradient = ops.convert(np.ones(3, "float32"))
    optimizer.apply([gradient], weights)
    optimizer.learning_rate = optimizer.learning_rate * 0.1  # a backend scalar, as callbacks do
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    optimizer.apply([gradient], weights)
    np.testing.assert_allclose(weights[0].numpy(), 1 - 0.1 - 0.01, rtol=1e-6)
    # A compiled step sees the new rate through the state it is given.
    step = ops.jit(optimizer.stateless_apply)
    optimizer.learning_rate = 0.5
    new_weights, _ = step([v.value for v in optimizer.variables], [gradient], [weights[0].value])
    np.testing.assert_allclose(_numpy(new_weights)[0], 1 - 0.1 - 0.01 - 0.5, rtol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_config_round_trip(case):
    optimizer = _make(optimizers, case)
    config = optimizer.get_config()
    assert json.loads(json.dumps(config)) == config
    restored = type(optimizer).from_config(config)
    assert restored.get_config() == config
    again = optimizers.get(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(again) is type(optimizer) and again.get_config() == config


def test_get():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    sgd = optimizers.SGD()
    assert optimizers.get(sgd) is sgd
    with pytest.raises(optimizers.OptimizerConfigError, match="sgd, adam, adamw, rmsprop, adagrad"):
        optimizers.get("adamx")


def test_defaults_match_keras():
    for name, cls in optimizers.OPTIMIZERS.items():
        ours = optimizers.get(name).get_config()
        theirs = getattr(keras.optimizers, cls.__name__)().get_config()
        assert {k: ours[k] for k in ours if k != "name"} == {
            k: pytest.approx(theirs[k]) if isinstance(theirs[k], float) else theirs[k]
            for k in ours if k != "name"
        }


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0), "Only one of"),
        (lambda: optimizers.SGD(learning_rate=0.0), "must be positive"),
        (lambda: optimizers.SGD(learning_rate=-1e-3), "must be positive"),
        (lambda: optimizers.SGD(learning_rate="fast"), "positive float or a LearningRateSchedule"),
        (lambda: optimizers.SGD(momentum=1.5), "momentum"),
        (lambda: optimizers.AdamW(weight_decay=None), "weight_decay"),
        (lambda: schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5), "decay_steps"),
        (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1]), "one more entry"),
    ],
)
def test_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_learning_rate_setter_errors():
    optimizer = optimizers.SGD()
    with pytest.raises(ValueError, match="must be positive"):
        optimizer.learning_rate = -0.1
    with pytest.raises(ValueError, match="positive float"):
        optimizer.learning_rate = np.ones(2, "float32")
    scheduled = optimizers.SGD(learning_rate=schedules.CosineDecay(0.1, decay_steps=10))
    with pytest.raises(TypeError, match="cannot be set"):
        scheduled.learning_rate = 0.1


def test_stateless_apply_needs_a_built_optimizer_and_matching_lengths():
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match="not built"):
        optimizer.stateless_apply([], [], [])
    weights = _engine_weights()
    optimizer.build(weights)
    with pytest.raises(ValueError, match="expects 6 state values"):
        optimizer.stateless_apply([], [w.value for w in weights], [w.value for w in weights])


@pytest.mark.parametrize(
    "keras_name, kwargs",
    [
        ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.9,
                              "staircase": True}),
        ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.9}),
        ("PiecewiseConstantDecay", {"boundaries": [3, 7], "values": [1.0, 0.5, 0.1]}),
        ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 8, "alpha": 0.2}),
        ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 8, "warmup_target": 0.1,
                         "warmup_steps": 4}),
    ],
)
def test_schedules_match_keras(backend_name, keras_name, kwargs):
    ours = getattr(schedules, keras_name)(**kwargs)
    expected = _keras_schedule_values(keras_name, json.dumps(kwargs))
    for step in range(len(expected)):
        value = active().to_numpy(ours(ops.convert(np.int32(step))))
        np.testing.assert_allclose(value, expected[step], rtol=1e-6, err_msg=f"step {step}")
    assert schedules.deserialize(schedules.serialize(ours)).get_config() == ours.get_config()


@functools.cache
def _keras_schedule_values(keras_name, kwargs_json):
    schedule = getattr(keras.optimizers.schedules, keras_name)(**json.loads(kwargs_json))
    with jax.disable_jit():
        return [float(schedule(step)) for step in range(15)]
