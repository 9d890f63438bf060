"""Keras 3's other optimizers and the arguments every optimizer takes (EMA, gradient
accumulation, loss scaling): the same weights as Keras after 20 steps on every backend, the
pure step under jit, state that moves with the backend, configs and errors."""

from __future__ import annotations

import functools
import json

import jax
import keras
import numpy as np
import pytest

import engine
from engine import ops, optimizers
from engine.optimizers import schedules
from tests.training.test_optimizers import (
    STEPS,
    _assert_close,
    _engine_weights,
    _gradients,
    _initial_weights,
    _keras_schedule_values,
    _numpy,
)

NEW_CASES = {
    "adamax": ("Adamax", {"learning_rate": 0.01}, None),
    "adadelta": ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}, None),
    "adafactor": ("Adafactor", {"learning_rate": 0.05}, None),
    "adafactor_clip": ("Adafactor", {"learning_rate": 0.05, "clip_threshold": 0.5,
                                     "beta_2_decay": -0.5}, None),
    "ftrl": ("Ftrl", {"learning_rate": 0.1}, None),
    "ftrl_regularised": ("Ftrl", {
        "learning_rate": 0.1, "learning_rate_power": -0.3, "l1_regularization_strength": 0.01,
        "l2_regularization_strength": 0.02, "l2_shrinkage_regularization_strength": 0.01,
        "beta": 0.1,
    }, None),
    "lamb": ("Lamb", {"learning_rate": 0.01}, None),
    "lion": ("Lion", {"learning_rate": 0.01, "beta_1": 0.8}, None),
    "nadam": ("Nadam", {"learning_rate": 0.01}, None),
    "nadam_weight_decay": ("Nadam", {"learning_rate": 0.01, "weight_decay": 0.1}, None),
    "adam_ema": ("Adam", {"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.9}, None),
    "sgd_ema_overwrite": ("SGD", {"learning_rate": 0.05, "momentum": 0.5, "use_ema": True,
                                  "ema_overwrite_frequency": 3}, None),
    "adam_accumulation": ("Adam", {"learning_rate": 0.01, "gradient_accumulation_steps": 3},
                          None),
    "nadam_accumulation_ema": ("Nadam", {
        "learning_rate": 0.01, "gradient_accumulation_steps": 2, "use_ema": True,
        "ema_overwrite_frequency": 2, "clipnorm": 1.0,
    }, None),
    "rmsprop_loss_scale": ("RMSprop", {"learning_rate": 0.01, "loss_scale_factor": 64.0}, None),
    "lion_cosine_restarts": ("Lion", {}, ("CosineDecayRestarts", {
        "initial_learning_rate": 0.02, "first_decay_steps": 4, "t_mul": 1.5, "m_mul": 0.8,
        "alpha": 0.1,
    })),
    "adafactor_polynomial": ("Adafactor", {}, ("PolynomialDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 12, "end_learning_rate": 0.01,
        "power": 2.0, "cycle": True,
    })),
}
# Cases another one covers as well: they run with --slow.
SLOW = {"adafactor_clip", "ftrl", "nadam", "lion", "adam_accumulation",
        # compared with Keras under jit as well:
        "nadam_accumulation_ema", "sgd_ema_overwrite", "adafactor_polynomial"}


def _cases(names, slow=SLOW):
    return [pytest.param(n, marks=pytest.mark.slow) if n in slow else n for n in names]


def _make(case, library=optimizers):
    class_name, kwargs, schedule = NEW_CASES[case]
    kwargs = dict(kwargs)
    if schedule is not None:
        kwargs["learning_rate"] = getattr(library.schedules, schedule[0])(**schedule[1])
    return getattr(library, class_name)(**kwargs)


@functools.cache
def _keras_weights(case, steps=STEPS):
    optimizer = _make(case, keras.optimizers)
    weights = [keras.Variable(w) for w in _initial_weights().values()]
    with jax.disable_jit():  # Keras runs on JAX here (conftest): op by op, no compiling
        for grads in _gradients()[:steps]:
            optimizer.apply_gradients(zip(grads, weights))
    return [np.asarray(w.numpy()) for w in weights]


