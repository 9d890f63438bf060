"""The layer palette: every allowlisted layer with its tensor arguments and argument forms.

All of it is read from the layers' declarations (engine/layers/declaration.py): names,
defaults and order are the constructors', types, ranges, choices and suggested values for
required arguments (so a node dropped on the canvas works at once) the declared ones.
"""

from __future__ import annotations

import functools
import inspect

from engine.layers import LAYERS
from engine.layers.declaration import CATEGORIES, DECLARED, Bool

LIST_MINIMUM = 2  # a list argument (Add's `inputs`) takes at least two tensors
TRAINABLE = Bool(True, name="trainable")  # Layer's own, editable on every layer but an input


def _declaration(class_name: str):
    if class_name not in LAYERS:
        raise KeyError(f"{class_name!r} is not an engine layer.")
    return DECLARED[class_name]


@functools.cache
def arguments(class_name: str) -> tuple:
    """The editable arguments of a layer class, in constructor order, then `trainable`."""
    declaration = _declaration(class_name)
    forms = declaration.forms()
    if declaration.category != "input":
        forms.append(TRAINABLE.form(declaration.cls))
    return tuple(forms)


def defaults(class_name: str) -> dict:
    """A new node's config: defaults, suggested values for required arguments, else None."""
    return {a["name"]: a.get("default", a.get("suggested")) for a in arguments(class_name)}


def ports(class_name: str) -> tuple:
    """The tensor arguments: (name, kind, optional) each."""
    return tuple((p.name, p.kind, p.optional) for p in _declaration(class_name).ports)


def inputs_connected(class_name: str, sources: list) -> bool:
    """Whether every required tensor argument has its sources (`sources`: a list of Refs per
    argument): one tensor, or LIST_MINIMUM for a list."""
    return all(
        len(refs) >= (LIST_MINIMUM if kind == "list" else 1) or (optional and not refs)
        for (_, kind, optional), refs in zip(ports(class_name), sources)
    )


def category(class_name: str) -> str:
    return _declaration(class_name).category


def summary(cls) -> str:
    """The first paragraph of a layer's docstring, on one line: the palette's description."""
    paragraph = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0]
    return " ".join(paragraph.split())


@functools.cache
def palette() -> tuple:
    """The `palette` trait: every allowlisted layer, by category, by name within one."""
    names = sorted(LAYERS, key=lambda name: (CATEGORIES.index(category(name)), name))
    return tuple(
        {
            "class": name,
            "category": category(name),
            "doc": summary(LAYERS[name]),
            "args": [{"name": n, "kind": k, "optional": o} for n, k, o in ports(name)],
            "arguments": list(arguments(name)),
        }
        for name in names
    )
