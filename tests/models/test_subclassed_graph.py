"""A subclassed model's call traced into a graph of its own layers (engine/models/tracing.py):
the graph spec, the `.wbm` file, code and ONNX export work on it as on the same model written
functionally, and a call with no one graph is refused saying what to do."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import layers, ops
from engine.export.errors import ExportError
from engine.models.tracing import UntraceableCallError, functional_view
from tests.export.runners import predict, require, write_module
from tests.models.subclassed_cases import (
    CUSTOM_OBJECTS,
    FIT_BACKENDS,
    Plain,
    Residual,
    batch,
    residual_pair,
)


def test_the_graph_holds_the_models_own_layers_and_weights(backend_name):
    model, _ = residual_pair()
    graph = functional_view(model)
    assert [id(w) for w in graph.weights] == [id(w) for w in model.weights]
    kinds = [type(node.layer).__name__ for node in graph.nodes]
    assert kinds == ["Dense", "Block", "Dense", "Scale", "Operation", "BatchNormalization",
                     "Dropout", "Dense"]
    assert functional_view(model) is graph  # traced once while nothing changes
    x, _ = batch()
    np.testing.assert_allclose(graph.predict(x), model.predict(x), rtol=1e-6)


def test_the_spec_is_the_functional_models(backend_name):
    model, functional = residual_pair()
    ours, theirs = model.to_spec(), functional.to_spec()
    assert [entry["class"] for entry in ours["layers"]] == [
        entry["class"] for entry in theirs["layers"]]
    assert [n.get("op") for n in ours["nodes"]] == [n.get("op") for n in theirs["nodes"]]
    rebuilt = engine.models.model_from_spec(ours, custom_objects=CUSTOM_OBJECTS)
    rebuilt.set_weights(functional.get_weights())
    x, _ = batch()
    np.testing.assert_allclose(rebuilt.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", FIT_BACKENDS)
def test_a_wbm_file_reloads_as_the_functional_model_and_trains_on_alike(name, tmp_path):
    engine.set_backend(name)
    model, functional = residual_pair()
    x, y = batch()
    for m in (model, functional):
        m.compile(engine.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
        m.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0)
    model.save(tmp_path / "m.wbm")
    loaded = engine.models.load_model(tmp_path / "m.wbm", custom_objects=CUSTOM_OBJECTS)
    for a, b in zip(loaded.get_weights(), functional.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for m in (loaded, functional):
        m.fit(x, y, epochs=1, batch_size=3, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), functional.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_slots_follow_the_graphs_order_where_it_differs_from_the_attributes(tmp_path):
    class Reversed(engine.Model):  # layers assigned in the other order than they run
        def __init__(self):
            super().__init__()
            self.second = layers.Dense(2)
            self.first = layers.Dense(3)

        def call(self, x):
            return self.second(self.first(x))

    model = Reversed()
    x, _ = batch()
    model.compile(engine.optimizers.Adam(0.01), "mse")
    model.fit(x, np.ones((6, 2), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m.wbm")
    loaded = engine.models.load_model(tmp_path / "m.wbm")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    slots = {v.name.split("/", 1)[1]: v.numpy() for v in model.optimizer.variables[2:]}
    for variable in loaded.optimizer.variables[2:]:
        np.testing.assert_array_equal(variable.numpy(), slots[variable.name.split("/", 1)[1]])


@pytest.mark.parametrize("framework", ["torch", "jax", "tensorflow", "keras", "engine"])
def test_code_export_predicts_like_the_model(framework, tmp_path):
    require(framework)
    model = Plain()
    x, _ = batch()
    model(x[:2])
    module = write_module(model.to_code(framework), tmp_path, f"plain_{framework}")
    outputs = predict(framework, module, model.export_weights(framework), x)
    np.testing.assert_allclose(outputs[0], model.predict(x), rtol=1e-5, atol=1e-6)


def test_onnx_export_predicts_like_the_model(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model = Plain()
    x, _ = batch()
    model(x[:2])
    session = ort.InferenceSession(model.export_onnx(tmp_path / "m.onnx"),
                                   providers=["CPUExecutionProvider"])
    ours = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(ours, model.predict(x), rtol=1e-5, atol=1e-6)


def test_exports_refuse_what_they_refuse_in_a_functional_model():
    model, functional = residual_pair()
    for m in (model, functional):
        with pytest.raises(ExportError, match=r"ops\.add applied to symbolic tensors"):
            m.to_code("torch")


def test_an_unbuilt_model_says_how_to_build_it():
    with pytest.raises(UntraceableCallError, match=r"model.build\(input_shape\)"):
        Residual().to_spec()


class _BranchesOnValues(engine.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)

    def call(self, x):
        return self.dense(x) if ops.mean(x) > 0 else x


class _BranchesOnTraining(engine.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(4)

    def call(self, x, training=None):
        return self.dense(x) + 1.0 if training else self.dense(x)


class _OwnWeight(engine.Model):
    def __init__(self):
        super().__init__()
        self.w = self.add_weight(shape=(4, 2), name="w")

    def call(self, x):
        return ops.matmul(x, self.w)


@pytest.mark.parametrize("cls, message", [
    (_BranchesOnValues, "no Python `if` or loop on tensor values"),
    (_BranchesOnTraining, r"Python `if training:`"),
    (_OwnWeight, "put them in a layer"),
])
def test_a_call_with_no_one_graph_is_refused_saying_what_to_do(cls, message, tmp_path):
    model = cls()
    x, _ = batch()
    model(x[:2])
    with pytest.raises(UntraceableCallError, match=message) as error:
        model.save(tmp_path / "m.wbm")
    assert ".keras" in str(error.value) or "training=training" in str(error.value)
    assert not (tmp_path / "m.wbm").exists()


class _TwoInTwoOut(engine.Model):
    def __init__(self):
        super().__init__()
        self.left, self.right, self.head = layers.Dense(3), layers.Dense(2), layers.Dense(1)

    def call(self, inputs):
        p, q = inputs
        h = ops.concatenate([self.left(p), self.right(q)], axis=-1)
        return self.head(h), h


@pytest.mark.parametrize("name", FIT_BACKENDS)
def test_a_list_of_inputs_and_a_tuple_of_outputs_trace_save_and_inspect(name, tmp_path):
    engine.set_backend(name)
    x = [batch()[0], batch()[0][:, :2]]
    model = _TwoInTwoOut()
    model(x)
    graph = functional_view(model)
    assert len(graph.inputs) == 2 and len(graph.outputs) == 2
    model.compile("sgd", ["mse", "mse"])
    model.save(tmp_path / "m.wbm")
    loaded = engine.models.load_model(tmp_path / "m.wbm")
    for ours, theirs in zip(loaded.predict(x), model.predict(x), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    y = (np.zeros((6, 1), "float32"), np.zeros((6, 5), "float32"))
    record = engine.inspection.inspect(model, x, y)
    assert record["loss"] == pytest.approx(engine.inspection.inspect(loaded, x, y)["loss"])
    assert list(record["layers"]) == [
        "input_layer", "input_layer_1", "dense", "dense_1", "concatenate", "dense_2"]


class _EmbeddingModel(engine.Model):
    def __init__(self):
        super().__init__()
        self.embedding = layers.Embedding(10, 4)
        self.pool = layers.GlobalAveragePooling1D()
        self.dense = layers.Dense(2)

    def call(self, ids):
        return self.dense(self.pool(self.embedding(ids)))


def test_a_model_built_on_integer_ids_traces_and_exports_int32_inputs(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    ids = np.arange(18, dtype="int64").reshape(6, 3) % 10
    called, model = _EmbeddingModel(), _EmbeddingModel()
    called(ids[:2])  # built by a call, or below by predict's first batch
    expected = model.predict(ids)
    for built in (called, model):
        assert [t.dtype for t in functional_view(built).inputs] == ["int32"]
    session = ort.InferenceSession(model.export_onnx(tmp_path / "m.onnx"),
                                   providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].type == "tensor(int32)"
    ours = session.run(None, {session.get_inputs()[0].name: ids.astype("int32")})[0]
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)
