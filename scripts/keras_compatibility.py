"""Write what the engine covers of Keras 3's namespaces, read from Keras itself.

    .venv/bin/python scripts/keras_compatibility.py           # rewrite both files
    .venv/bin/python scripts/keras_compatibility.py --check   # fail if either is stale

It writes engine/keras_names.py (Keras's public names in each namespace of
engine.keras_namespaces.NAMESPACES, which the engine's missing-name errors read) and the
coverage tables of docs/keras-compatibility.md, between its markers; the prose around them is
written by hand. keras.ops.core is not a Keras module: its names are those keras.ops takes
from Keras's ops/core.py.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
NAMES_FILE = ROOT / "engine" / "keras_names.py"
DOC_FILE = ROOT / "docs" / "keras-compatibility.md"
BEGIN = "<!-- BEGIN coverage: written by scripts/keras_compatibility.py -->"
END = "<!-- END coverage -->"

sys.path.insert(0, str(ROOT))


def keras_names(namespaces) -> tuple[str, dict[str, list[str]]]:
    """Keras's version and the sorted public names of each namespace in `namespaces`."""
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # the names are the same on every backend
    import keras

    names = {}
    for namespace in namespaces:
        module = _keras_module(namespace)
        public = (n for n in dir(module) if not n.startswith("_") and n != "src")
        if namespace == "keras.ops.core":
            public = (n for n in public if _defined_in(getattr(module, n), "keras.src.ops.core"))
        names[namespace] = sorted(public)
    return keras.__version__, names


def _keras_module(namespace):
    """Keras's module for `namespace`; keras.ops for keras.ops.core, which is not a module."""
    return importlib.import_module("keras.ops" if namespace == "keras.ops.core" else namespace)


def _defined_in(value, module_name: str) -> bool:
    return getattr(value, "__module__", None) == module_name


def render_names_module(version: str, names: dict[str, list[str]]) -> str:
    lines = [
        f'"""Keras {version}\'s public names in each namespace the engine answers for',
        "(engine/keras_namespaces.py). Written by scripts/keras_compatibility.py: do not edit.",
        '"""',
        "",
        f'KERAS_VERSION = "{version}"',
        "",
        "KERAS_NAMES = {",
    ]
    for namespace, members in names.items():
        quoted = " ".join(f'"{name}",' for name in members)
        lines.append(f'    "{namespace}": (')
        lines.extend(
            textwrap.wrap(quoted, 99, initial_indent=" " * 8, subsequent_indent=" " * 8,
                          break_long_words=False)
        )
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


class Coverage(NamedTuple):
    """One namespace's Keras names, sorted into what the engine has and what it lacks."""

    present: list[str]
    other_meaning: list[str]  # engine names that Keras uses for something else
    missing: list[str]
    other_arguments: list[str]  # present functions whose arguments differ from Keras's


def coverage(names: dict[str, list[str]]) -> dict[str, Coverage]:
    """Each namespace's coverage, as the engine's modules are now."""
    from engine.keras_namespaces import HOMONYMS, NAMESPACES

    result = {}
    for namespace, members in names.items():
        module = importlib.import_module(NAMESPACES[namespace])
        keras_module = _keras_module(namespace)
        present, other_meaning, missing, other_arguments = [], [], [], []
        for name in members:
            if f"{namespace}.{name}" in HOMONYMS:
                other_meaning.append(name)
            elif not hasattr(module, name):
                missing.append(name)
            else:
                present.append(name)
                difference = argument_difference(
                    name, getattr(module, name), getattr(keras_module, name)
                )
                if difference:
                    other_arguments.append(difference)
        result[namespace] = Coverage(present, other_meaning, missing, other_arguments)
    return result


def argument_difference(name, ours, theirs) -> str | None:
    """`name(ours)` vs `(Keras's)` for functions that take other arguments than Keras's: ours
    positional ones not the first of Keras's, in name and order, or a keyword Keras lacks.
    None where they agree, or for anything but functions."""
    if not (inspect.isfunction(ours) and inspect.isfunction(theirs)):
        return None
    our_positional, our_keywords = _parameters(ours)
    their_positional, their_keywords = _parameters(theirs)
    if our_positional == their_positional[: len(our_positional)] and set(our_keywords) <= {
        *their_positional, *their_keywords
    }:
        return None
    return f"`{name}{_signature(ours)}` vs `{_signature(theirs)}`"


def _signature(function) -> str:
    return str(inspect.signature(function).replace(return_annotation=inspect.Signature.empty))


def _parameters(function) -> tuple[list[str], list[str]]:
    """The names of a function's positional parameters and of its keyword-only ones."""
    positional, keywords = [], []
    for parameter in inspect.signature(function).parameters.values():
        keyword_only = parameter.kind is inspect.Parameter.KEYWORD_ONLY
        (keywords if keyword_only else positional).append(parameter.name)
    return positional, keywords


def render_tables(version: str, covered: dict[str, Coverage]) -> str:
    from engine.keras_namespaces import HOMONYMS, NAMESPACES

    total_present = sum(len(c.present) for c in covered.values())
    total = sum(len(c.present) + len(c.other_meaning) + len(c.missing) for c in covered.values())
    lines = [
        f"Keras {version}: the engine has {total_present} of the {total} public names below.",
        "",
        "| Keras namespace | engine module | covered |",
        "| --- | --- | --- |",
    ]
    for namespace, c in covered.items():
        count = f"{len(c.present)} / {len(c.present) + len(c.other_meaning) + len(c.missing)}"
        lines.append(f"| `{namespace}` | `{NAMESPACES[namespace]}` | {count} |")
    for namespace, c in covered.items():
        lines += ["", f"### `{namespace}`", "", "Present: " + _names(c.present)]
        if c.other_arguments:
            lines += ["", "Present with other arguments (the engine's vs Keras's): "
                      + ", ".join(c.other_arguments) + "."]
        for name in c.other_meaning:
            lines += ["", f"Same name, another thing: `{name}`, {HOMONYMS[f'{namespace}.{name}']}."]
        lines += ["", "Missing: " + _names(c.missing)]
    return "\n".join(lines)


def _names(names: list[str]) -> str:
    return (", ".join(f"`{name}`" for name in names) or "none") + "."


def splice(doc: str, tables: str) -> str:
    """`doc` with everything between its markers replaced by `tables`."""
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{DOC_FILE} has lost its markers: {BEGIN} ... {END}")
    head, rest = doc.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{tables}\n{END}{rest.split(END, 1)[1]}"


def expected_files() -> dict[Path, str]:
    """What the names module and the doc should hold, from the installed Keras and the
    engine's modules as they are now."""
    from engine.keras_namespaces import NAMESPACES

    version, names = keras_names(NAMESPACES)
    names_module = render_names_module(version, names)
    tables = render_tables(version, coverage(names))
    return {NAMES_FILE: names_module, DOC_FILE: splice(DOC_FILE.read_text(), tables)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    check = parser.parse_args().check
    expected = expected_files()
    stale = [path for path, text in expected.items() if path.read_text() != text]
    if check:
        if stale:
            names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
            raise SystemExit(f"Stale: {names}; run scripts/keras_compatibility.py")
        return
    for path in stale:
        path.write_text(expected[path])
    if NAMES_FILE in stale:
        # the engine's op groups read the names when it is imported: a fresh process for the doc
        os.execv(sys.executable, [sys.executable, __file__])


if __name__ == "__main__":
    main()
