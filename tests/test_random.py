"""keras.random on every backend: Keras's functions and arguments, the shapes and dtypes
Keras gives, the same values for the same int seed, new values from a SeedGenerator (also
inside a compiled function), and the distributions' moments."""

import numpy as np
import pytest

import engine
from engine import ops
from engine import random as rnd

keras = pytest.importorskip("keras")

LOGITS = np.log(np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]], "float32"))
DRAWS = {  # name: (arguments, keyword arguments, the shape and dtype Keras gives)
    "normal": (((3, 4),), {"mean": 1.0, "stddev": 2.0}, ((3, 4), "float32")),
    "uniform": (((3, 4),), {"minval": -1.0, "maxval": 2.0}, ((3, 4), "float32")),
    "truncated_normal": (((3, 4),), {"stddev": 0.5}, ((3, 4), "float32")),
    "randint": (((3, 4), 2, 9), {}, ((3, 4), "int32")),
    "shuffle": ((np.arange(12, dtype="float32").reshape(6, 2),), {}, ((6, 2), "float32")),
    "categorical": ((LOGITS, 5), {}, ((2, 5), "int32")),
    "gamma": (((3, 4), 2.0), {}, ((3, 4), "float32")),
    "binomial": (((3, 4), 5.0, 0.4), {}, ((3, 4), "float32")),
    "beta": (((3, 4), 2.0, 3.0), {}, ((3, 4), "float32")),
    "dropout": ((np.ones((3, 4), "float32"), 0.5), {"noise_shape": (None, 1)},
                ((3, 4), "float32")),
}


def draw(ns, name, seed):
    args, kwargs, _ = DRAWS[name]
    return np.asarray(ns.ops.convert_to_numpy(getattr(ns.random, name)(*args, **kwargs,
                                                                         seed=seed)))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DRAWS))
def test_the_table_of_shapes_and_dtypes_is_keras(name):
    theirs = draw(keras, name, 7)
    assert (theirs.shape, theirs.dtype) == DRAWS[name][2]


def check_draws_like_keras(name):
    first, again = draw(engine, name, 7), draw(engine, name, 7)
    assert (first.shape, first.dtype) == DRAWS[name][2]
    np.testing.assert_array_equal(first, again)
    generator = rnd.SeedGenerator(7)
    values = [draw(engine, name, generator) for _ in range(3)]
    assert any(not np.array_equal(values[0], v) for v in values[1:])


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_shapes_dtypes_and_seeds_follow_keras(name):
    check_draws_like_keras(name)


@pytest.mark.parametrize("name", ["dropout", "shuffle", "categorical"])
def test_draws_on_every_backend(backend_name, name):
    check_draws_like_keras(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DRAWS))
def test_every_draw_on_every_backend(backend_name, name):
    check_draws_like_keras(name)


def test_the_draws_stay_in_their_supports():
    g = rnd.SeedGenerator(1)
    assert np.all(np.abs(ops.to_numpy(rnd.truncated_normal((2000,), seed=g))) <= 2.0)
    ints = ops.to_numpy(rnd.randint((2000,), -2, 3, seed=g))
    assert set(np.unique(ints)) == {-2, -1, 0, 1, 2}
    shuffled = ops.to_numpy(rnd.shuffle(np.arange(40), seed=g))
    assert sorted(shuffled) == list(range(40)) and list(shuffled) != list(range(40))
    dropped = ops.to_numpy(rnd.dropout(np.ones((8, 6), "float32"), 0.25, noise_shape=(None, 1),
                                       seed=g))
    assert set(np.unique(dropped)) <= {0.0, np.float32(4 / 3)} and np.all(dropped == dropped[:, :1])


@pytest.mark.parametrize("name, args, mean, variance", [
    ("truncated_normal", ((20000,),), 0.0, 0.7737),
    ("gamma", ((20000,), 2.5), 2.5, 2.5),
    ("gamma", ((20000,), 0.5), 0.5, 0.5),
    ("beta", ((20000,), 2.0, 3.0), 0.4, 0.04),
    ("binomial", ((20000,), 10, 0.3), 3.0, 2.1),
])
def test_the_moments_are_the_distributions(name, args, mean, variance):
    values = ops.to_numpy(getattr(rnd, name)(*args, seed=3))
    np.testing.assert_allclose([values.mean(), values.var()], [mean, variance], atol=0.06)


def test_categorical_draws_by_the_softmax_of_the_logits():
    counts = ops.to_numpy(rnd.categorical(LOGITS, 4000, seed=5))
    frequencies = [np.bincount(row, minlength=3) / 4000 for row in counts]
    np.testing.assert_allclose(frequencies, np.exp(LOGITS), atol=0.03)


def test_a_seed_generator_draws_anew_inside_a_compiled_function(backend_name):
    generator = rnd.SeedGenerator(11)

    def step(state):
        with engine.variables.state_scope({generator.state: state}) as scope:
            mask = rnd.dropout(ops.ones((4, 5)), 0.5, seed=generator)
        return mask, scope.values[generator.state]

    compiled = ops.jit(step)
    state = generator.state.value
    first, state = compiled(state)
    second, _ = compiled(state)
    assert not np.array_equal(ops.to_numpy(first), ops.to_numpy(second))


def test_bad_arguments_are_refused_with_the_function_named():
    with pytest.raises(ValueError, match="random.dropout: rate must be in"):
        rnd.dropout(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="noise_shape"):
        rnd.dropout(np.ones((2, 3)), 0.5, noise_shape=(2,))
    with pytest.raises(ValueError, match="random.categorical: logits must be"):
        rnd.categorical(np.zeros(3), 2)
