"""Code generation: a model as readable Python in each framework, one module per target."""

from __future__ import annotations

import importlib

from engine.export.errors import ExportError
from engine.export.keras_ops import check_translatable
from engine.export.program import (
    build_program,
    refuse_masks,
    refuse_op_nodes,
    refuse_stateful,
)

# framework -> module in this package that writes its code
TARGETS = {
    "torch": "torch_code",
    "jax": "jax_code",
    "tensorflow": "tensorflow_code",
    "keras": "layers_api",
    "engine": "layers_api",
}


def target(framework: str):
    """The writer module for `framework`, or an ExportError listing the choices."""
    if framework not in TARGETS:
        raise ExportError(
            f"Cannot write code for {framework!r}; choose one of: {', '.join(TARGETS)}."
        )
    return importlib.import_module(f"{__name__}.{TARGETS[framework]}")


def to_code(model, framework: str) -> str:
    """The model as the source of a Python module for `framework` (see docs/export.md)."""
    writer = target(framework)
    if framework == "keras":
        check_translatable(model, "to_code('keras')")
    elif framework != "engine":  # engine code calls the same ops; these translate layers only
        refuse_op_nodes(model, f"to_code({framework!r})")
        refuse_masks(model, f"to_code({framework!r})")
        refuse_stateful(model, f"to_code({framework!r})")
    return writer.generate(build_program(model), framework)
