"""Python operators, indexing and engine.ops functions on symbolic tensors: graph nodes that
predict, train, summarise, save and switch backends as Keras 3's do."""

import functools
import inspect
import json

import numpy as np
import pytest

import engine
from engine import layers, ops
from engine.errors import SpecError
from engine.export import ExportError
from engine.export.keras_ops import KERAS_OPS
from engine.layers.op_node import OpNodeError

keras = pytest.importorskip("keras")


def operators(ns):
    """Arithmetic operators between tensors, scalars and a NumPy constant, then a layer."""
    i = ns.Input((6,))
    x = ns.layers.Dense(4)(i)
    y = (x + i[:, :4]) * 2.0 - 1.0
    y = -(y / 3.0) + abs(x) ** 2 - 0.5 * x
    y = y @ np.arange(8, dtype="float32").reshape(4, 2) / 10.0 + x[:, 1:3]
    return i, ns.layers.Dense(2)(y)


def slicing(ns):
    """Indexing with ints, slices, steps, Ellipsis and None; merge functions join them."""
    i = ns.Input((5, 4))
    first = ns.layers.Dense(3)(i[:, 0])
    middle = ns.layers.Flatten()(i[..., 1:3])
    stepped = i[:, ::2, None, -1][:, :, 0]
    x = ns.layers.concatenate([first, middle, stepped], axis=-1)
    return i, ns.layers.Dense(2)(x)


def functions(ns):
    """ops functions (activations, reductions, where, comparisons) between layers."""
    i = ns.Input((6,))
    x = ns.ops.relu(ns.layers.Dense(8)(i))
    x = ns.ops.tanh(x) + ns.ops.sigmoid(x) * ns.ops.exp(-x)
    x = x - ns.ops.mean(x, axis=-1, keepdims=True)
    x = ns.ops.where(x > 0.0, x, x * 0.1)
    s = ns.ops.sum(x * x, axis=-1, keepdims=True)
    x = ns.ops.concatenate([ns.ops.softmax(x), ns.ops.sqrt(s + 1.0)], axis=-1)
    x = ns.layers.add([ns.layers.Dense(9)(x), x])
    x = ns.layers.multiply([x, ns.ops.maximum(x, 0.05)])
    return i, ns.layers.Dense(1)(x)


def two_inputs(ns):
    """Ops between two inputs, two outputs; floor division and remainder of a scaled input."""
    a, b = ns.Input((4,)), ns.Input((4,))
    dot = ns.ops.matmul(ns.ops.expand_dims(a, 1), ns.ops.expand_dims(b, 2))[:, :, 0]
    x = ns.layers.Dense(4, activation="tanh")(a) * b + dot
    whole = (a * 3.0) // 1.0 + (a * 3.0) % 1.0
    return [a, b], [ns.layers.Dense(3)(x), ns.ops.squeeze(ns.layers.Dense(1)(whole), -1)]


ARCHITECTURES = {"operators": operators, "slicing": slicing, "functions": functions,
                 "two_inputs": two_inputs}


def data(architecture, count=16):
    rng = np.random.default_rng(5)
    inputs, outputs = ARCHITECTURES[architecture](engine)
    shapes = [t.shape for t in (inputs if isinstance(inputs, list) else [inputs])]
    x = [rng.normal(size=(count, *s[1:])).astype("float32") for s in shapes]
    y = [rng.normal(size=(count, *t.shape[1:])).astype("float32")
         for t in (outputs if isinstance(outputs, list) else [outputs])]
    return (x if len(x) > 1 else x[0]), (y if len(y) > 1 else y[0])


def build(architecture):
    engine.set_random_seed(0)
    return engine.Model(*ARCHITECTURES[architecture](engine))


def as_list(values):
    return values if isinstance(values, list) else [values]


