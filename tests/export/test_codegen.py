"""to_code + export_weights: generated code in every framework predicts what the model does."""

from __future__ import annotations

import numpy as np
import pytest

from engine.export.codegen import to_code
from engine.export.errors import ExportError
from engine.export.weights import export_weights
from engine.layers import LAYERS
from tests.export.catalogue import (
    KERAS_MODELS,
    MODELS,
    NOT_IN_KERAS_MODELS,
    UNSUPPORTED,
    build,
    layer_classes,
)
from tests.export.runners import predict, require, write_module

CASES = [(name, framework) for framework in ("torch", "jax", "tensorflow", "engine")
         for name in MODELS] + [(name, "keras") for name in KERAS_MODELS]


@pytest.mark.parametrize("name, framework", CASES)
def test_generated_code_predicts_like_the_model(name, framework, tmp_path):
    require(framework)
    model, inputs = build(name)
    if (framework, name) in UNSUPPORTED:
        with pytest.raises(ExportError, match=UNSUPPORTED[framework, name]):
            to_code(model, framework)
        return
    module = write_module(to_code(model, framework), tmp_path, f"{name}_{framework}")
    outputs = predict(framework, module, export_weights(model, framework), inputs)
    expected = model.predict(inputs)
    for ours, theirs in zip(outputs, expected if isinstance(expected, list) else [expected]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("models, left_out", [(MODELS, {}), (KERAS_MODELS, NOT_IN_KERAS_MODELS)])
def test_the_catalogue_covers_every_layer(models, left_out):
    assert set().union(*(layer_classes(name) for name in models)) == set(LAYERS) - set(left_out)


def test_an_unknown_framework_is_refused_with_the_choices():
    model, _ = build("dense")
    with pytest.raises(ExportError, match="'mxnet'.*torch, jax, tensorflow, keras, engine"):
        to_code(model, "mxnet")


def test_names_that_are_not_identifiers_become_identifiers(tmp_path):
    import engine
    from engine import layers as L

    i = L.Input((3,), name="in-put")
    x = L.Dense(2, name="class")(i)
    model = engine.Model(i, L.Dense(2, name="Dense 2")(x), name="my model")
    source = to_code(model, "engine")
    assert "in_put = layers.Input" in source and 'name="Dense 2"' in source
    module = write_module(source, tmp_path, "odd_names")
    rebuilt = module.build_model()
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]
