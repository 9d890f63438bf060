"""Writing Python source: literals, calls wrapped to the line length, whole modules."""

from __future__ import annotations

import json
import re

LINE_LENGTH = 100
INDENT = "    "


def literal(value) -> str:
    """Python source for a JSON-like value: "relu", (3, 3), [1], None, 0.5."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        items = ", ".join(literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, list):
        return f"[{', '.join(literal(v) for v in value)}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def shape(values) -> str:
    """A shape tuple's source: (4, 8), (8,)."""
    return literal(tuple(values))


def lines(head: str, arguments: list[str], depth: int, tail: str = "", brackets="()") -> list[str]:
    """`head(arguments)tail` at `depth` indents; one argument a line when it is too long."""
    pad, (opening, closing) = INDENT * depth, brackets
    one = f"{pad}{head}{opening}{', '.join(arguments)}{closing}{tail}"
    if len(one) <= LINE_LENGTH or not arguments:
        return [one]
    return [f"{pad}{head}{opening}", *(f"{pad}{INDENT}{a}," for a in arguments),
            f"{pad}{closing}{tail}"]


def keywords(pairs: dict) -> list[str]:
    """["name=value", ...] from a dict of already-written sources."""
    return [f"{k}={v}" for k, v in pairs.items()]


def module(docstring: str, imports: list[tuple[str, str]], blocks: list[list[str]]) -> str:
    """A module: docstring, the imports the code uses, then blocks two blank lines apart.

    `imports` are (line, name) pairs, kept when the code uses `name.`; a ("", "") pair starts
    a new group (standard library first, as isort wants).
    """
    body = "\n\n\n".join("\n".join(block) for block in blocks if block)
    groups, group = [], []
    for line, name in [*imports, ("", "")]:
        if not line:
            groups, group = [*groups, group] if group else groups, []
        elif re.search(rf"(?<![\w.]){re.escape(name)}\.", body):
            group.append(line)
    header = "\n\n".join("\n".join(g) for g in groups)
    docstring = docstring.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{docstring}"""\n\n{header}\n\n\n{body}\n'



def class_name(model_name: str) -> str:
    """CapWords for the model's class: "my_model" -> "MyModel"."""
    words = "".join(c if c.isalnum() else " " for c in model_name).split()
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name and name[0].isalpha() else f"Model{name}"


def chain(target: str, value: str, wrappers: list[str], depth: int) -> list[str]:
    """`target = w_n(...w_1(value))` (each wrapper has one "{}"), split to fit the line.

    When the next wrapper would make the line too long, the value so far is assigned to
    `target` and the chain goes on from `target`.
    """
    pad = INDENT * depth
    out, current = [], value
    for wrapper in wrappers:
        candidate = wrapper.replace("{}", current, 1)
        if len(f"{pad}{target} = {candidate}") > LINE_LENGTH and current != value:
            out.append(f"{pad}{target} = {current}")
            candidate = wrapper.replace("{}", target, 1)
        current = candidate
    return [*out, f"{pad}{target} = {current}"]


def returns(names: list[str], depth: int) -> list[str]:
    """`return a, b` at `depth`; a parenthesised tuple, one name a line, when too long."""
    pad = INDENT * depth
    one = f"{pad}return {', '.join(names)}"
    if len(one) <= LINE_LENGTH:
        return [one]
    return [f"{pad}return (", *(f"{pad}{INDENT}{n}," for n in names), f"{pad})"]


def function(template: str) -> str:
    """A function for an expression template: "torch.tanh({})" -> "torch.tanh", else a lambda."""
    if template.endswith("({})") and template.count("(") == 1:
        return template[: -len("({})")]
    return f"lambda v: {template.replace('{}', 'v')}"
