"""Write Keras 3's op classes as data, read from the installed Keras.

    .venv/bin/python scripts/keras_op_classes.py           # rewrite the data module
    .venv/bin/python scripts/keras_op_classes.py --check   # fail if it is stale

A `.keras` file writes `x + y` or `keras.ops.mean(x, axis=-1)` on symbolic tensors as an entry
naming an Operation class of keras.src.ops (Add, Mean) whose config holds the arguments its
constructor takes, the rest being its call's. engine/saving/keras_op_classes.py keeps, for
each keras.ops function, the class it records and its parameters, and for each class its
constructor's and call's parameters, so the engine writes and reads these entries without
importing Keras.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = ROOT / "engine" / "saving" / "keras_op_classes.py"
_LITERALS = (type(None), bool, int, float, str)


def op_tables():
    """(Keras's version, {(module, class): (constructor params, call params)},
    {keras.ops function: (module, class, ((param, default or ...), ...))})."""
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # the classes are the same on every backend
    import keras
    from keras.src.ops.operation import Operation

    functions = {name: getattr(keras.ops, name) for name in dir(keras.ops)
                 if inspect.isfunction(getattr(keras.ops, name))}
    # keras.ops.image's functions are not in keras.ops itself: "image.resize"
    functions.update({f"image.{name}": getattr(keras.ops.image, name)
                      for name in dir(keras.ops.image)
                      if inspect.isfunction(getattr(keras.ops.image, name))})
    modules = {fn.__module__ for fn in functions.values()
               if fn.__module__.startswith("keras.src.ops.")}
    classes = {}
    for module_name in sorted(modules):
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (isinstance(value, type) and issubclass(value, Operation)
                    and value.__module__ == module_name):
                classes[(module_name, name)] = value
    records = {}
    for name, fn in functions.items():
        found = _recorded_class(fn, functions, classes)
        if found is not None:
            records[name] = (*found, _parameters(fn))
    tables = {key: (_constructor(cls), _call(cls)) for key, cls in sorted(classes.items())}
    return keras.__version__, tables, dict(sorted(records.items()))


def _recorded_class(fn, functions, classes, depth=0):
    """(module, class) of the Operation `fn` records on symbolic tensors: the one class of its
    module that its code names, or that of the one keras.ops function it calls (abs)."""
    names = set(fn.__code__.co_names)
    named = [key for key in classes if key[0] == fn.__module__ and key[1] in names]
    if len(named) > 1:
        plain = fn.__name__.replace("_", "").lower()
        named = [key for key in named if key[1].lower() == plain]
    if len(named) == 1:
        return named[0]
    callees = [f for f in functions.values() if f.__name__ in names
               and f.__module__ == fn.__module__ and f is not fn]
    if not named and len(callees) == 1 and depth == 0:
        return _recorded_class(callees[0], functions, classes, depth + 1)
    return None


def _parameters(fn):
    result = []
    for parameter in inspect.signature(fn).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            result.append((f"*{parameter.name}", ...))
            continue
        default = parameter.default
        literal = isinstance(default, _LITERALS) or (
            isinstance(default, tuple) and all(isinstance(v, _LITERALS) for v in default))
        result.append((parameter.name, default if literal else ...))
    return tuple(result)


def _constructor(cls):
    return tuple(p.name for p in inspect.signature(cls.__init__).parameters.values()
                 if p.name not in ("self", "name") and p.kind not in (
                     inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL))


def _call(cls):
    names = []
    for p in inspect.signature(cls.call).parameters.values():
        if p.name == "self" or p.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        names.append(f"*{p.name}" if p.kind is inspect.Parameter.VAR_POSITIONAL else p.name)
    return tuple(names)


def render(version, classes, functions) -> str:
    lines = [
        f'"""Keras {version}\'s op classes, as data. Written by scripts/keras_op_classes.py '
        "from the",
        "installed Keras: do not edit.",
        "",
        "OP_CLASSES: an Operation class of keras.src.ops, by (module, class name) -> (its",
        "constructor's parameters, which a `.keras` file writes in the entry's config; its call's",
        'parameters, the entry\'s inbound node). "*name" is a variable positional parameter.',
        'FUNCTIONS: a keras.ops function ("image.resize" for keras.ops.image\'s) -> (module, class',
        "name of the Operation it records on symbolic tensors, its parameters in order as (name,",
        "default), `...` for none).",
        '"""',
        "",
        f'KERAS_VERSION = "{version}"',
        "",
    ]
    for title, table in (("OP_CLASSES", classes), ("FUNCTIONS", functions)):
        lines.append(f"{title} = {{")
        for key, value in table.items():
            lines.extend(_entry(key, value))
        lines += ["}", ""]
    return "\n".join(lines)


def _entry(key, value) -> list[str]:
    """One table entry, on one line where it fits, else one line per element of its value."""
    line = f"    {_literal(key)}: {_literal(value)},"
    if len(line) <= 100:
        return [line]
    elements = []
    for element in value:
        text = f"        {_literal(element)},"
        if len(text) > 100:  # a long tuple: one item a line
            text = "\n".join(["        (", *(f"            {_literal(item)},"
                                           for item in element), "        ),"])
        elements.append(text)
    return [f"    {_literal(key)}: (", *elements, "    ),"]


def _literal(value) -> str:
    return repr(value).replace("Ellipsis", "...")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    text = render(*op_tables())
    if parser.parse_args().check:
        if not DATA_FILE.exists() or DATA_FILE.read_text() != text:
            sys.exit(f"{DATA_FILE.relative_to(ROOT)} is stale: run "
                     "python scripts/keras_op_classes.py")
        return
    DATA_FILE.write_text(text)


if __name__ == "__main__":
    main()
