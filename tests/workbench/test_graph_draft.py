"""The draft graph: edits, live shape inference with errors on the right node, undo/redo,
layout, and round trips with engine models."""

import numpy as np
import pytest

import engine
from engine import layers
from workbench import layout
from workbench.errors import DraftError
from workbench.graph_draft import GraphDraft
from workbench.protocol import Ref


def chain(*specs, shape=(4,)):
    """A draft Input -> each (class, config) in turn; returns (draft, ids)."""
    draft = GraphDraft()
    ids = [draft.add_layer("InputLayer", {"shape": list(shape)})]
    for class_name, config in specs:
        ids.append(draft.add_layer(class_name, config))
        draft.connect(Ref(ids[-2], 0), ids[-1], 0)
    return draft, ids


def nodes(draft):
    return {n["id"]: n for n in draft.state()["nodes"]}


def test_a_chain_is_inferred_with_shapes_and_parameter_counts():
    draft, ids = chain(("Dense", {"units": 8, "activation": "relu"}), ("Dense", {"units": 3}))
    state = draft.state()
    assert [n["output_shapes"] for n in state["nodes"]] == [[[None, 4]], [[None, 8]], [[None, 3]]]
    assert [n["params"] for n in state["nodes"]] == [0, 40, 27]
    assert state["valid"] and state["total_params"] == 67
    assert state["outputs"] == [{"node": "dense_1", "output": 0}] and state["outputs_auto"]
    assert state["edges"][0] == {
        "source": {"node": "input_layer", "output": 0},
        "target": {"node": "dense", "arg": 0},
    }


def test_new_nodes_get_keras_defaults_and_updates_keep_them():
    draft, (_, dense) = chain(("Dense", {"units": 8}))
    config = nodes(draft)[dense]["config"]
    assert config == {
        "units": 8,
        "activation": "linear",
        "use_bias": True,
        "kernel_initializer": "glorot_uniform",
        "bias_initializer": "zeros",
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
        "trainable": True,
    }
    draft.update_config(dense, {"use_bias": False})
    assert nodes(draft)[dense]["config"] == {**config, "use_bias": False}
    assert nodes(draft)[dense]["params"] == 32
    conv = GraphDraft().add_layer("Conv2D")  # required arguments get suggested values
    assert GraphDraft().add_layer("MaxPooling2D") == "max_pooling2d" and conv == "conv2d"


def test_branches_merge_and_multiple_inputs_and_outputs():
    draft = GraphDraft()
    image = draft.add_layer("InputLayer", {"shape": [8, 8, 1], "name": "image"})
    extra = draft.add_layer("InputLayer", {"shape": [3], "name": "extra"})
    conv = draft.add_layer("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"})
    flat = draft.add_layer("Flatten")
    left = draft.add_layer("Dense", {"units": 5})
    right = draft.add_layer("Dense", {"units": 5})
    join = draft.add_layer("Concatenate")
    add = draft.add_layer("Add")
    head = draft.add_layer("Dense", {"units": 2, "name": "head"})
    for source, target in [
        (image, conv),
        (conv, flat),
        (flat, left),
        (extra, right),
        (left, join),
        (right, join),
        (left, add),
        (right, add),
        (join, head),
    ]:
        draft.connect(Ref(source, 0), target, 0)
    state = draft.state()
    shapes = {n["id"]: n["output_shapes"][0] for n in state["nodes"]}
    assert shapes[join] == [None, 10] and shapes[add] == [None, 5] and shapes[head] == [None, 2]
    assert state["inputs"] == ["image", "extra"]
    assert state["outputs"] == [{"node": add, "output": 0}, {"node": "head", "output": 0}]
    model = draft.to_model()
    assert [t.shape for t in model.outputs] == [(None, 5), (None, 2)]
    outputs = model.predict([np.zeros((2, 8, 8, 1)), np.zeros((2, 3))])
    assert [o.shape for o in outputs] == [(2, 5), (2, 2)]


def test_a_layer_with_an_unconnected_input_is_never_an_automatic_output():
    draft, (_, dense) = chain(("Dense", {"units": 3}))
    dropped = draft.add_layer("Dense", {"units": 2})  # dropped on the canvas, not wired yet
    attention = draft.add_layer("MultiHeadAttention")
    draft.connect(Ref(dense, 0), attention, 0)  # a query, no value yet
    state = draft.state()
    assert state["outputs"] == [] and state["outputs_auto"] and not state["valid"]
    assert state["errors"] == [
        f"No layer ends the model yet: connect the inputs of {dropped}, {attention} (a layer "
        "with an unconnected input is not an output)."
    ]
    draft.delete([attention])
    assert draft.state()["outputs"] == [{"node": dense, "output": 0}] and draft.valid
    draft.connect(Ref(dense, 0), dropped, 0)  # wired: an end of the graph, so an output
    assert draft.state()["outputs"] == [{"node": dropped, "output": 0}]
    draft.set_outputs([Ref(dense, 0), Ref(dropped, 0)])  # chosen outputs stay as chosen
    assert len(draft.state()["outputs"]) == 2 and not draft.state()["outputs_auto"]


