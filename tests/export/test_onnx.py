"""ONNX export: onnxruntime on the exported graph predicts what the model does (1e-5)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.export.errors import ExportError
from tests.export.catalogue import MODELS, UNSUPPORTED, build
from tests.export.runners import as_list

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("name", list(MODELS))
def test_onnxruntime_predicts_like_the_model(name, tmp_path):
    from engine.export.onnx_export import export_onnx

    model, inputs = build(name)
    if ("onnx", name) in UNSUPPORTED:
        with pytest.raises(ExportError, match=UNSUPPORTED["onnx", name]):
            export_onnx(model, tmp_path / "model.onnx")
        return
    path = export_onnx(model, tmp_path / "model.onnx")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(session.get_inputs(), as_list(inputs))}
    for ours, theirs in zip(session.run(None, feeds), as_list(model.predict(inputs)),
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
