"""keras.utils' helpers for graphs and configs: the inputs a tensor comes from, and Keras's
serialize/deserialize of objects, looked up in the engine's namespaces and the registry of
custom objects (nothing named in a config is imported)."""

from __future__ import annotations

from engine.saving.registry import get_registered_name, get_registered_object
from engine.symbolic import SymbolicTensor


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor of a functional graph (what Input returns)."""
    return isinstance(x, SymbolicTensor)


def get_source_inputs(tensor) -> list:
    """The Input tensors `tensor` is computed from, in the order the graph reaches them."""
    if not is_keras_tensor(tensor):
        raise ValueError(f"get_source_inputs expects a symbolic tensor (from Input and layer "
                         f"calls). Received: {tensor!r:.200}.")
    sources, seen, stack = [], set(), [tensor]
    while stack:
        current = stack.pop()
        parents = ([] if current.node is None else
                   [t for t in current.node.input_tensors if is_keras_tensor(t)])
        if not parents:
            if id(current) not in seen:
                seen.add(id(current))
                sources.append(current)
            continue
        stack.extend(reversed(parents))
    return sources


def _namespaces() -> dict:
    """Keras's module name -> the classes the engine has under it, by class name."""
    from engine import constraints, initializers, optimizers, regularizers
    from engine.layers import LAYERS

    return {
        "keras.layers": LAYERS,
        "keras.optimizers": {cls.__name__: cls for cls in optimizers.CLASSES.values()},
        "keras.initializers": initializers.TABLE.known,
        "keras.regularizers": regularizers.TABLE.known,
        "keras.constraints": constraints.TABLE.known,
    }


def serialize_keras_object(obj):
    """Keras's dict of `obj` ({"module", "class_name", "config", "registered_name"}); plain
    values as they are, lists and dicts item by item."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if not hasattr(obj, "get_config"):
        raise ValueError(f"serialize_keras_object: {type(obj).__name__} has no get_config(), "
                         "so it cannot be serialized.")
    cls = type(obj)
    module = next((name for name, known in _namespaces().items()
                   if known.get(cls.__name__) is cls), None)
    registered = get_registered_name(cls)
    return {"module": module or cls.__module__, "class_name": cls.__name__,
            "config": obj.get_config(),
            "registered_name": None if module else registered}


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a Keras config dict describes: its class from `custom_objects`, the
    registry (register_keras_serializable, custom_object_scope) or the engine's namespace
    of its module, made by `from_config`; plain values and dicts without a class_name as
    they are, lists item by item."""
    del safe_mode, kwargs  # nothing is imported or evaluated here, whatever the mode
    if isinstance(config, list):
        return [deserialize_keras_object(item, custom_objects) for item in config]
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    name = config.get("registered_name") or config["class_name"]
    cls = get_registered_object(name, custom_objects) or get_registered_object(
        config["class_name"], custom_objects)
    if cls is None:
        cls = _namespaces().get(config.get("module"), {}).get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"deserialize_keras_object: unknown class {config['class_name']!r} (module "
            f"{config.get('module')!r}). Nothing is imported by name: register it with "
            "register_keras_serializable, or pass custom_objects={name: class}."
        )
    arguments = config.get("config") or {}
    if hasattr(cls, "from_config"):
        return cls.from_config(arguments)
    return cls(**arguments) if isinstance(cls, type) else cls