def test_an_add_with_one_tensor_is_not_an_automatic_output_until_it_has_two():
    draft, (inputs, dense) = chain(("Dense", {"units": 4}))
    add = draft.add_layer("Add")
    draft.connect(Ref(dense, 0), add, 0)
    assert draft.state()["outputs"] == []
    assert nodes(draft)[add]["error"] == "Connect at least two tensors to `inputs`."
    draft.connect(Ref(inputs, 0), add, 0)
    assert draft.state()["outputs"] == [{"node": add, "output": 0}] and draft.valid


def test_a_planted_shape_error_is_on_its_node_and_the_rest_is_still_inferred():
    draft = GraphDraft()
    i = draft.add_layer("InputLayer", {"shape": [4]})
    a = draft.add_layer("Dense", {"units": 8})
    b = draft.add_layer("Dense", {"units": 5})
    add = draft.add_layer("Add")
    after = draft.add_layer("Dense", {"units": 1})
    side = draft.add_layer("Dense", {"units": 2, "name": "side"})
    for source, target in [(i, a), (i, b), (a, add), (b, add), (add, after), (a, side)]:
        draft.connect(Ref(source, 0), target, 0)
    by_id = nodes(draft)
    assert by_id[add]["status"] == "error"
    assert "same shape" in by_id[add]["error"] and "(None, 8), (None, 5)" in by_id[add]["error"]
    assert by_id[after]["status"] == "waiting" and add in by_id[after]["error"]
    assert by_id["side"]["status"] == "ok" and by_id["side"]["output_shapes"] == [[None, 2]]
    assert by_id[a]["params"] == 40
    assert not draft.state()["valid"] and draft.state()["total_params"] is None
    with pytest.raises(DraftError, match="not a valid model yet"):
        draft.to_model()
    draft.update_config(b, {"units": 8})  # fixing the config fixes the graph
    assert draft.state()["valid"]


def test_a_config_the_layer_rejects_is_kept_and_shown_on_the_node():
    draft, (_, dense) = chain(("Dense", {"units": 8}))
    draft.update_config(dense, {"units": -3, "activation": "nonsense"})
    node = nodes(draft)[dense]
    assert node["status"] == "error" and "units" in node["error"] and node["config"]["units"] == -3
    draft.update_config(dense, {"units": 3, "activation": "relu"})
    assert nodes(draft)[dense]["status"] == "ok"
    draft.update_config(dense, {"kernel_initializer": {"any": ["json"]}})
    assert nodes(draft)[dense]["status"] == "error" and draft.state()["errors"] == []


def test_unknown_arguments_classes_and_nodes_are_refused_without_change():
    draft, (_, dense) = chain(("Dense", {"units": 8}))
    before = draft.state()
    for edit, text in [
        (lambda: draft.update_config(dense, {"unitz": 3}), "no argument 'unitz'"),
        (lambda: draft.add_layer("os.system"), "not an engine layer"),
        (lambda: draft.connect(Ref("ghost", 0), dense, 0), "no node 'ghost'"),
        (lambda: draft.connect(Ref(dense, 1), dense, 0), "output 1 does not exist"),
        (lambda: draft.connect(Ref(dense, 0), "input_layer", 0), "takes no inputs"),
        (lambda: draft.connect(Ref("input_layer", 0), dense, 3), "no tensor argument 3"),
        (lambda: draft.update_config(dense, {"name": "input_layer"}), "already a layer"),
        (lambda: draft.update_config(dense, {"name": "a/b"}), "cannot contain"),
        (lambda: draft.delete(["ghost"]), "no node 'ghost'"),
    ]:
        with pytest.raises(DraftError, match=text):
            edit()
    assert draft.state() == before


def test_cycles_are_refused():
    draft, (_, a, b) = chain(("Dense", {"units": 4}), ("Dense", {"units": 4}))
    with pytest.raises(DraftError, match="cycle"):
        draft.connect(Ref(b, 0), a, 0)
    with pytest.raises(DraftError, match="cycle"):
        draft.connect(Ref(a, 0), a, 0)