@pytest.mark.parametrize("case", _cases(NEW_CASES))
def test_matches_keras(backend_name, case):
    optimizer = _make(case)
    weights = _engine_weights()
    for grads in _gradients():
        optimizer.apply([ops.convert(g) for g in grads], weights)
    _assert_close([w.numpy() for w in weights], _keras_weights(case))


@pytest.mark.parametrize(
    "case", _cases(["nadam_accumulation_ema", "sgd_ema_overwrite", "adafactor_polynomial",
                    "ftrl_regularised", "lamb", "adafactor"], slow={"ftrl_regularised", "lamb",
                                                                    "adafactor"}),
)
def test_stateless_apply_under_jit_matches_eager(backend_name, case):
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
    _assert_close(_numpy(compiled_weights), _keras_weights(case, steps=6))


@pytest.mark.parametrize(
    "keras_name, kwargs",
    [
        ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "power": 0.5}),
        ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4,
                             "end_learning_rate": 0.01, "power": 2.0, "cycle": True}),
        ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3,
                                 "t_mul": 1.5, "m_mul": 0.8, "alpha": 0.1}),
        ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3,
                                 "t_mul": 1.0}),
    ],
)
def test_schedules_match_keras(backend_name, keras_name, kwargs):
    ours = getattr(schedules, keras_name)(**kwargs)
    expected = _keras_schedule_values(keras_name, json.dumps(kwargs))
    values = [float(_numpy([ours(ops.convert(np.int32(step)))])[0]) for step in range(15)]
    np.testing.assert_allclose(values, expected, rtol=1e-6)
    assert schedules.deserialize(schedules.serialize(ours)).get_config() == ours.get_config()


def test_state_carries_over_a_backend_switch():
    optimizer = _make("nadam_accumulation_ema")
    weights = _engine_weights()
    names = engine.available_backends()
    for step, grads in enumerate(_gradients()):
        engine.set_backend(names[step % len(names)])
        optimizer.apply([ops.convert(g) for g in grads], weights)
    last = names[(len(_gradients()) - 1) % len(names)]
    assert {v.backend.name for v in optimizer.variables} == {last}
    _assert_close([w.numpy() for w in weights], _keras_weights("nadam_accumulation_ema"))


@pytest.mark.parametrize("extra", [{}, {"use_ema": True, "gradient_accumulation_steps": 2,
                                       "weight_decay": 0.1, "loss_scale_factor": 2.0}])
@pytest.mark.parametrize("backend_name", ["numpy", "torch"], indirect=True)
def test_every_value_keeps_its_variables_dtype(backend_name, extra):
    """A Python number meeting another in an op would make a float64 scalar on the
    synchronous backends (where the step's scalars are Python numbers), which would turn the
    float32 state it touches into float64."""
    backend = engine.backend.active()
    for cls in optimizers.OPTIMIZERS.values():
        optimizer = cls(**extra)
        weights = _engine_weights()
        optimizer.build(weights)
        values, state = [w.value for w in weights], [v.value for v in optimizer.variables]
        for grads in _gradients()[:2]:
            values, state = optimizer.stateless_apply(state, [ops.convert(g) for g in grads],
                                                      values)
        for variable, value in zip(weights + optimizer.variables, values + state):
            assert backend.dtype(value) == variable.dtype, (cls.__name__, variable.name)


def test_shared_slots_come_first_and_adafactor_factors_its_second_moment():
    optimizer = optimizers.Adafactor(use_ema=True, gradient_accumulation_steps=2, name="ada")
    optimizer.build(_engine_weights())
    assert [(v.name, tuple(v.shape)) for v in optimizer.variables] == [
        ("ada/iterations", ()),
        ("ada/learning_rate", ()),
        ("ada/dense/kernel/average", (3, 4)),
        ("ada/dense/kernel/gradient_accumulator", (3, 4)),
        ("ada/dense/kernel/row_factor", (3,)),
        ("ada/dense/kernel/column_factor", (4,)),
        ("ada/dense/kernel/velocity", (3, 4)),
        ("ada/dense/bias/average", (4,)),
        ("ada/dense/bias/gradient_accumulator", (4,)),
        ("ada/dense/bias/row_factor", ()),
        ("ada/dense/bias/column_factor", ()),
        ("ada/dense/bias/velocity", (4,)),
    ]
    nadam = optimizers.Nadam(name="nadam")
    assert [v.name for v in nadam.variables] == ["nadam/iterations", "nadam/learning_rate",
                                                 "nadam/u_product"]