@functools.cache
def keras_reference(architecture):
    """Keras's model from the engine's weights: its summary's rows (name and class of each
    layer and op), predictions, loss per epoch and weights after fit. The engine draws the
    same initial weights on every backend, so Keras runs once per architecture."""
    weights = build(architecture).get_weights()
    engine.clear_session()
    keras.backend.clear_session()
    reference = keras.Model(*ARCHITECTURES[architecture](keras))
    rows = [f"{op.name} ({type(op).__name__})" for op in reference.operations]
    layer_classes = [type(layer).__name__ for layer in reference.layers]
    reference.set_weights(weights)
    x, y = data(architecture)
    predictions = [np.asarray(p) for p in as_list(reference(x))]
    reference.compile(keras.optimizers.SGD(0.05), "mse")
    history = reference.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return dict(weights=weights, rows=rows, layer_classes=layer_classes, predictions=predictions,
                losses=history.history["loss"], trained=reference.get_weights())


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_same_weights_same_predictions_and_training_as_keras(architecture, backend_name):
    reference = keras_reference(architecture)
    weights, predictions = reference["weights"], reference["predictions"]
    losses, trained = reference["losses"], reference["trained"]
    model = build(architecture)
    assert [w.shape for w in model.get_weights()] == [w.shape for w in weights]
    x, y = data(architecture)
    for ours, theirs in zip(as_list(model.predict(x)), predictions):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    model.compile(engine.optimizers.SGD(0.05), "mse")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)
    for ours, theirs in zip(model.get_weights(), trained):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_layers_and_summary_rows_are_keras_s(architecture):
    reference = keras_reference(architecture)
    engine.clear_session()
    model = build(architecture)
    assert [type(layer).__name__ for layer in model.layers] == reference["layer_classes"]
    lines = []
    model.summary(print_fn=lines.append)
    table = lines[0].splitlines()
    header = next(i for i, line in enumerate(table) if line.startswith("Layer (type)"))
    rows = table[header + 2:]
    rows = rows[: next(i for i, line in enumerate(rows) if line.startswith("---"))]
    assert [row.split("  ")[0] for row in rows] == reference["rows"]


@pytest.mark.parametrize(
    "expression, shape, dtype",
    [
        (lambda x: x[:, 0], (None, 5), "float32"),
        (lambda x: x[..., None, 1:3], (None, 3, 1, 2), "float32"),
        (lambda x: x[:2, ::-1], (2, 3, 5), "float32"),
        (lambda x: x > 0.5, (None, 3, 5), "bool"),
        (lambda x: ops.argmax(x, axis=-1), (None, 3), "int32"),
        (lambda x: ops.reshape(x, (-1, 15)), (None, 15), "float32"),
        (lambda x: x.reshape(-1, 5, 3), (None, 5, 3), "float32"),
        (lambda x: ops.moments(x, axis=-1)[1], (None, 3), "float32"),
        (lambda x: ops.shape(x), None, None),
    ],
)
def test_output_shapes_and_dtypes_of_op_nodes(expression, shape, dtype):
    out = expression(engine.Input((3, 5)))
    if shape is None:
        assert out == (None, 3, 5)
    else:
        assert (out.shape, out.dtype) == (shape, dtype)


def test_a_model_with_op_nodes_nests_in_another_model(backend_name):
    inner = build("functions")
    outer_input = engine.Input((6,))
    outer = engine.Model(outer_input, inner(outer_input * 1.0) + 1.0)
    x, _ = data("functions", count=4)
    np.testing.assert_allclose(outer.predict(x), inner.predict(x) + 1.0, rtol=1e-5, atol=1e-6)


def test_save_and_load_round_trip_the_op_nodes(tmp_path):
    model = build("slicing")
    x, _ = data("slicing", count=5)
    model.save(tmp_path / "m.mw")
    loaded = engine.load_model(tmp_path / "m.mw")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.to_spec() == model.to_spec()
    assert model.to_spec()["version"] == 2


def test_a_spec_without_op_nodes_stays_version_1():
    i = engine.Input((3,))
    assert engine.Model(i, layers.Dense(2)(i)).to_spec()["version"] == 1


def test_spec_json_round_trips_constants():
    i = engine.Input((4, 6))
    x = i[1:, ..., None, ::2][..., 0] + np.array([1, 2, 3], "float64")
    model = engine.Model(i, ops.clip(x, -1, 2.5))
    spec = json.loads(json.dumps(model.to_spec()))
    rebuilt = engine.model_from_spec(spec)
    value = np.random.default_rng(0).normal(size=(3, 4, 6)).astype("float32")
    np.testing.assert_array_equal(rebuilt.predict(value), model.predict(value))


def _op_spec():
    return build("operators").to_spec()


def _with_node(spec, **changes):
    spec = json.loads(json.dumps(spec))
    node = next(n for n in spec["nodes"] if "op" in n)
    node.update(changes)
    return spec


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"op": "os.system"}, "names op 'os.system', which is not an engine op"),
        ({"op": "__import__"}, "not an engine op"),
        ({"op": "value_and_grad"}, "not an engine op"),
        ({"op": "tap"}, "not an engine op"),
        ({"args": [{"tensor": {"node": "nowhere", "output": 0}}, 1.0]}, "refers to node"),
        ({"args": [{"module": "os", "call": "system"}]}, "bad argument"),
        ({"args": [{"array": [1], "dtype": "object"}]}, "bad argument"),
        ({"kwargs": []}, "'kwargs' as a dict"),
    ],
)
def test_a_spec_naming_anything_but_an_allowed_op_is_refused(changes, message):
    with pytest.raises(SpecError, match=message):
        engine.model_from_spec(_with_node(_op_spec(), **changes))


