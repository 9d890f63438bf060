"""Running generated code: write it to a file, lint it with ruff, import it, predict with it."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRAMEWORK_MODULES = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow",
                     "keras": "keras", "engine": "numpy"}


def as_list(values):
    return list(values) if isinstance(values, (list, tuple)) else [values]


def write_module(source: str, folder: pathlib.Path, name: str):
    """The generated source as an imported module, after `ruff check` passes on it."""
    path = folder / f"{name}.py"
    path.write_text(source)
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
         str(ROOT / "pyproject.toml"), str(path)],
        capture_output=True, text=True,
    )
    assert lint.returncode == 0, f"ruff on the generated code:\n{lint.stdout}\n{source}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict(framework, module, weights, inputs) -> list[np.ndarray]:
    """Outputs of the generated code for `inputs`, with `weights` loaded as documented."""
    return [np.asarray(o) for o in as_list(_RUNNERS[framework](module, weights, inputs))]


def _last_class(module, base):
    classes = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, base) and v.__module__ == module.__name__]
    return classes[-1]


def _torch(module, weights, inputs):
    import torch

    net = _last_class(module, torch.nn.Module)()
    net.load_state_dict(weights)
    net.eval()
    with torch.no_grad():
        outputs = net(*(torch.from_numpy(x) for x in as_list(inputs)))
    return [o.numpy() for o in as_list(outputs)]


def _jax(module, weights, inputs):
    import jax

    return jax.jit(module.apply)(weights, *as_list(inputs))


def _tensorflow(module, weights, inputs):
    net = _last_class(module, __import__("tensorflow").Module)()
    net.load_weights(weights)
    return [o.numpy() for o in as_list(net(*as_list(inputs)))]


def _keras(module, weights, inputs):
    model = module.build_model()
    model.set_weights(weights)
    return model.predict(inputs, verbose=0)


def _engine(module, weights, inputs):
    model = module.build_model()
    model.set_weights(weights)
    return model.predict(inputs)


_RUNNERS = {"torch": _torch, "jax": _jax, "tensorflow": _tensorflow, "keras": _keras,
            "engine": _engine}


def require(framework):
    pytest.importorskip(FRAMEWORK_MODULES[framework])