def test_finalize_variable_values_sets_the_moving_averages(backend_name):
    optimizer = _make("adam_ema")
    weights = _engine_weights()
    for grads in _gradients()[:3]:
        optimizer.apply([ops.convert(g) for g in grads], weights)
    averages = [v.numpy() for v in optimizer.variables if v.name.endswith("/average")]
    optimizer.finalize_variable_values(weights)
    _assert_close([w.numpy() for w in weights], averages)
    with pytest.raises(optimizers.OptimizerConfigError, match="moving averages of 2 weights"):
        optimizer.finalize_variable_values(weights[:1])


def test_scale_loss():
    assert optimizers.SGD().scale_loss(3.0) == 3.0
    scaled = optimizers.SGD(loss_scale_factor=4.0).scale_loss(ops.convert(np.float32(3.0)))
    assert float(scaled) == 12.0


@pytest.mark.parametrize("case", list(NEW_CASES))
def test_config_round_trip(case):
    optimizer = _make(case)
    config = optimizer.get_config()
    assert json.loads(json.dumps(config)) == config
    again = optimizers.get(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(again) is type(optimizer) and again.get_config() == config


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: optimizers.Adam(use_ema=True, ema_momentum=1.5), "Adam: `ema_momentum`"),
        (lambda: optimizers.SGD(use_ema=True, ema_overwrite_frequency=0.5),
         "SGD: `ema_overwrite_frequency`"),
        (lambda: optimizers.Nadam(gradient_accumulation_steps=1),
         "Nadam: `gradient_accumulation_steps`"),
        (lambda: optimizers.Lamb(loss_scale_factor=-2.0), "Lamb: `loss_scale_factor`"),
        (lambda: optimizers.Lion(beta_1=0.0), "Lion: `beta_1`"),
        (lambda: optimizers.Ftrl(learning_rate_power=0.5), "Ftrl: `learning_rate_power`"),
        (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0),
         "Ftrl: `l1_regularization_strength`"),
        (lambda: optimizers.Adamax(beta1=0.9), r"Adamax got unknown argument\(s\) \['beta1'\]"),
        (lambda: optimizers.Adadelta(clipnorm=1.0, clipvalue=1.0), "in Adadelta"),
        (lambda: schedules.PolynomialDecay(0.1, decay_steps=0), "decay_steps"),
        (lambda: schedules.CosineDecayRestarts(0.1, first_decay_steps=-1), "first_decay_steps"),
    ],
)
def test_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def _dense(ns):
    inputs = ns.layers.Input((4,))
    return ns.Model(inputs, ns.layers.Dense(2)(ns.layers.Dense(3, activation="tanh")(inputs)))


def _fit_data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")


FIT_OPTIMIZER = ("Nadam", {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.8,
                           "gradient_accumulation_steps": 2, "loss_scale_factor": 8.0})


@functools.cache
def _keras_fit(initial_weights):
    model = _dense(keras)
    model.set_weights([np.asarray(w) for w in json.loads(initial_weights)])
    model.compile(getattr(keras.optimizers, FIT_OPTIMIZER[0])(**FIT_OPTIMIZER[1]), "mse")
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), history.history["loss"]


def test_fit_with_ema_accumulation_and_loss_scaling_matches_keras(backend_name):
    engine.set_random_seed(4)
    model = _dense(engine)
    model.compile(getattr(optimizers, FIT_OPTIMIZER[0])(**FIT_OPTIMIZER[1]), "mse")
    weights, losses = _keras_fit(json.dumps([w.tolist() for w in model.get_weights()]))
    history = model.fit(*_fit_data(), batch_size=8, epochs=2, shuffle=False, verbose=0)
    _assert_close(model.get_weights(), weights)  # the moving averages, as fit ends
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