def test_a_switch_mid_training_continues_exactly(backend_name):
    x, y = data("functions", count=48)

    def trained(callbacks=()):
        engine.set_backend("numpy")
        model = build("functions")
        model.compile("adam", "mse")
        model.fit(x, y, batch_size=8, shuffle=False, verbose=0, callbacks=list(callbacks))
        return model

    class SwitchAfterThreeSteps(engine.training.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                engine.set_backend(backend_name)

    straight, switched = trained(), trained([SwitchAfterThreeSteps()])
    assert switched.backend.name == backend_name
    for a, b in zip(straight.get_weights(), switched.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("export", [
    lambda m: m.to_code("torch"), lambda m: m.to_code("jax"),
    lambda m: m.to_code("tensorflow"), lambda m: m.export_onnx("x.onnx"),
])
def test_exports_that_translate_layers_only_name_the_op_node(export):
    with pytest.raises(ExportError, match=r"'get_item' \(ops.getitem .*to_code\('engine'\)"):
        export(build("operators"))


@pytest.mark.parametrize("export", [lambda m: m.to_code("keras"), lambda m: m.to_keras()])
def test_keras_exports_name_an_op_keras_lacks(export):
    i = engine.Input((3,))
    model = engine.Model(i, ops.normalize_by_moments(i, 0.0, 1.0, 1e-3))
    with pytest.raises(ExportError, match="'normalize_by_moments'.*keras.ops has no op"):
        export(model)


def test_every_keras_op_named_for_export_takes_the_engine_s_arguments_by_position():
    def positional(function):
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return [p for p in inspect.signature(function).parameters.values() if p.kind in kinds]

    for ours, theirs in KERAS_OPS.items():
        if ours != "getitem":
            keras_op = functools.reduce(getattr, theirs.split("."), keras.ops)
            assert len(positional(keras_op)) >= len(positional(getattr(ops, ours))), ours


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_to_keras_calls_the_same_ops_in_keras(architecture):
    model = build(architecture)
    x, _ = data(architecture, count=3)
    for ours, theirs in zip(as_list(model.to_keras()(x)), as_list(model.predict(x))):
        np.testing.assert_allclose(np.asarray(ours), theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("framework", ["engine", "keras"])
@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_code_calls_the_same_ops(architecture, framework):
    model = build(architecture)
    namespace = {}
    exec(model.to_code(framework), namespace)  # noqa: S102 (the code the engine just wrote)
    rebuilt = namespace["build_model"]()
    rebuilt.set_weights(model.export_weights(framework))
    x, _ = data(architecture, count=3)
    for ours, theirs in zip(as_list(rebuilt(x)), as_list(model.predict(x))):
        np.testing.assert_allclose(np.asarray(ours), theirs, rtol=1e-5, atol=1e-6)


def test_engine_code_writes_indices_and_constants_as_python_does():
    i = engine.Input((4, 6))
    x = i[1:, ..., None, ::2][..., 0] + np.array([1, 2, 3], "float64")
    code = engine.Model(i, ops.clip(x, -1, 2.5)[(0,)]).to_code("engine")
    assert "input_layer[1:, ..., None, ::2]" in code
    assert 'np.array([1.0, 2.0, 3.0], dtype="float32")' in code
    assert "clip[0,]" in code


@pytest.mark.parametrize(
    "attempt, error, message",
    [
        (lambda a, b: a + b, OpNodeError, r"ops.add cannot take .*\(None, 3\).*\(None, 4\)"),
        (lambda a, b: ops.tap(a, b), OpNodeError, "ops.tap cannot take symbolic tensors"),
        (lambda a, b: a * engine.Variable(np.ones(3, "float32")), OpNodeError,
         "got a Variable beside symbolic tensors"),
        (lambda a, b: list(a), TypeError, "no values to iterate"),
        (lambda a, b: a if a else b, TypeError, "no value to be true or false"),
    ],
)
def test_what_cannot_be_a_graph_node_says_why(attempt, error, message):
    a, b = engine.Input((3,)), engine.Input((4,))
    with pytest.raises(error, match=message):
        attempt(a, b)


def test_merge_functions_are_the_merge_layers():
    a, b = engine.Input((3,)), engine.Input((3,))
    joined = layers.concatenate([a, b], axis=0, name="joined")
    layer = joined.node.layer
    assert (type(layer).__name__, layer.name, layer.axis) == ("Concatenate", "joined", 0)
    assert type(layers.add([a, b]).node.layer) is layers.Add
    assert type(layers.multiply([a, b]).node.layer) is layers.Multiply
