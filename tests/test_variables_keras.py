"""engine.Variable against keras.Variable: the constructor, assignment, operators and errors,
on every backend; and what the engine adds: state scopes and moving across backends."""

import numpy as np
import pytest

import engine
from engine.backend import get_backend
from engine.variables import state_scope

keras = pytest.importorskip("keras")


def as_numpy(value):
    """Any result (a backend array of any framework, a NumPy value, a number) as NumPy."""
    for name in engine.available_backends():
        backend = get_backend(name)
        if backend.is_array(value):
            return np.asarray(backend.to_numpy(value))
    return np.asarray(value)


# (initializer, keyword arguments); an initializer given as a name of `ns.initializers`
# is looked up in each namespace.
CONSTRUCTIONS = {
    "float64 array": (np.zeros((2, 3)), {}),
    "int64 array": (np.arange(3), {}),
    "float number": (1.5, {}),
    "int number": (7, {}),
    "bool": (True, {}),
    "list": ([1.0, 2.0], {}),
    "array, dtype int32": (np.full(2, 2.7), {"dtype": "int32"}),
    "name, shape, dtype": ("ones", {"shape": (2, 3), "dtype": "float16"}),
    "name, scalar shape": ("zeros", {"shape": ()}),
    "initializer object": ("Ones()", {"shape": (4,)}),
    "function": (lambda shape, dtype=None: np.full(shape, 7.0), {"shape": (2,)}),
    "untrainable, aggregated": (np.ones(3, "float32"), {
        "trainable": False, "aggregation": "sum", "synchronization": "on_read"}),
    "named": (np.ones(3, "float32"), {"name": "scale"}),
    "no aggregation": (np.ones(3, "float32"), {"aggregation": None, "autocast": False}),
}


def construct(ns, case):
    initializer, kwargs = CONSTRUCTIONS[case]
    if isinstance(initializer, str) and initializer == "Ones()":
        initializer = ns.initializers.Ones()
    return ns.Variable(initializer, **kwargs)


def described(variable):
    return {
        "name": variable.name, "path": variable.path, "dtype": variable.dtype,
        "shape": tuple(variable.shape), "ndim": variable.ndim, "trainable": variable.trainable,
        "aggregation": variable.aggregation, "synchronization": variable.synchronization,
    }


@pytest.mark.parametrize("case", list(CONSTRUCTIONS))
def test_construction_matches_keras(backend_name, case):
    ours, theirs = construct(engine, case), construct(keras, case)
    assert described(ours) == {**described(theirs), "name": ours.name, "path": ours.path}
    assert ours.name == ours.path == CONSTRUCTIONS[case][1].get("name", "variable")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.numpy().dtype == theirs.numpy().dtype
    assert ours.backend.name == backend_name


def test_unnamed_variables_are_numbered_as_in_keras():
    keras.backend.clear_session()  # the engine's names are fresh in every test
    ours = [engine.Variable(np.zeros(1)).name for _ in range(3)]
    assert ours == [keras.Variable(np.zeros(1)).name for _ in range(3)]
    assert ours == ["variable", "variable_1", "variable_2"]


# What each case does with a float variable `v` = [1, 2, 3], a bool one `b`, a scalar `s`
# and a matrix `m`.
OPERATIONS = {
    "assign": lambda v, b, s, m: v.assign(np.array([4.0, 5.0, 6.0])),
    "assign returns cast": lambda v, b, s, m: v.assign([7, 8, 9]),
    "assign_add": lambda v, b, s, m: v.assign_add(np.ones(3)),
    "assign_sub": lambda v, b, s, m: v.assign_sub(2.0),
    "assign_add scalar": lambda v, b, s, m: s.assign_add(1.5),
    "add": lambda v, b, s, m: v + 1.0,
    "radd array": lambda v, b, s, m: np.ones(3, "float32") + v,
    "rsub": lambda v, b, s, m: 2.0 - v,
    "mul variable": lambda v, b, s, m: v * s,
    "truediv": lambda v, b, s, m: v / 2.0,
    "rtruediv": lambda v, b, s, m: 6.0 / v,
    "pow": lambda v, b, s, m: v**2,
    "rpow": lambda v, b, s, m: 2.0**v,
    "matmul": lambda v, b, s, m: m @ np.ones((3, 2), "float32"),
    "rmatmul": lambda v, b, s, m: np.ones((4, 2), "float32") @ m,
    "matmul variables": lambda v, b, s, m: m @ m[0][:, None],
    "floordiv": lambda v, b, s, m: v // 2.0,
    "mod": lambda v, b, s, m: v % 2.0,
    "neg": lambda v, b, s, m: -v,
    "abs": lambda v, b, s, m: abs(-v + 0.5),
    "pos": lambda v, b, s, m: +v,
    "getitem": lambda v, b, s, m: v[1:],
    "less": lambda v, b, s, m: v < 2.0,
    "less_equal": lambda v, b, s, m: v <= 2.0,
    "greater": lambda v, b, s, m: v > 2.0,
    "greater_equal": lambda v, b, s, m: v >= 2.0,
    "invert": lambda v, b, s, m: ~b,
    "and": lambda v, b, s, m: b & np.array([True, True]),
    "or": lambda v, b, s, m: b | np.array([False, False]),
    "float": lambda v, b, s, m: float(s),
    "int": lambda v, b, s, m: int(s),
    "array": lambda v, b, s, m: np.asarray(v),
}


