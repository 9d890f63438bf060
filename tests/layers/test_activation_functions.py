"""Every Keras activation: sparsemax by name in `Activation` (the others' harness rows are in
tests/layers/cases/activation_functions.py), and the functions with their keyword arguments
against Keras's."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import activations, layers
from tests.layers.harness import run_layer_test


def sparsemax_by_sorting(x, axis=-1):
    """Martins and Astudillo's sparsemax, by sorting: the reference for the engine's."""
    z = np.moveaxis(x, axis, -1)
    ordered = -np.sort(-z, axis=-1)
    ranks = np.arange(1, z.shape[-1] + 1)
    sums = np.cumsum(ordered, axis=-1)
    size = np.sum(1 + ranks * ordered > sums, axis=-1, keepdims=True)
    tau = (np.take_along_axis(sums, size - 1, axis=-1) - 1) / size
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


def test_sparsemax_by_name_is_the_projection_onto_the_simplex():
    """Keras 3.15's sparsemax returns zeros (it is no projection onto the simplex); the
    engine's is checked against the definition instead. The other activations' harness rows
    are in tests/layers/cases/activation_functions.py."""
    result = run_layer_test(layers.Activation, {"activation": "sparsemax"}, (2, 6),
                            expected_weights=[], keras=False)
    (output,) = result.outputs["numpy"]
    np.testing.assert_allclose(output, sparsemax_by_sorting(result.inputs[0]), atol=1e-6)
    np.testing.assert_allclose(output.sum(-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("name, kwargs", [
    ("relu", {"max_value": 1.5}),
    ("relu", {"negative_slope": 0.1, "threshold": 0.3}),
    ("relu", {"negative_slope": 0.2, "max_value": 2.0, "threshold": -0.5}),
    ("leaky_relu", {"negative_slope": 0.05}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("glu", {"axis": 0}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {"axis": 0}),
    ("hard_shrink", {"threshold": 1.0}),
    ("soft_shrink", {"threshold": 0.2}),
    ("squareplus", {"b": 1.0}),
    ("threshold", {"threshold": 0.1, "default_value": -2.0}),
    ("gelu", {"approximate": True}),
])
def test_keyword_arguments_compute_as_keras(name, kwargs):
    import keras

    x = np.random.default_rng(3).normal(size=(4, 6)).astype("float32") * 2
    expected = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x, **kwargs))
    for backend in engine.backend.available_backends():
        with engine.backend.using(backend):
            ours = getattr(activations, name)(engine.ops.convert(x), **kwargs)
            np.testing.assert_allclose(engine.ops.to_numpy(ours), expected, rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} on {backend}")


def test_sparsemax_along_another_axis_projects_each_column():
    x = np.random.default_rng(4).normal(size=(5, 3)).astype("float32")
    ours = engine.ops.to_numpy(activations.sparsemax(x, axis=0))
    np.testing.assert_allclose(ours, sparsemax_by_sorting(x, axis=0), atol=1e-6)


def test_glu_halves_the_last_axis_and_refuses_an_odd_one():
    assert layers.Activation("glu")(layers.Input((6,))).shape == (None, 3)
    with pytest.raises(engine.LayerShapeError, match="needs an even size"):
        layers.Activation("glu")(layers.Input((5,)))


def test_every_activation_has_a_translation_for_every_export_target():
    from engine.export import activation_code

    for table in (activation_code.TORCH, activation_code.JAX, activation_code.TENSORFLOW):
        assert set(table) == set(activations.NAMES)
    onnx_names = {"linear", *activation_code._ONNX_OPS, *activation_code._ONNX_CLIPS,
                  *activation_code._ONNX_COMPOSED}
    assert onnx_names == set(activations.NAMES)
