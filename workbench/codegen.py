"""Python source that builds a graph spec's model with the engine's functional API.

Only arguments that differ from the layer's defaults are written, so the code reads like code
a person would write. (engine/export/ is gaining `to_code(..., "engine")`; once it lands the
draft can delegate to it and this module can go.)
"""

from __future__ import annotations

import keyword
import re

from workbench import palette

RESERVED = {"engine", "layers", "model"}


def spec_to_code(spec: dict) -> str:
    classes = {entry["name"]: entry for entry in spec["layers"]}
    names = _variable_names([node["id"] for node in spec["nodes"]])
    lines = ["import engine", "from engine import layers", ""]
    for node in spec["nodes"]:
        entry = classes[node["layer"]]
        variable = names[node["id"]]
        if entry["class"] == "InputLayer":
            lines.append(f"{variable} = layers.Input({_arguments(entry)})")
            continue
        args = ", ".join(_argument(a, names) for a in node["args"])
        lines.append(f"{variable} = layers.{entry['class']}({_arguments(entry)})({args})")
    inputs = _tensors(spec["inputs"], names, spec.get("single_input", True))
    outputs = _tensors(spec["outputs"], names, spec.get("single_output", True))
    lines.append(f"model = engine.Model(inputs={inputs}, outputs={outputs}, name={spec['name']!r})")
    return "\n".join(lines) + "\n"


def _arguments(entry: dict) -> str:
    """Required arguments positionally, then keywords that differ from the defaults, then name."""
    arguments = palette.arguments(entry["class"])
    config = {
        a["name"]: _compact(a, entry["config"][a["name"]])
        for a in arguments
        if a["name"] in entry["config"]
    }
    implied = _implied_config(entry["class"], entry["config"], arguments)
    positional, keywords = [], []
    for argument in arguments:
        name = argument["name"]
        if name not in config:
            continue
        value = _literal(config[name])
        if argument["required"] and entry["class"] != "InputLayer":
            positional.append(value)
        elif argument["required"] or not (
                _is_default(argument, config) or implied.get(name) == entry["config"][name]):
            keywords.append(f"{name}={value}")
    return ", ".join([*positional, *keywords, f"name={entry['name']!r}"])


def _implied_config(class_name, config, arguments) -> dict:
    """The config of the layer made from its required arguments alone: what leaving the
    others out gives (Conv2D's data_format None becomes "channels_last")."""
    from engine.layers import LAYERS

    required = {a["name"]: config[a["name"]] for a in arguments
                if a["required"] and a["name"] in config}
    try:
        return LAYERS[class_name](**required).get_config()
    except Exception:  # noqa: BLE001 (a draft's config may not build yet: palette defaults)
        return {}


def _compact(argument, value):
    """(3, 3) -> 3 for window arguments, as people write them; pairs ((1, 2), (1, 2)) stay."""
    same = (isinstance(value, (list, tuple)) and value
            and all(isinstance(v, int) for v in value) and len(set(value)) == 1)
    return value[0] if argument["type"] == "int_or_int_list" and same else value


def _is_default(argument, config) -> bool:
    value, default = config[argument["name"]], _compact(argument, argument.get("default"))
    if argument["name"] == "strides" and default is None:  # pooling: strides default to pool_size
        return value in (None, config.get("pool_size"))
    return _literal(value) == _literal(default)


def _literal(value) -> str:
    """Lists of numbers as tuples (Keras's style for shapes and windows), the rest as repr."""
    if isinstance(value, (list, tuple)):
        items = [_literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    return repr(value)


def _argument(arg, names) -> str:
    if isinstance(arg, list):
        return f"[{', '.join(_reference(r, names) for r in arg)}]"
    return _reference(arg, names)


def _reference(ref, names) -> str:
    variable = names[ref["node"]]
    return variable if ref.get("output", 0) == 0 else f"{variable}[{ref['output']}]"


def _tensors(refs, names, single) -> str:
    items = [_reference(r, names) for r in refs]
    return items[0] if single and len(items) == 1 else f"[{', '.join(items)}]"


def _variable_names(ids) -> dict:
    """Node id -> a distinct Python identifier ("conv-1" -> "conv_1", "class" -> "class_")."""
    taken, names = set(RESERVED), {}
    for node_id in ids:
        base = re.sub(r"\W", "_", node_id)
        if not base or base[0].isdigit():
            base = f"_{base}"
        name = base
        while keyword.iskeyword(name) or name in taken:
            name += "_"
        taken.add(name)
        names[node_id] = name
    return names
