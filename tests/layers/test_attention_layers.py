"""Attention, AdditiveAttention and GroupQueryAttention, and ops.dot_product_attention:
dropout, Keras's masks, Keras files, errors, and the op against keras.ops (the harness rows
are in tests/layers/cases/attention.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine import LayerConfigError, LayerShapeError, layers, ops
from engine.backend import get_backend, using
from tests.layers.harness import run_layer_test

QUERY_VALUE_KEY = [(2, 3, 4), (2, 5, 4), (2, 5, 4)]
QUERY_MASK = np.array([[True, True, False], [True, False, True]])
VALUE_MASK = np.array([[True, True, True, False, False], [True, False, True, True, True]])


# ------------------------------------------------------------------ Attention, Additive
@pytest.mark.slow
def test_attention_dropout_in_training():
    run_layer_test(layers.Attention, {"dropout": 0.5, "seed": 3}, input_shapes=QUERY_VALUE_KEY,
                   call_with_list=True, training=True, random=True)
    layer = layers.Attention(dropout=0.5, seed=3)
    inputs = [np.ones((1, 3, 4), "float32"), np.ones((1, 5, 4), "float32")]
    assert not np.allclose(layer(inputs, training=True), layer(inputs))


@pytest.mark.parametrize("layer_cls, config", [
    (layers.Attention, {"score_mode": "concat", "use_scale": True}),
    (layers.AdditiveAttention, {}),
])
@pytest.mark.parametrize("causal", [pytest.param(False, marks=pytest.mark.slow), True])
def test_attention_masks_as_keras(layer_cls, config, causal, backend_name):
    import keras

    rng = np.random.default_rng(1)
    query, value = (rng.normal(size=s).astype("float32") for s in QUERY_VALUE_KEY[:2])
    ours, theirs = layer_cls(**config), getattr(keras.layers, layer_cls.__name__)(**config)
    theirs([query, value])
    with using(backend_name):
        ours([query, value])
        theirs.set_weights(ours.get_weights())
        out, scores = ours([query, value], mask=[QUERY_MASK, VALUE_MASK],
                           use_causal_mask=causal, return_attention_scores=True)
        backend = get_backend(backend_name)
        mask = backend.to_numpy(out._keras_mask)
        out, scores = backend.to_numpy(out), backend.to_numpy(scores)
    expected = theirs([query, value], mask=[QUERY_MASK, VALUE_MASK], use_causal_mask=causal,
                      return_attention_scores=True)
    np.testing.assert_allclose(out, expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scores, expected[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mask, QUERY_MASK)


def test_attention_takes_the_mask_of_its_inputs_in_a_model():
    ids = layers.Input((5,), dtype="int32")
    embedded = layers.Embedding(10, 4, mask_zero=True)(ids)
    attended = layers.Attention()([embedded, embedded])
    pooled = layers.GlobalAveragePooling1D()(attended)
    from engine.models import Model

    model = Model(ids, pooled)
    batch = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], "int32")
    weights = model.predict(batch)
    import keras

    k_ids = keras.Input((5,), dtype="int32")
    k_embedded = keras.layers.Embedding(10, 4, mask_zero=True)
    k_out = keras.layers.GlobalAveragePooling1D()(
        keras.layers.Attention()([k_embedded(k_ids), k_embedded(k_ids)]))
    reference = keras.Model(k_ids, k_out)
    k_embedded.set_weights(model.layers[1].get_weights())
    np.testing.assert_allclose(weights, reference.predict(batch, verbose=0), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("config, message", [
    ({"score_mode": "add"}, "`score_mode` must be one of 'dot', 'concat', got 'add'"),
    ({"dropout": 1.0}, "`dropout` must be in [0, 1), got 1.0"),
    ({"use_scale": "yes"}, "`use_scale` must be"),
])
def test_attention_config_errors(config, message):
    with pytest.raises(LayerConfigError, match=re.escape(message)):
        layers.Attention(**config)


@pytest.mark.parametrize("shapes, message", [
    ([(2, 3, 4)], r"takes one list \[query, value\].*got a list of 1"),
    ([(2, 3, 4), (2, 5, 4), (2, 6, 4)], r"a value with the key's steps"),
    ([(2, 3, 4), (2, 5, 3)], r"a key with the query's features"),
    ([(2, 3, 4), (2, 5, 4, 1)], r"as \(batch, steps, features\)"),
])
def test_attention_shape_errors(shapes, message):
    layer = layers.AdditiveAttention()
    with pytest.raises(LayerShapeError, match=message):
        layer([np.zeros(s, "float32") for s in shapes])
    assert not layer.built and not layer.weights


def test_additive_attention_built_rejects_another_feature_size():
    layer = layers.AdditiveAttention()
    layer([np.zeros((2, 3, 4), "float32"), np.zeros((2, 5, 4), "float32")])
    with pytest.raises(LayerShapeError, match=r"built for a query with last axis 4"):
        layer([np.zeros((2, 3, 6), "float32"), np.zeros((2, 5, 6), "float32")])


# -------------------------------------------------------------------- GroupQueryAttention
@pytest.mark.parametrize("call_kwargs", [
    {"use_causal_mask": True},
    {"value_mask": VALUE_MASK, "query_mask": QUERY_MASK},
    {"value_mask": VALUE_MASK, "return_attention_scores": True},
], ids=["causal", "masks", "scores"])
def test_group_query_attention_masks_as_keras(call_kwargs, backend_name):
    import keras

    config = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}
    rng = np.random.default_rng(2)
    query, value = (rng.normal(size=s).astype("float32") for s in QUERY_VALUE_KEY[:2])
    theirs = keras.layers.GroupQueryAttention(**config)
    theirs(query, value)
    ours = layers.GroupQueryAttention(**config)
    with using(backend_name):
        ours(query, value)
        theirs.set_weights(ours.get_weights())
        got = ours(query, value, **call_kwargs)
        got = [get_backend(backend_name).to_numpy(x)
               for x in (got if isinstance(got, tuple) else [got])]
    expected = theirs(query, value, **call_kwargs)
    for ours_out, theirs_out in zip(got, expected if isinstance(expected, tuple) else [expected]):
        np.testing.assert_allclose(ours_out, theirs_out, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("config, message", [
    ({"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 2},
     "`num_query_heads` (3) must be a multiple of `num_key_value_heads` (2)"),
    ({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "flash_attention": True,
      "dropout": 0.1}, "`dropout` must be 0 with flash_attention=True"),
    ({"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "sliding_window": 0},
     "`sliding_window` must be a positive integer, got 0"),
])
def test_group_query_attention_config_errors(config, message):
    with pytest.raises(LayerConfigError, match=re.escape(message)):
        layers.GroupQueryAttention(**config)


def test_group_query_attention_shape_errors():
    layer = layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    with pytest.raises(LayerShapeError, match=r"a value with the query's features"):
        layer(np.zeros((2, 3, 4), "float32"), np.zeros((2, 5, 6), "float32"))
    assert not layer.built and not layer.weights


# ---------------------------------------------------------------- ops.dot_product_attention
def _op_arguments():
    rng = np.random.default_rng(3)
    query, key, value = (rng.normal(size=s).astype("float32")
                         for s in [(2, 3, 4, 2), (2, 5, 2, 2), (2, 5, 2, 2)])
    bias = rng.normal(size=(2, 1, 3, 5)).astype("float32")
    mask = np.tri(3, 5, dtype=bool)[None, None] | (rng.normal(size=(2, 1, 1, 5)) > 0)
    return query, key, value, bias, mask


@pytest.mark.parametrize("kwargs", [
    {"flash_attention": False}, {"is_causal": True},
    {"bias": True, "mask": True, "is_causal": True, "scale": 2.0},
], ids=["plain", "causal", "bias-mask-causal-scale"])
def test_dot_product_attention_as_keras(kwargs, backend_name):
    """Grouped-query heads (4 query heads, 2 key heads) against keras.ops."""
    import keras

    query, key, value, bias, mask = _op_arguments()
    kwargs = {**kwargs, **{name: array for name, array in (("bias", bias), ("mask", mask))
                           if kwargs.get(name)}}
    repeated = [np.repeat(x, 2, axis=2) for x in (key, value)]  # Keras's NumPy has no groups
    expected = keras.ops.dot_product_attention(query, *repeated, **kwargs)
    with using(backend_name):
        got = get_backend(backend_name).to_numpy(
            ops.nn.dot_product_attention(query, key, value, **kwargs))
    np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"flash_attention": True}, "flash_attention=True is not supported"),
    ({"attn_logits_soft_cap": 20.0}, "attn_logits_soft_cap is only supported"),
])
def test_dot_product_attention_refuses_what_keras_only_has_on_accelerators(kwargs, message):
    query, key, value, _, _ = _op_arguments()
    with pytest.raises(ValueError, match=message):
        ops.dot_product_attention(query, key, value, **kwargs)


def test_dot_product_attention_needs_4d_arrays_and_dividing_heads():
    query, key, value, _, _ = _op_arguments()
    with pytest.raises(ValueError, match="4-d arrays"):
        ops.dot_product_attention(query[0], key[0], value[0])
    with pytest.raises(ValueError, match="key heads that divide"):
        ops.dot_product_attention(query[:, :, :3], key, value)


@pytest.mark.parametrize("use_gate", [pytest.param(False, marks=pytest.mark.slow), True])
def test_group_query_attention_loads_a_keras_file(use_gate, tmp_path):
    """Keras's weights file keeps the projections under its own class's name and attributes."""
    import keras

    import engine

    layer = keras.layers.GroupQueryAttention(2, 4, 2, use_gate=use_gate)
    inputs = keras.Input((3, 4))
    model = keras.Model(inputs, layer(inputs, inputs))
    model.save(tmp_path / "gqa.keras")
    x = np.random.default_rng(4).normal(size=(2, 3, 4)).astype("float32")
    loaded = engine.load_model(str(tmp_path / "gqa.keras"))
    np.testing.assert_allclose(loaded.predict(x), model.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("framework", ["torch", "jax", "onnx"])
def test_group_query_attention_with_a_gate_does_not_export(framework, tmp_path):
    from engine import Model
    from engine.export.errors import ExportError

    query = layers.Input((3, 4))
    attention = layers.GroupQueryAttention(2, 2, 1, use_gate=True)
    model = Model(query, attention(query, query))
    with pytest.raises(ExportError, match="with use_gate or sliding_window is not translated"):
        if framework == "onnx":
            model.export_onnx(str(tmp_path / "gqa.onnx"))
        else:
            model.to_code(framework)


def test_group_query_attention_penalises_each_projection_s_activity_as_keras():
    """Keras's projections are EinsumDense layers that each take the activity regularizer."""
    import keras

    config = {"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1, "use_gate": True,
              "activity_regularizer": "l2"}
    query = np.random.default_rng(5).normal(size=(2, 3, 4)).astype("float32")
    ours, theirs = layers.GroupQueryAttention(**config), keras.layers.GroupQueryAttention(**config)
    ours(query, query)
    theirs(query, query)
    theirs.set_weights(ours.get_weights())
    theirs(query, query)
    np.testing.assert_allclose(sorted(float(np.asarray(x)) for x in ours.losses),
                               sorted(float(x) for x in theirs.losses), rtol=1e-5)
