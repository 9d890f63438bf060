"""Checks of layer constructor arguments; each error names the layer, the argument and value."""

from __future__ import annotations

import numbers

from engine.errors import LayerConfigError


def positive_int(layer: str, name: str, value) -> int:
    """`value` as an int, or a LayerConfigError when it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise LayerConfigError(f"{layer}: `{name}` must be a positive integer, got {value!r}.")
    return int(value)


def int_tuple(layer: str, name: str, value, rank: int) -> tuple:
    """An int or `rank` positive ints as a tuple of `rank` ints: kernel_size=3 -> (3, 3)."""
    values = (value,) * rank if isinstance(value, numbers.Integral) else value
    if not isinstance(values, (tuple, list)) or len(values) != rank:
        raise LayerConfigError(
            f"{layer}: `{name}` must be an int or a tuple of {rank} ints, got {value!r}."
        )
    return tuple(positive_int(layer, name, v) for v in values)


def choice(layer: str, name: str, value, choices: tuple) -> str:
    """`value` lower-cased if it is one of `choices`, else a LayerConfigError listing them."""
    if not isinstance(value, str) or value.lower() not in choices:
        raise LayerConfigError(
            f"{layer}: `{name}` must be one of {', '.join(map(repr, choices))}, got {value!r}."
        )
    return value.lower()
