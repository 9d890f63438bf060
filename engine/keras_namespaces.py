"""Which engine module answers for each Keras 3 namespace, so `import engine as keras` works.

Each module below ends with `__getattr__ = missing_attribute(__name__)`: asking it for a name
that Keras has there and the engine lacks raises an AttributeError that names the Keras symbol
and points to docs/keras-compatibility.md. Keras's names come from `engine/keras_names.py`,
written from Keras itself by scripts/keras_compatibility.py, so the engine never imports Keras.
"""

from __future__ import annotations

import sys
import types

from engine.keras_names import KERAS_NAMES, KERAS_VERSION

NAMESPACES = {
    "keras": "engine",
    "keras.activations": "engine.activations",
    "keras.callbacks": "engine.training.callbacks",
    "keras.config": "engine.config",
    "keras.constraints": "engine.constraints",
    "keras.dtype_policies": "engine.dtype_policies",
    "keras.initializers": "engine.initializers",
    "keras.layers": "engine.layers",
    "keras.losses": "engine.losses",
    "keras.metrics": "engine.metrics",
    "keras.mixed_precision": "engine.mixed_precision",
    "keras.models": "engine.models",
    "keras.ops": "engine.ops",
    "keras.ops.core": "engine.ops.core",
    "keras.ops.image": "engine.ops.image",
    "keras.ops.linalg": "engine.ops.linalg",
    "keras.ops.nn": "engine.ops.nn",
    "keras.ops.numpy": "engine.ops.numpy",
    "keras.optimizers": "engine.optimizers",
    "keras.optimizers.schedules": "engine.optimizers.schedules",
    "keras.random": "engine.random",
    "keras.regularizers": "engine.regularizers",
    "keras.saving": "engine.saving",
    "keras.tree": "engine.tree",
    "keras.utils": "engine.utils",
}

# Keras symbols whose names the engine uses for something else: not counted as covered
HOMONYMS = {
    "keras.backend": "the engine's backend objects (engine/backend/); keras.config has the "
    "settings Keras keeps there",
    "keras.export": "the engine's exporters to other frameworks (docs/export.md)",
    "keras.ops.histogram": "the engine's per-row histogram with fixed bounds, for inspection",
    "keras.ops.numpy.histogram": "see keras.ops.histogram",
}

_KERAS_NAMESPACE_OF = {module: namespace for namespace, module in NAMESPACES.items()}

DOC = "docs/keras-compatibility.md"


class MissingKerasNameError(AttributeError):
    """A Keras 3 name that the engine does not implement."""


def missing_attribute(module_name: str):
    """A module-level `__getattr__` for `module_name`: Keras names it lacks raise
    MissingKerasNameError saying so; any other name, the usual AttributeError."""
    namespace = _KERAS_NAMESPACE_OF[module_name]
    keras_names = frozenset(KERAS_NAMES.get(namespace, ()))  # () until the script runs

    def __getattr__(name):  # noqa: N807 (the module hook's name)
        if name in keras_names:
            raise MissingKerasNameError(
                f"{namespace}.{name} (Keras {KERAS_VERSION}) is not implemented in the engine: "
                f"{module_name} has no {name!r}. {DOC} lists what each namespace covers."
            )
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return __getattr__


def op_groups(ops_module: types.ModuleType) -> dict[str, types.ModuleType]:
    """keras.ops's sub-namespaces (nn, numpy, linalg, image, core) as modules holding the ops
    of `ops_module` that Keras groups there; each is importable as engine.ops.<group>."""
    groups = {}
    for namespace, module_name in NAMESPACES.items():
        if not namespace.startswith("keras.ops."):
            continue
        group = types.ModuleType(module_name, f"The engine's ops that Keras puts in {namespace}.")
        present = [
            name for name in KERAS_NAMES.get(namespace, ())
            if name in vars(ops_module) and f"{namespace}.{name}" not in HOMONYMS
        ]
        vars(group).update({name: vars(ops_module)[name] for name in present})
        group.__all__ = present
        group.__getattr__ = missing_attribute(module_name)
        sys.modules[module_name] = group
        groups[module_name.rsplit(".", 1)[1]] = group
    return groups
