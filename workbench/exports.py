"""The graph editor's exports: the model as a file to download, built in memory.

    file = export_model(model, "code", "torch")   # ExportFile(filename, mime, data)

Each export is a view of the editor's model (docs/export.md): its graph as JSON, its Python
code and weights for a framework, a model file (.wbm), a Keras 3 file or an ONNX graph.
Nothing is written next to the notebook; the browser saves the bytes where the user says.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.errors import WorkbenchError

KINDS = ("spec", "code", "model", "keras", "onnx")
FRAMEWORKS = ("engine", "keras", "torch", "jax", "tensorflow")
DEFAULT_FRAMEWORK = "engine"  # code for the engine's own API, as the editor's `code` shows it

# {layer: {weight: array}} back from the .npz's "layer/weight" names (jax and tensorflow).
NESTED = """\
weights = np.load("weights.npz")
params = {{}}
for key in weights.files:
    layer, name = key.split("/")
    params.setdefault(layer, {{}})[name] = weights[key]
"""

LOADING = {
    "torch": """\
import numpy as np
import torch
from model import {model_class}

net = {model_class}()
weights = np.load("weights.npz")
net.load_state_dict({{name: torch.from_numpy(weights[name]) for name in weights.files}})
net.eval()
""",
    "jax": "import numpy as np\nfrom model import apply\n\n"
    + NESTED
    + "predictions = apply(params, x)\n",
    "tensorflow": "import numpy as np\nfrom model import {model_class}\n\n"
    + NESTED
    + "module = {model_class}()\nmodule.load_weights(params)\n",
    "keras": """\
import numpy as np
from model import build_model

weights = np.load("weights.npz")
model = build_model()
model.set_weights([weights[name] for name in weights.files])
""",
}
LOADING["engine"] = LOADING["keras"]


class ExportRequestError(WorkbenchError, ValueError):
    """An export that cannot be made: an unknown kind or framework, or a missing package."""


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mime: str
    data: bytes


def export_model(model, kind: str, framework: str | None = None) -> ExportFile:
    """`model` as a file of `kind` (one of KINDS); "code" is written for `framework` (one of
    FRAMEWORKS, DEFAULT_FRAMEWORK when None)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", model.name).strip("_") or "model"
    if kind == "spec":
        text = json.dumps(model.to_spec(), indent=2) + "\n"
        return ExportFile(f"{stem}.json", "application/json", text.encode())
    if kind == "code":
        return _code_bundle(model, stem, _framework(framework or DEFAULT_FRAMEWORK))
    if kind == "model":
        from engine.saving import save_model

        return _written(stem + ".wbm", "application/zip", lambda path: save_model(model, path))
    if kind == "keras":  # written by the engine itself: Keras need not be installed
        return _written(stem + ".keras", "application/zip", model.save)
    if kind == "onnx":
        return _written(stem + ".onnx", "application/octet-stream", model.export_onnx)
    raise ExportRequestError(f"Unknown export {kind!r}; choose one of {', '.join(KINDS)}.")


def flat_weights(weights, framework: str) -> dict[str, np.ndarray]:
    """`model.export_weights(framework)` as one flat name -> array mapping (for an .npz)."""
    if framework == "torch":
        return {name: value.detach().cpu().numpy() for name, value in weights.items()}
    if framework in ("jax", "tensorflow"):
        return {
            f"{layer}/{name}": np.asarray(value)
            for layer, values in weights.items()
            for name, value in values.items()
        }
    return {f"weight_{index:03d}": np.asarray(value) for index, value in enumerate(weights)}


def _framework(framework) -> str:
    if framework not in FRAMEWORKS:
        raise ExportRequestError(
            f"Code is written for one of {', '.join(FRAMEWORKS)}; got {framework!r}."
        )
    return framework


def _code_bundle(model, stem: str, framework: str) -> ExportFile:
    """A zip of model.py, weights.npz and README.md (how to load the one into the other)."""
    source = model.to_code(framework)
    weights = io.BytesIO()
    np.savez(weights, **flat_weights(model.export_weights(framework), framework))
    readme = (
        f"# {model.name}: {framework} code and weights from Model Workbench\n\n"
        "```python\n" + LOADING[framework].format(model_class=_class_name(source)) + "```\n"
    )
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.py", source)
        archive.writestr("weights.npz", weights.getvalue())
        archive.writestr("README.md", readme)
    return ExportFile(f"{stem}_{framework}.zip", "application/zip", bundle.getvalue())


def _class_name(source: str) -> str:
    """The first class the generated module defines (torch and tensorflow code have one)."""
    for line in source.splitlines():
        if line.startswith("class ") and "(" in line:
            return line[len("class ") : line.index("(")]
    return "Model"


def _written(filename: str, mime: str, write) -> ExportFile:
    """The bytes `write(path)` puts in a file called `filename`."""
    with tempfile.TemporaryDirectory(prefix="workbench-export-") as directory:
        path = Path(directory) / filename
        write(str(path))
        return ExportFile(filename, mime, path.read_bytes())