def test_connecting_replaces_a_single_input_and_appends_to_a_list():
    draft, (i, a, b) = chain(("Dense", {"units": 4}), ("Dense", {"units": 4}))
    draft.connect(Ref(i, 0), b, 0)
    assert nodes(draft)[b]["args"][0]["sources"] == [{"node": i, "output": 0}]
    add = draft.add_layer("Add")
    draft.connect(Ref(a, 0), add, 0)
    assert nodes(draft)[add]["status"] == "waiting"
    assert "at least two" in nodes(draft)[add]["error"]
    draft.connect(Ref(b, 0), add, 0)
    assert nodes(draft)[add]["args"][0]["sources"] == [
        {"node": a, "output": 0},
        {"node": b, "output": 0},
    ]
    draft.disconnect(Ref(a, 0), add, 0)
    assert len(nodes(draft)[add]["args"][0]["sources"]) == 1
    with pytest.raises(DraftError, match="no edge"):
        draft.disconnect(Ref(a, 0), add, 0)


def test_attention_takes_separate_arguments_and_lstm_states_are_outputs():
    draft = GraphDraft()
    seq = draft.add_layer("InputLayer", {"shape": [5, 6]})
    mha = draft.add_layer("MultiHeadAttention", {"num_heads": 2, "key_dim": 3})
    draft.connect(Ref(seq, 0), mha, 0)
    assert nodes(draft)[mha]["status"] == "waiting" and "value" in nodes(draft)[mha]["error"]
    draft.connect(Ref(seq, 0), mha, 1)
    assert nodes(draft)[mha]["output_shapes"] == [[None, 5, 6]]
    lstm = draft.add_layer("LSTM", {"units": 4, "return_state": True})
    draft.connect(Ref(mha, 0), lstm, 0)
    assert nodes(draft)[lstm]["output_shapes"] == [[None, 4]] * 3
    dense = draft.add_layer("Dense", {"units": 1})
    draft.connect(Ref(lstm, 2), dense, 0)
    draft.set_outputs([Ref(dense, 0), Ref(lstm, 1)])
    model = draft.to_model()
    assert len(model.outputs) == 2
    assert "lstm[2]" in draft.to_code()


def test_delete_removes_edges_and_outputs():
    draft, (i, a, b) = chain(("Dense", {"units": 4}), ("Dense", {"units": 2}))
    draft.set_outputs([Ref(a, 0), Ref(b, 0)])
    draft.delete([a])
    state = draft.state()
    assert [n["id"] for n in state["nodes"]] == [i, b]
    assert state["edges"] == [] and state["outputs"] == [{"node": b, "output": 0}]
    assert nodes(draft)[b]["status"] == "waiting"


def test_undo_and_redo_walk_the_history():
    draft, (_, dense) = chain(("Dense", {"units": 8}))
    states = [draft.state()]
    draft.update_config(dense, {"units": 2})
    states.append(draft.state())
    draft.update_config(dense, {"name": "head"})
    states.append(draft.state())
    assert draft.history()["undo_label"] == "rename dense → head"
    draft.undo()
    assert draft.state() == states[1] and draft.history()["redo_label"] == "rename dense → head"
    draft.undo()
    assert draft.state() == states[0]
    draft.redo()
    draft.redo()
    assert draft.state() == states[2] and not draft.can_redo
    draft.undo()
    draft.move({dense: (5, 5)})  # a new edit clears what could be redone
    assert not draft.can_redo
    with pytest.raises(DraftError, match="nothing to redo"):
        draft.redo()
    for _ in range(10):
        if draft.can_undo:
            draft.undo()
    assert not draft.can_undo and draft.state()["nodes"] == []
    with pytest.raises(DraftError, match="nothing to undo"):
        draft.undo()


def test_an_edit_that_changes_nothing_is_not_an_undo_step():
    draft, (_, dense) = chain(("Dense", {"units": 8}))
    label = draft.history()["undo_label"]
    draft.update_config(dense, {"units": 8})
    assert draft.history()["undo_label"] == label


def test_rename_follows_through_edges_and_outputs():
    draft, (i, a, b) = chain(("Dense", {"units": 4}), ("Dense", {"units": 2}))
    draft.set_outputs([Ref(a, 0), Ref(b, 0)])
    assert draft.update_config(a, {"name": "hidden"}) == "hidden"
    state = draft.state()
    assert [n["id"] for n in state["nodes"]] == [i, "hidden", b]
    assert nodes(draft)[b]["args"][0]["sources"] == [{"node": "hidden", "output": 0}]
    assert state["outputs"][0] == {"node": "hidden", "output": 0}
    assert [layer.name for layer in draft.to_model().layers[1:]] == ["hidden", b]


