"""fit matches Keras 3's fit step for step, and training continues exactly across backends."""

import itertools

import numpy as np
import pytest

import engine
from tests.conftest import INSTALLED


def architecture(ns):
    i = ns.layers.Input((6, 6, 1))
    x = ns.layers.Conv2D(3, 3, activation="relu")(i)
    x = ns.layers.BatchNormalization()(x)
    x = ns.layers.Flatten()(x)
    x = ns.layers.Dense(8, activation="tanh")(x)
    return i, ns.layers.Dense(3, activation="softmax")(x)


def data(count=160):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(count, 6, 6, 1)).astype("float32")
    return x, (x.reshape(count, -1)[:, :3].argmax(axis=1)).astype("int32")


def build():
    engine.set_random_seed(1)
    model = engine.Model(*architecture(engine))
    model.compile(
        engine.optimizers.Adam(learning_rate=0.01),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def test_twenty_adam_steps_match_keras(backend_name):
    keras = pytest.importorskip("keras")
    model = build()
    reference = keras.Model(*architecture(keras))
    reference.set_weights(model.get_weights())
    reference.compile(
        keras.optimizers.Adam(learning_rate=0.01),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    x, y = data()
    ours = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    theirs = reference.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 20
    for mine, keras_weight in zip(model.get_weights(), reference.get_weights()):
        scale = max(np.abs(keras_weight).max(), 1e-3)
        assert np.abs(mine - keras_weight).max() / scale < 1e-4
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(ours.history["accuracy"], theirs.history["accuracy"], atol=1e-6)


def train_steps(model, x, y, steps):
    model.fit(x[: 16 * steps], y[: 16 * steps], batch_size=16, epochs=1, shuffle=False, verbose=0)


@pytest.mark.parametrize("first,second", list(itertools.permutations(INSTALLED, 2)))
def test_five_steps_then_switch_equals_ten_steps(first, second):
    x, y = data()
    engine.set_backend(first)
    straight = build()
    train_steps(straight, x, y, 10)

    engine.set_backend(first)
    switched = build()
    train_steps(switched, x, y, 5)
    engine.set_backend(second)
    assert switched.backend.name == second
    assert switched.optimizer.iterations.backend.name == second
    switched.fit(x[80:160], y[80:160], batch_size=16, epochs=1, shuffle=False, verbose=0)

    assert int(switched.optimizer.iterations.numpy()) == 10
    for a, b in zip(straight.get_weights(), switched.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("first,second", list(itertools.permutations(INSTALLED, 2)))
def test_round_trip_keeps_every_variable_bit_for_bit(first, second):
    x, y = data()
    engine.set_backend(first)
    model = build()
    train_steps(model, x, y, 3)
    state = [v.numpy() for v in model.variables + model.optimizer.variables]
    engine.set_backend(second)
    engine.set_backend(first)
    for before, after in zip(
        state, [v.numpy() for v in model.variables + model.optimizer.variables]
    ):
        assert before.dtype == after.dtype
        np.testing.assert_array_equal(before, after)


def test_switch_from_a_callback_runs_the_next_step_on_the_new_backend():
    if len(INSTALLED) < 2:
        pytest.skip("needs a second backend")
    target = INSTALLED[-1]
    x, y = data()
    seen = []

    class SwitchAtStepThree(engine.training.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(self.model.backend.name)

        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                engine.set_backend(target)

    model = build()
    model.fit(
        x[:96],
        y[:96],
        batch_size=16,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=[SwitchAtStepThree()],
    )
    assert seen == ["numpy"] * 3 + [target] * 3

    engine.set_backend("numpy")
    reference = build()
    train_steps(reference, x, y, 6)
    for a, b in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_missing_backend_during_training_keeps_everything(monkeypatch):
    x, y = data()
    model = build()
    train_steps(model, x, y, 2)
    before = [v.numpy() for v in model.variables + model.optimizer.variables]
    monkeypatch.setitem(engine.backend.BACKENDS, "jax", ("engine.backend.absent", "jax", "jax"))
    monkeypatch.delitem(engine.backend._loaded, "jax", raising=False)
    with pytest.raises(engine.MissingBackendError):
        engine.set_backend("jax")
    after = [v.numpy() for v in model.variables + model.optimizer.variables]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    train_steps(model, x, y, 1)
    assert int(model.optimizer.iterations.numpy()) == 3
