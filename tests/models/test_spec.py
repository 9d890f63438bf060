"""The graph spec: round trips, and refusal of malformed or hostile specs."""

import copy
import json
import sys

import numpy as np
import pytest

import engine
from engine import layers


def branching_model():
    a, b = layers.Input((8, 8, 1), name="image"), layers.Input((3,), name="extra")
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(a)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flat")(x)
    shared = layers.Dense(5, name="shared")
    y = layers.Concatenate(name="join")([shared(layers.Dense(3, name="proj")(x)), shared(b)])
    return engine.Model([a, b], [layers.Dense(2, name="out")(y), y], name="branching")


def test_round_trip_keeps_the_graph():
    model = branching_model()
    spec = json.loads(json.dumps(model.to_spec()))
    rebuilt = engine.model_from_spec(spec)
    assert json.loads(json.dumps(rebuilt.to_spec())) == spec
    assert [n["id"] for n in spec["nodes"]].count("shared#1") == 1
    rebuilt.set_weights(model.get_weights())
    x = [np.random.default_rng(0).normal(size=(2, 8, 8, 1)), np.ones((2, 3))]
    for ours, theirs in zip(model.predict(x), rebuilt.predict(x)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_sequential_round_trip():
    model = engine.Sequential([layers.Input((3,)), layers.Dense(2, activation="tanh")])
    rebuilt = engine.model_from_spec(json.dumps(model.to_spec()))
    assert isinstance(rebuilt, engine.Sequential)
    assert rebuilt.to_spec() == model.to_spec()


def good_spec():
    return branching_model().to_spec()


def edit(mutate):
    spec = good_spec()
    mutate(spec)
    return spec


HOSTILE = {
    "code name as class": (
        lambda s: s["layers"][2].update({"class": "os.system"}),
        "not an engine layer",
    ),
    "dunder class": (
        lambda s: s["layers"][2].update({"class": "__import__"}),
        "not an engine layer",
    ),
    "builtin class": (lambda s: s["layers"][2].update({"class": "eval"}), "not an engine layer"),
    "bad config value": (
        lambda s: s["layers"][2]["config"].update({"filters": "rm -rf"}),
        "bad config",
    ),
    "unknown config key": (
        lambda s: s["layers"][2]["config"].update({"__class__": "x"}),
        "bad config",
    ),
    "newer version": (lambda s: s.update({"version": 99}), "upgrade"),
    "wrong format": (lambda s: s.update({"format": "pickle"}), "Not a graph spec"),
    "missing layers": (lambda s: s.pop("layers"), "'layers'"),
    "forward reference": (lambda s: s["nodes"].reverse(), "not defined before"),
    "dangling output": (lambda s: s["outputs"].append({"node": "ghost", "output": 0}), "ghost"),
    "output index": (lambda s: s["outputs"][0].update({"output": 5}), "output 5"),
    "duplicate layer": (lambda s: s["layers"].append(copy.deepcopy(s["layers"][2])), "unique"),
    "unknown layer in node": (lambda s: s["nodes"][2].update({"layer": "nope"}), "nope"),
    "shapes that do not fit": (
        lambda s: join_node(s).update(
            {"args": [[{"node": "image", "output": 0}, {"node": "extra", "output": 0}]]}
        ),
        "cannot be connected",
    ),
}


def join_node(spec):
    return next(node for node in spec["nodes"] if node["id"] == "join")


@pytest.mark.parametrize("case", list(HOSTILE))
def test_malformed_specs_are_refused_clearly(case):
    mutate, message = HOSTILE[case]
    spec = edit(mutate)
    modules_before = set(sys.modules)
    with pytest.raises(engine.SpecError, match=message):
        engine.model_from_spec(spec)
    assert set(sys.modules) - modules_before == set()


def test_non_json_text_is_refused():
    with pytest.raises(engine.SpecError, match="not valid JSON"):
        engine.model_from_spec("{not json")


def test_a_frozen_model_stays_frozen():
    model = branching_model()
    model.trainable = False
    rebuilt = engine.model_from_spec(json.dumps(model.to_spec()))
    assert not rebuilt.trainable and rebuilt.trainable_weights == []
    spec = model.to_spec()
    spec["trainable"] = "yes"
    with pytest.raises(engine.SpecError, match="'trainable'"):
        engine.model_from_spec(spec)
