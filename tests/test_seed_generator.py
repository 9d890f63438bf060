"""engine.random.SeedGenerator as Keras 3 has it: a stream of seeds whose state is a Variable,
used inside a custom layer's call, advanced by every compiled step on every backend and moved
by backend switches. (Random values differ from Keras's: each backend draws with its own
generator, so only the behaviour is compared.)"""

import numpy as np
import pytest

import engine
from engine import layers, ops
from engine.backend import get_backend

keras = pytest.importorskip("keras")


def noise_layer(ns):
    """The Keras docstring's pattern: a layer holding a SeedGenerator, drawing in call."""

    class Noise(ns.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = ns.random.SeedGenerator(1337)

        def call(self, x, training=False):
            if training:
                noise = ns.random.normal(ns.ops.shape(x), stddev=0.1, seed=self.seed_generator)
                return x + noise
            return x

    return Noise


def draws(backend_name, *seeds):
    return [get_backend(backend_name).to_numpy(engine.random.normal((3,), seed=seed))
            for seed in seeds]


def test_a_generator_draws_anew_each_call_and_repeats_from_the_same_seed(backend_name):
    first, second = draws(backend_name, *[engine.random.SeedGenerator(7)] * 2)
    again, _ = draws(backend_name, engine.random.SeedGenerator(7), None)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, again)
    fixed = draws(backend_name, 11, 11)
    np.testing.assert_array_equal(*fixed)


@pytest.mark.parametrize("ns", [engine, keras], ids=["engine", "keras"])
def test_state_name_config_and_advance_are_keras(ns):
    generator = ns.random.SeedGenerator(5)
    assert generator.name.startswith("seed_generator")  # Keras numbers them per session
    assert generator.state.path == f"{generator.name}/seed_generator_state"
    assert not generator.state.trainable and generator.get_config() == {
        "seed": 5, "name": generator.name}
    assert ns.random.SeedGenerator(5, name="noise").state.path == "noise/seed_generator_state"
    np.testing.assert_array_equal(np.asarray(generator.next()), [5, 0])
    np.testing.assert_array_equal(generator.state.numpy(), [5, 1])
    copy = type(generator).from_config(generator.get_config())
    np.testing.assert_array_equal(copy.state.numpy(), [5, 0])


def test_large_seeds_keep_their_low_bits():
    engine.random.SeedGenerator(2**32 + 3)  # Keras's generator overflows here
    np.testing.assert_array_equal(draws("numpy", 2**32 + 3)[0], draws("numpy", 3)[0])


@pytest.mark.parametrize("seed", [1.5, "1", True])
def test_a_seed_that_is_not_an_int_is_refused(seed):
    with pytest.raises(ValueError, match="seed must be an int"):
        engine.random.SeedGenerator(seed)
    with pytest.raises(TypeError, match="seed must be an int"):
        engine.random.normal((2,), seed=seed)


@pytest.mark.parametrize("ns", [engine, keras], ids=["engine", "keras"])
def test_a_layer_holds_the_state_as_a_variable_not_a_weight(ns):
    layer = noise_layer(ns)()
    assert layer.weights == [] and layer.trainable_weights == []
    assert layer.variables == [layer.seed_generator.state]


def model():
    i = layers.Input((4,))
    hidden = noise_layer(engine)()(i)  # no compute_output_shape: a trial call finds it
    built = engine.Model(i, layers.Dense(2)(hidden))
    built.compile("sgd", "mse")
    return built


def test_each_compiled_step_advances_the_seed_and_draws_anew(backend_name):
    built = model()
    generator = built.layers[1].seed_generator
    np.testing.assert_array_equal(generator.state.numpy(), [1337, 0])  # the trial call
    assert generator.state in built.non_trainable_variables
    x = np.zeros((8, 4), "float32")
    built.fit(x, np.zeros((8, 2), "float32"), batch_size=4, epochs=2, verbose=0)
    np.testing.assert_array_equal(generator.state.numpy(), [1337, 4])
    noisy = [get_backend(backend_name).to_numpy(built.layers[1](x, training=True))
             for _ in range(2)]
    assert not np.array_equal(*noisy) and np.abs(noisy[0]).max() > 0
    np.testing.assert_array_equal(generator.state.numpy(), [1337, 6])


def test_the_state_moves_with_the_backend_and_keeps_counting():
    built = model()
    generator = built.layers[1].seed_generator
    x, y = np.zeros((8, 4), "float32"), np.zeros((8, 2), "float32")
    names = engine.available_backends()
    for name in names:
        engine.set_backend(name)
        assert generator.state.backend.name == name
        built.fit(x, y, batch_size=4, epochs=1, verbose=0)
    np.testing.assert_array_equal(generator.state.numpy(), [1337, 2 * len(names)])


def test_inside_a_state_scope_the_seed_is_the_scopes_and_the_advance_stays_there(backend_name):
    generator, backend = engine.random.SeedGenerator(3), get_backend(backend_name)
    with engine.variables.state_scope({generator.state: ops.convert(np.array([3, 9], "int32"))}):
        np.testing.assert_array_equal(backend.to_numpy(generator.next()), [3, 9])
        np.testing.assert_array_equal(backend.to_numpy(generator.state.value), [3, 10])
    np.testing.assert_array_equal(generator.state.numpy(), [3, 0])
