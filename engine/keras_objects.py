"""Keras's get / serialize / deserialize for a namespace of small config objects
(regularizers, constraints): names and config dicts are looked up in the namespace's fixed
table, so reading a config never imports or calls anything it names."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Table:
    """What a namespace's identifiers may name: `known` maps Keras's names (class names and
    their snake_case aliases) to classes."""

    kind: str  # "regularizer", "constraint": for messages
    module: str  # Keras's module, as its configs write it
    known: dict


def get(table: Table, identifier):
    """The object an identifier names: a name, a config dict, a class (made with its
    defaults), an object or function (kept), or None (None)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(table, identifier)
    if isinstance(identifier, str):
        if identifier not in table.known:
            raise ValueError(f"Unknown {table.kind} {identifier!r}; one of "
                             f"{', '.join(table.known)}.")
        return table.known[identifier]()
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {table.kind} identifier {identifier!r}: give a "
                     "name, a config dict, an object or a function.")


def serialize(table: Table, obj):
    """Keras's dict of `obj`: module, class_name, config, registered_name (None: None)."""
    if obj is None:
        return None
    name = type(obj).__name__
    if table.known.get(name) is type(obj):
        return {"module": table.module, "class_name": name, "config": obj.get_config(),
                "registered_name": None}
    if hasattr(obj, "get_config"):
        return {"module": type(obj).__module__, "class_name": name,
                "config": obj.get_config(), "registered_name": name}
    function = getattr(obj, "__name__", repr(obj))
    return {"module": getattr(obj, "__module__", None), "class_name": "function",
            "config": function, "registered_name": function}


def deserialize(table: Table, config, custom_objects=None):
    """The object a Keras config dict (or a name) describes; `custom_objects` maps other
    class names to classes (or objects)."""
    if isinstance(config, str):
        return get(table, config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A {table.kind} config is a dict with class_name and config, got "
                         f"{config!r}.")
    name = config["class_name"]
    custom = (custom_objects or {}).get(name)
    if custom is not None:
        return custom.from_config(config.get("config") or {}) if isinstance(custom, type) \
            else custom
    if name not in table.known or config.get("module") not in (table.module, None):
        raise ValueError(
            f"Unknown {table.kind} {name!r} (module {config.get('module')!r}): the engine "
            f"reads {table.module}'s {', '.join(sorted(table.known))}; pass custom_objects= "
            "for others."
        )
    arguments = config.get("config") or {}
    try:
        return table.known[name].from_config(arguments)
    except TypeError as error:
        raise ValueError(f"The {table.kind} {name} takes no such config as {arguments!r}: "
                         f"{error}.") from None
