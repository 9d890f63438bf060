"""The export API: the Model mixin, lazy imports, and errors that say what to do."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

import engine
from engine.export import ExportError
from engine.export.codegen import jax_code, tensorflow_code, torch_code
from engine.export.program import RESERVED
from tests.export.catalogue import build


def test_the_model_methods_reach_every_exporter(tmp_path):
    model, inputs = build("dense")
    mixed = engine.Model(model.inputs[0], model.outputs[0], name="mixed")
    assert "def build_model():" in mixed.to_code("engine")
    assert [w.shape for w in mixed.export_weights("engine")] == [w.shape for w in model.weights]
    assert set(mixed.export_weights("jax")) == {"dense", "dense_1"}
    if importlib.util.find_spec("onnx"):  # an optional extra
        assert mixed.export_onnx(tmp_path / "m.onnx").endswith("m.onnx")


def test_exporting_imports_no_framework_until_one_is_asked_for():
    code = (
        "import sys, engine, engine.export, engine.export.mixin\n"
        "from engine.export import to_code, export_weights, load_keras, export_onnx\n"
        "import engine.export.keras_io, engine.export.onnx_layers\n"
        "heavy = {'torch', 'jax', 'tensorflow', 'keras', 'onnx', 'h5py'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_onnx_export_without_onnx_says_how_to_install_it(tmp_path, monkeypatch):
    from engine.export.onnx_export import export_onnx

    monkeypatch.setitem(sys.modules, "onnx", None)
    model, _ = build("dense")
    with pytest.raises(ExportError, match=r"model-workbench\[onnx\]"):
        export_onnx(model, tmp_path / "m.onnx")


def test_helpers_in_generated_code_cannot_be_shadowed_by_tensor_names():
    helpers = {*jax_code.DIALECT.helpers, *tensorflow_code.DIALECT.helpers, *torch_code.HELPERS}
    assert {h for h in helpers if h.islower()} <= RESERVED
