"""Inspection of a subclassed model: every layer's activations and gradients are captured
(its call traced into a graph, engine/models/tracing.py) as for the same model written
functionally with the same weights, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.inspection import InspectionCallback, inspect
from tests.models.subclassed_cases import FIT_BACKENDS, Residual, batch, residual_pair

KINDS = ["InputLayer", "Dense", "Block", "Dense", "Scale", "Operation", "BatchNormalization",
         "Dropout", "Dense"]


def compiled_pair():
    model, functional = residual_pair()
    for m in (model, functional):
        m.compile(engine.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    return model, functional


def assert_same_arrays(ours: dict, theirs: dict):
    assert len(ours) == len(theirs)
    for (name, got), expected in zip(ours.items(), theirs.values()):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6, err_msg=name)


def test_inspect_captures_each_layer_as_for_the_functional_model(backend_name):
    model, functional = compiled_pair()
    x, y = batch()
    before = model.get_weights()
    ours, theirs = (inspect(m, x, y, tensors=True) for m in (model, functional))
    graph = ours["graph"]
    assert [t["layer_class"] for t in graph["inputs"] + graph["outputs"]] == KINDS
    assert ours["loss"] == pytest.approx(theirs["loss"], rel=1e-5)
    for kind in ("activations", "gradients", "weight_gradients"):
        assert_same_arrays(ours["tensors"][kind], theirs["tensors"][kind])
    block = graph["outputs"][1]
    assert list(block["weights"]) == [w.name for w in model.blocks[0].trainable_weights]
    assert list(graph["non_trainable_weights"]) == [
        w.name for w in model.norm.non_trainable_weights]
    for old, new in zip(before, model.get_weights(), strict=True):  # nothing trained
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("name", FIT_BACKENDS)
def test_the_callback_captures_while_fit_trains_as_for_the_functional_model(name):
    engine.set_backend(name)
    model, functional = compiled_pair()
    x, y = batch()
    inspectors = [InspectionCallback(every=1, verbose=0) for _ in range(2)]
    for m, inspector in zip((model, functional), inspectors):
        m.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0, callbacks=[inspector])
    ours, theirs = (inspector.store.records() for inspector in inspectors)
    assert len(ours) == len(theirs) == 4
    for mine, reference in zip(ours, theirs):
        assert mine["loss"] == pytest.approx(reference["loss"], rel=1e-4)
        for name, other in zip(mine["layers"], reference["layers"], strict=True):
            got = mine["layers"][name].get("gradient") or mine["layers"][name]["activation"]
            expected = (reference["layers"][other].get("gradient")
                        or reference["layers"][other]["activation"])
            assert got["l2"] == pytest.approx(expected["l2"], rel=1e-3, abs=1e-6), name
    for a, b in zip(model.get_weights(), functional.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_a_model_not_built_yet_is_built_on_the_batch_as_fit_builds_it():
    x, y = batch()
    model = Residual()
    model.compile(engine.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    assert inspect(model, x, y)["graph"]["outputs"][1]["layer_class"] == "Block"
    model = Residual()
    model.compile(engine.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    inspector = InspectionCallback(every=1, verbose=0)
    model.fit(x, y, epochs=1, batch_size=3, verbose=0, callbacks=[inspector])
    assert [r["step"] for r in inspector.store.records()] == [1, 2]
    assert len(inspector.layer_history(model.scale.name)) == 2