def branching_model():
    a, b = layers.Input((8, 8, 1), name="image"), layers.Input((3,), name="extra")
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(a)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flat")(x)
    y = layers.Concatenate(name="join")(
        [layers.Dense(3, name="proj")(x), layers.Dense(5, name="side")(b)]
    )
    return engine.Model([a, b], [layers.Dense(2, name="out")(y), y], name="branching")


def test_from_model_and_to_model_round_trip():
    model = branching_model()
    draft = GraphDraft.from_model(model)
    assert draft.name == "branching" and draft.state()["valid"]
    assert draft.to_model().to_spec() == model.to_spec()
    assert draft.to_spec() == GraphDraft.from_spec(draft.to_spec()).to_spec()
    sequential = engine.Sequential([layers.Input((3,)), layers.Dense(2, activation="tanh")])
    rebuilt = GraphDraft.from_model(sequential).to_model()
    assert rebuilt.to_spec()["layers"] == sequential.to_spec()["layers"]


def test_generated_code_builds_the_same_model():
    draft = GraphDraft.from_model(branching_model())
    code = draft.to_code()
    assert "layers.Conv2D(4, 3, padding='same', activation='relu', name='conv')(image)" in code
    namespace = {}
    exec(code, namespace)  # noqa: S102 - our own generated code
    assert namespace["model"].to_spec() == draft.to_model().to_spec()


def test_shared_layers_cannot_be_opened():
    shared = layers.Dense(2, name="shared")
    a, b = layers.Input((2,)), layers.Input((2,))
    model = engine.Model([a, b], layers.Add()([shared(a), shared(b)]))
    with pytest.raises(DraftError, match="shared layer"):
        GraphDraft.from_model(model)


def test_a_model_with_op_nodes_is_refused_naming_the_op():
    x = layers.Input((3,))
    model = engine.Model(x, layers.Dense(2)(x * 2.0))
    with pytest.raises(DraftError, match=r"engine.ops.multiply to tensors directly.*a layer"):
        GraphDraft.from_model(model)


def test_load_spec_is_one_undo_step_and_refuses_foreign_specs():
    draft, _ = chain(("Dense", {"units": 8}))
    before = draft.state()
    draft.load_spec(branching_model().to_spec())
    assert len(draft.nodes) == 9
    draft.undo()
    assert draft.state() == before
    with pytest.raises(DraftError, match="not an engine layer"):
        spec = branching_model().to_spec()
        spec["layers"][2]["class"] = "os.system"
        draft.load_spec(spec)
    with pytest.raises(DraftError, match="Not a graph spec"):
        draft.load_spec({"layers": []})
    assert draft.state() == before


def test_auto_layout_is_a_valid_layering():
    draft = GraphDraft.from_model(branching_model())
    draft.move({"out": (999, -999)})
    draft.auto_layout()
    positions = {n["id"]: n["position"] for n in draft.state()["nodes"]}
    for edge in draft.state()["edges"]:
        assert positions[edge["source"]["node"]]["y"] < positions[edge["target"]["node"]]["y"]
    spots = {(p["x"], p["y"]) for p in positions.values()}
    assert len(spots) == len(positions)  # no two nodes on top of each other
    draft.auto_layout("right")
    positions = {n["id"]: n["position"] for n in draft.state()["nodes"]}
    for edge in draft.state()["edges"]:
        assert positions[edge["source"]["node"]]["x"] < positions[edge["target"]["node"]]["x"]


def test_ranks_put_every_edge_downward_and_order_rows_by_barycentre():
    edges = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("a", "d")]
    ranks = layout.ranks(["a", "b", "c", "d"], edges)
    assert ranks == {"a": 0, "b": 1, "c": 1, "d": 2}
    positions = layout.layout(["x", "y", "p", "q"], [("x", "q"), ("y", "p")])
    assert positions["p"][0] > positions["q"][0]  # children follow their parents' order


def test_inspecting_a_draft_leaves_the_seeded_weights_alone():
    engine.set_random_seed(7)
    expected = GraphDraft.from_model(branching_model()).to_model().get_weights()
    engine.set_random_seed(7)
    draft = GraphDraft.from_model(branching_model())
    draft.update_config("proj", {"units": 3})
    draft.state()
    for ours, theirs in zip(draft.to_model().get_weights(), expected):
        np.testing.assert_array_equal(ours, theirs)