def operands(ns):
    return (ns.Variable(np.array([1.0, 2.0, 3.0], "float32")),
            ns.Variable(np.array([True, False])),
            ns.Variable(np.float32(2.5)),
            ns.Variable(np.arange(6.0).reshape(2, 3)))


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_operations_match_keras(backend_name, operation):
    ours, theirs = operands(engine), operands(keras)
    result = OPERATIONS[operation](*ours)
    expected = OPERATIONS[operation](*theirs)
    np.testing.assert_allclose(as_numpy(result), as_numpy(expected), rtol=1e-6)
    assert as_numpy(result).dtype == as_numpy(expected).dtype
    for variable, reference in zip(ours, theirs):
        np.testing.assert_array_equal(variable.numpy(), reference.numpy())


def test_an_int_variable_keeps_its_dtype_as_in_keras(backend_name):
    ours, theirs = engine.Variable(np.int32(3)), keras.Variable(np.int32(3))
    assert int(as_numpy(ours.assign_add(1.7))) == int(as_numpy(theirs.assign_add(1.7))) == 4
    assert ours.dtype == theirs.dtype == "int32"


ERRORS = {
    "assign of another shape": (lambda ns: ns.Variable(np.zeros(3)).assign(np.ones(2)),
                                ValueError),
    "initializer without shape": (lambda ns: ns.Variable("ones"), ValueError),
    "unknown aggregation": (lambda ns: ns.Variable(1.0, aggregation="max"), ValueError),
    "unknown synchronization": (lambda ns: ns.Variable(1.0, synchronization="x"), ValueError),
    "as a boolean": (lambda ns: bool(ns.Variable(1.0)), TypeError),
    "float of a vector": (lambda ns: float(ns.Variable(np.ones(2))), TypeError),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_keras(case):
    make, error = ERRORS[case]
    with pytest.raises(error):
        make(keras)
    with pytest.raises(error):
        make(engine)


def test_a_failed_assign_leaves_the_value():
    variable = engine.Variable(np.arange(3.0))
    with pytest.raises(ValueError, match=r"shape \(2, 3\) to variable 'variable' of shape \(3,"):
        variable.assign_add(np.ones((2, 3)))
    np.testing.assert_array_equal(variable.numpy(), [0.0, 1.0, 2.0])


def test_shape_and_value_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match=r"shape=\(4,\) does not match"):
        engine.Variable(np.ones(3), shape=(4,))


def test_trainable_is_settable_and_layers_see_it():
    class Scaled(engine.layers.Layer):
        def __init__(self):
            super().__init__()
            self.scale = engine.Variable(np.ones(2, "float32"), name="scale")

        def call(self, x):
            return x * self.scale

    layer = Scaled()
    assert layer.trainable_weights == [layer.scale]
    layer.scale.trainable = 0
    assert layer.scale.trainable is False and layer.trainable_weights == []
    assert layer.non_trainable_weights == [layer.scale]


def test_in_a_state_scope_values_are_read_and_assignments_recorded(backend_name):
    variable = engine.Variable(np.ones(2, "float32"))
    backend = get_backend(backend_name)
    with state_scope({variable: backend.convert(np.full(2, 5.0, "float32"))}) as scope:
        assert variable.numpy().tolist() == [5.0, 5.0]
        returned = variable.assign_add(1.0)
        assert as_numpy(variable.value).tolist() == as_numpy(returned).tolist() == [6.0, 6.0]
        with pytest.raises(TypeError, match="inside a step"):
            np.asarray(variable)
    assert scope.assigned == {variable}
    assert variable.numpy().tolist() == [1.0, 1.0]


def test_variables_from_initializers_move_with_the_backend():
    variable = engine.Variable("random_normal", shape=(3,), dtype="float32")
    values = variable.numpy()
    for name in engine.available_backends():
        engine.set_backend(name)
        assert variable.backend.name == name
        np.testing.assert_array_equal(variable.numpy(), values)
        np.testing.assert_allclose(as_numpy(variable + 1.0), values + 1.0, rtol=1e-6)
